// An FC classifier in the style of the Brain Network Transformer (Kan et al., NeurIPS 2022): the
// rows of a functional-connectivity matrix are node features, multi-head self-attention runs over
// the ROIs, an orthonormal cluster readout (OCRead) pools the nodes into K cluster embeddings, and
// an MLP maps them to logits.
//
// The defaults are the official BNT recipe (github.com/Wayfear/BrainNetworkTransformer, ABIDE
// config): two post-LN ReLU attention layers over the raw FC rows, then the DEC readout of its
// second layer — a bottleneck MLP over the flattened node embeddings (R*d -> 32 -> 32 -> R*d),
// soft assignment softmax((z . c)^2 / |c|) to 100 frozen orthonormal centres, and the encoded
// nodes pooled by that assignment. Readout::Simple is the readout as the paper describes it
// (softmax(z . c) of the attention output, no bottleneck).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "brainenc/models/transformer_block.hpp"

namespace brainenc::models {

enum class Readout {
  Dec,    // BNT's code: bottleneck-encoded nodes, squared-projection assignment
  Simple  // the paper's OCRead: softmax(z . c) over the attention output
};
Readout parse_readout(const std::string& name);  // "dec" | "simple"; UsageError otherwise
std::string readout_name(Readout readout);

struct FcTransformerOptions {
  explicit FcTransformerOptions(int64_t n_rois) : n_rois_(n_rois) {}
  TORCH_ARG(int64_t, n_rois);
  // Node feature width. 0 (default) uses the FC rows as they are (R-dim, as BNT); otherwise the
  // rows are projected linearly to d_model.
  TORCH_ARG(int64_t, d_model) = 0;
  TORCH_ARG(int64_t, heads) = 4;
  TORCH_ARG(int64_t, layers) = 2;
  // Feed-forward width of each attention layer (BNT: 1024).
  TORCH_ARG(int64_t, ff_dim) = 1024;
  // Clusters of the readout; at most the node feature width (orthonormal centres).
  TORCH_ARG(int64_t, n_clusters) = 100;
  // Each cluster embedding is reduced to this width before the MLP (BNT: 8).
  TORCH_ARG(int64_t, reduced_dim) = 8;
  // Hidden widths of the MLP head (BNT: 256, 32), LeakyReLU between layers.
  TORCH_ARG(std::vector<int64_t>, mlp_hidden) = std::vector<int64_t>{256, 32};
  TORCH_ARG(int64_t, n_outputs) = 2;
  // Dropout inside the attention layers (BNT: 0.1).
  TORCH_ARG(double, dropout) = 0.1;
  // Dropout between the MLP head's layers (BNT: none).
  TORCH_ARG(double, head_dropout) = 0.0;
  // Post-LN ReLU layers as BNT (true) or pre-LN GELU layers with a final LayerNorm (false).
  TORCH_ARG(bool, post_norm) = true;
  TORCH_ARG(Readout, readout) = Readout::Dec;
  // Width of the DEC readout's bottleneck (BNT: 32).
  TORCH_ARG(int64_t, bottleneck) = 32;
  // BNT's default recipe keeps the orthonormal centres fixed (freeze_center: true).
  TORCH_ARG(bool, freeze_centers) = true;
};

class FcTransformerImpl : public torch::nn::Module {
 public:
  explicit FcTransformerImpl(const FcTransformerOptions& options);

  // fc: [B, R, R] (e.g. Pearson or Fisher-z correlation) -> logits [B, n_outputs].
  torch::Tensor forward(const torch::Tensor& fc);

  // Node embeddings after the attention layers: [B, R, d], d = node feature width.
  torch::Tensor encode(const torch::Tensor& fc);

  // Interpretation. Soft cluster assignment of the last forward, detached: [B, R, K]; each row
  // sums to 1 (softmax over clusters of node . centre).
  const torch::Tensor& last_assignment() const { return last_assignment_; }
  // The cluster centres C [K, d]; C C^T = I at initialisation.
  const torch::Tensor& cluster_centers() const { return centers_; }
  // When on, forward keeps each layer's attention over ROIs: [B, heads, R, R] per layer.
  void set_record_attention(bool on);
  std::vector<torch::Tensor> node_attention() const;

  int64_t node_dim() const { return node_dim_; }
  const FcTransformerOptions& options() const { return options_; }

 private:
  FcTransformerOptions options_;
  int64_t node_dim_;
  torch::nn::Linear project_{nullptr};  // null when the FC rows are used raw
  torch::nn::ModuleList layers_{nullptr};
  torch::nn::LayerNorm norm_{nullptr};         // pre-LN layers only
  torch::nn::Sequential bottleneck_{nullptr};  // Readout::Dec only
  torch::Tensor centers_;
  torch::nn::Linear reduce_{nullptr};
  torch::nn::Sequential mlp_{nullptr};
  torch::Tensor last_assignment_;
};
TORCH_MODULE(FcTransformer);

// K rows of a [K, dim] matrix made orthonormal by Gram-Schmidt from Xavier-uniform rows (BNT's
// OCRead initialisation). Requires k <= dim; uses torch's global generator.
torch::Tensor orthonormal_rows(int64_t k, int64_t dim);

}  // namespace brainenc::models
