#include "brainenc/models/transformer_block.hpp"

#include <cmath>
#include <string>

#include "brainenc/io/error.hpp"
#include "brainenc/models/compat.hpp"

namespace brainenc::models {

TransformerBlockImpl::TransformerBlockImpl(const TransformerBlockOptions& options)
    : options_(options) {
  const int64_t d = options_.d_model();
  if (d <= 0 || options_.heads() <= 0 || d % options_.heads() != 0)
    throw UsageError("transformer block: d_model (" + std::to_string(d) +
                     ") must be a positive multiple of heads (" + std::to_string(options_.heads()) +
                     ")");
  const int64_t ff = options_.ff_dim() > 0 ? options_.ff_dim() : 4 * d;
  norm1_ = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
  qkv_ = register_module("qkv", torch::nn::Linear(d, 3 * d));
  out_ = register_module("out", torch::nn::Linear(d, d));
  norm2_ = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
  ff1_ = register_module("ff1", torch::nn::Linear(d, ff));
  ff2_ = register_module("ff2", torch::nn::Linear(ff, d));
  dropout_ = register_module("dropout", torch::nn::Dropout(options_.dropout()));
}

torch::Tensor TransformerBlockImpl::forward(const torch::Tensor& x,
                                            const c10::optional<torch::Tensor>& key_mask) {
  const int64_t b = x.size(0), l = x.size(1), h = options_.heads(), dh = options_.d_model() / h;
  // [B, L, 3, H, Dh] -> 3 x [B, H, L, Dh]
  const bool pre = options_.norm_first();
  const auto qkv = qkv_(pre ? norm1_(x) : x).view({b, l, 3, h, dh}).permute({2, 0, 3, 1, 4});
  const auto q = qkv[0], k = qkv[1], v = qkv[2];
  c10::optional<torch::Tensor> mask;
  if (key_mask.has_value()) mask = key_mask->to(torch::kBool).view({b, 1, 1, l});
  torch::Tensor attended;
  if (record_attention_) {
    // The same computation as the 1.13 fallback of scaled_dot_product_attention, kept explicit
    // so the weights can be read out.
    auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(dh));
    if (mask.has_value())
      scores = scores.masked_fill(mask->logical_not(), -std::numeric_limits<float>::infinity());
    auto weights = torch::softmax(scores, -1);
    last_attention_ = weights.detach();
    if (is_training() && options_.dropout() > 0.0)
      weights = torch::dropout(weights, options_.dropout(), true);
    attended = torch::matmul(weights, v);
  } else {
    attended =
        models::scaled_dot_product_attention(q, k, v, mask, options_.dropout(), is_training());
  }
  const auto attention_out =
      dropout_(out_(attended.transpose(1, 2).reshape({b, l, options_.d_model()})));
  if (pre) {
    const auto y = x + attention_out;
    return y + dropout_(ff2_(dropout_(torch::gelu(ff1_(norm2_(y))))));
  }
  const auto y = norm1_(x + attention_out);
  return norm2_(y + dropout_(ff2_(dropout_(torch::relu(ff1_(y))))));
}

torch::Tensor sinusoidal_positions(int64_t length, int64_t dim, const torch::Device& device) {
  const auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  const auto position = torch::arange(length, opts).unsqueeze(1);  // [L, 1]
  const auto freq =
      torch::exp(torch::arange(0, dim, 2, opts) * (-std::log(10000.0) / dim));  // [ceil(dim/2)]
  auto pe = torch::zeros({length, dim}, opts);
  const auto angles = position * freq;  // [L, ceil(dim/2)]
  pe.index_put_({torch::indexing::Slice(), torch::indexing::Slice(0, dim, 2)}, torch::sin(angles));
  pe.index_put_(
      {torch::indexing::Slice(), torch::indexing::Slice(1, dim, 2)},
      torch::cos(angles.index({torch::indexing::Slice(), torch::indexing::Slice(0, dim / 2)})));
  return pe;
}

}  // namespace brainenc::models
