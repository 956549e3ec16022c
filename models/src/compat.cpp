#include "brainenc/models/compat.hpp"

#include <ATen/autocast_mode.h>

#include <cmath>
#include <limits>
#include <string>

#include "brainenc/io/error.hpp"

namespace brainenc::models {

torch::Tensor scaled_dot_product_attention(const torch::Tensor& q, const torch::Tensor& k,
                                           const torch::Tensor& v,
                                           const c10::optional<torch::Tensor>& mask,
                                           double dropout_p, bool training) {
#if BRAINENC_TORCH_AT_LEAST(2, 0)
  return at::scaled_dot_product_attention(q, k, v, mask, training ? dropout_p : 0.0);
#else
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  auto scores = torch::matmul(q, k.transpose(-2, -1)) * scale;
  if (mask.has_value())
    scores = scores.masked_fill(mask->logical_not(), -std::numeric_limits<float>::infinity());
  auto weights = torch::softmax(scores, -1);
  if (training && dropout_p > 0.0) weights = torch::dropout(weights, dropout_p, true);
  return torch::matmul(weights, v);
#endif
}

torch::Tensor scaled_dot_product_attention(const torch::Tensor& q, const torch::Tensor& k,
                                           const torch::Tensor& v, const torch::Tensor& mask) {
  return models::scaled_dot_product_attention(
      q, k, v, mask.defined() ? c10::optional<torch::Tensor>(mask) : c10::nullopt);
}

namespace {

void check_autocast_device(c10::DeviceType device) {
  if (device != c10::DeviceType::CUDA && device != c10::DeviceType::CPU)
    throw RuntimeError("autocast: device " + c10::DeviceTypeName(device) +
                       " is not supported (cuda or cpu)");
}

void set_autocast(c10::DeviceType device, bool enabled, c10::ScalarType dtype) {
  // The dtype first: torch rejects some (1.13: CPU autocast is bf16 only), and a throw must
  // leave the state as it was.
#if BRAINENC_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_dtype(device, dtype);
  at::autocast::set_autocast_enabled(device, enabled);
#else
  if (device == c10::DeviceType::CUDA) {
    at::autocast::set_autocast_gpu_dtype(dtype);
    at::autocast::set_enabled(enabled);
  } else {
    at::autocast::set_autocast_cpu_dtype(dtype);
    at::autocast::set_cpu_enabled(enabled);
  }
#endif
}

}  // namespace

bool autocast_enabled(c10::DeviceType device) {
  check_autocast_device(device);
#if BRAINENC_TORCH_AT_LEAST(2, 4)
  return at::autocast::is_autocast_enabled(device);
#else
  return device == c10::DeviceType::CUDA ? at::autocast::is_enabled()
                                         : at::autocast::is_cpu_enabled();
#endif
}

c10::ScalarType autocast_dtype(c10::DeviceType device) {
  check_autocast_device(device);
#if BRAINENC_TORCH_AT_LEAST(2, 4)
  return at::autocast::get_autocast_dtype(device);
#else
  return device == c10::DeviceType::CUDA ? at::autocast::get_autocast_gpu_dtype()
                                         : at::autocast::get_autocast_cpu_dtype();
#endif
}

AutocastGuard::AutocastGuard(c10::DeviceType device, c10::ScalarType dtype, bool enabled)
    : device_(device),
      previous_enabled_(autocast_enabled(device)),
      previous_dtype_(autocast_dtype(device)) {
  set_autocast(device_, enabled, dtype);
  at::autocast::increment_nesting();
}

AutocastGuard::~AutocastGuard() {
  // As torch.autocast.__exit__: the cache of casted weights lives as long as the outermost region.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_autocast(device_, previous_enabled_, previous_dtype_);
}

}  // namespace brainenc::models
