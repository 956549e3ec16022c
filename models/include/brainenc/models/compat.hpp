// The LibTorch API differences between Debian's 1.13 (CPU, CI) and PyTorch 2.x (GPU machine),
// wrapped in one place.
#pragma once

#include <torch/torch.h>
#include <torch/version.h>

#define BRAINENC_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) ||           \
   (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace brainenc::models {

// softmax(q k^T * scale + mask) v over the last two axes. q, k, v: [..., L, D]; mask (optional)
// is boolean (true = attend) broadcastable to [..., Lq, Lk]. Uses the fused kernel on 2.x and
// the explicit matmul-softmax on 1.13.
// On 2.x, argument-dependent lookup also finds at::scaled_dot_product_attention for tensor
// arguments: call this one qualified (models::scaled_dot_product_attention) unless the mask is
// passed as a plain tensor, which selects the overload below unambiguously.
torch::Tensor scaled_dot_product_attention(const torch::Tensor& q, const torch::Tensor& k,
                                           const torch::Tensor& v,
                                           const c10::optional<torch::Tensor>& mask = c10::nullopt,
                                           double dropout_p = 0.0, bool training = false);
// The same with a mask tensor (an undefined tensor means no mask).
torch::Tensor scaled_dot_product_attention(const torch::Tensor& q, const torch::Tensor& k,
                                           const torch::Tensor& v, const torch::Tensor& mask);

// Whether autocast is on for `device` (kCUDA or kCPU) in this thread, and the dtype it casts to.
bool autocast_enabled(c10::DeviceType device);
c10::ScalarType autocast_dtype(c10::DeviceType device);

// RAII autocast region, the C++ counterpart of Python's `with torch.autocast(device, dtype,
// enabled)`: sets the thread's autocast state for `device` (kCUDA or kCPU) and restores the
// previous state on destruction, so guards nest. Like Python, it counts nesting and clears the
// cast-weight cache when the outermost region ends. 1.13 and 2.x name these calls differently
// (set_enabled / set_autocast_gpu_dtype vs set_autocast_enabled(device) / set_autocast_dtype).
class AutocastGuard {
 public:
  AutocastGuard(c10::DeviceType device, c10::ScalarType dtype, bool enabled = true);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  c10::DeviceType device_;
  bool previous_enabled_;
  c10::ScalarType previous_dtype_;
};

}  // namespace brainenc::models
