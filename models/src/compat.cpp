#include "brainenc/models/compat.hpp"

#include <cmath>

namespace brainenc::models {

torch::Tensor scaled_dot_product_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                           const c10::optional<torch::Tensor>& mask, double dropout_p,
                                           bool training) {
#if BRAINENC_TORCH_AT_LEAST(2, 0)
  return at::scaled_dot_product_attention(q, k, v, mask, training ? dropout_p : 0.0);
#else
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  auto scores = torch::matmul(q, k.transpose(-2, -1)) * scale;
  if (mask.has_value()) scores = scores.masked_fill(mask->logical_not(), -std::numeric_limits<float>::infinity());
  auto weights = torch::softmax(scores, -1);
  if (training && dropout_p > 0.0) weights = torch::dropout(weights, dropout_p, true);
  return torch::matmul(weights, v);
#endif
}

}  // namespace brainenc::models
