// A transformer encoder block whose attention goes through compat::scaled_dot_product_attention,
// shared by BrainMAE and FcTransformer: pre-LayerNorm with GELU by default, or post-LayerNorm with
// ReLU as torch.nn.TransformerEncoderLayer's defaults (the Brain Network Transformer's block).
//
// Why not torch::nn::TransformerEncoderLayer: it has no SDPA inside, and with a key padding mask
// in bf16 (or under autocast) it throws on LibTorch 2.x (../shared/device/README.md, section 5).
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace brainenc::models {

struct TransformerBlockOptions {
  TransformerBlockOptions(int64_t d_model, int64_t heads) : d_model_(d_model), heads_(heads) {}
  TORCH_ARG(int64_t, d_model);
  TORCH_ARG(int64_t, heads);
  // Hidden width of the feed-forward sublayer; 0 means 4 * d_model.
  TORCH_ARG(int64_t, ff_dim) = 0;
  // Dropout on attention weights and after each sublayer (training only).
  TORCH_ARG(double, dropout) = 0.0;
  // false: post-LN, LN(x + sublayer(x)), with ReLU in the feed-forward sublayer (Vaswani et al.;
  // nn.TransformerEncoderLayer with norm_first=False). true: pre-LN with GELU.
  TORCH_ARG(bool, norm_first) = true;
};

// norm_first: x + MHSA(LN(x)), then x + FFN(LN(x)) with GELU (pre-LN: Xiong et al. 2020, stable
// without warm-up). Otherwise LN(x + MHSA(x)), then LN(y + FFN(y)) with ReLU.
class TransformerBlockImpl : public torch::nn::Module {
 public:
  explicit TransformerBlockImpl(const TransformerBlockOptions& options);

  // x: [B, L, d_model]; key_mask (optional): bool [B, L], true = a real token (keys that are
  // false are not attended to). Returns [B, L, d_model].
  torch::Tensor forward(const torch::Tensor& x,
                        const c10::optional<torch::Tensor>& key_mask = c10::nullopt);

  // When on, forward also computes the attention weights explicitly (the fused kernel does not
  // return them) and keeps the last ones, detached: [B, heads, L, L]. Off by default (slower).
  void set_record_attention(bool on) { record_attention_ = on; }
  const torch::Tensor& last_attention() const { return last_attention_; }

  const TransformerBlockOptions& options() const { return options_; }

 private:
  TransformerBlockOptions options_;
  torch::nn::LayerNorm norm1_{nullptr}, norm2_{nullptr};
  torch::nn::Linear qkv_{nullptr}, out_{nullptr}, ff1_{nullptr}, ff2_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
  bool record_attention_ = false;
  torch::Tensor last_attention_;
};
TORCH_MODULE(TransformerBlock);

// Fixed sinusoidal position encoding (Vaswani et al. 2017): [length, dim], float32 on `device`.
// Fixed rather than learned so any number of tokens works without a maximum length.
torch::Tensor sinusoidal_positions(int64_t length, int64_t dim, const torch::Device& device);

}  // namespace brainenc::models
