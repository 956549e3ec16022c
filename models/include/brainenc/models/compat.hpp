// The LibTorch API differences between Debian's 1.13 (CPU, CI) and PyTorch 2.x (GPU machine),
// wrapped in one place.
#pragma once

#include <torch/torch.h>
#include <torch/version.h>

#define BRAINENC_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace brainenc::models {

// softmax(q k^T * scale + mask) v over the last two axes. q, k, v: [..., L, D]; mask (optional)
// is boolean (true = attend) broadcastable to [..., Lq, Lk]. Uses the fused kernel on 2.x and
// the explicit matmul-softmax on 1.13.
torch::Tensor scaled_dot_product_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                           const c10::optional<torch::Tensor>& mask = c10::nullopt,
                                           double dropout_p = 0.0, bool training = false);

}  // namespace brainenc::models
