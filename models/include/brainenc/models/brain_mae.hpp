// BrainMAE (Yang et al. 2023, "BrainMAE: A region-aware self-supervised learning framework for
// brain signals"): ROI embeddings drive a static graph attention over each ~15 s segment of ROI
// signals; a transformer runs over the segment tokens; masked-autoencoding pretraining hides ROIs
// segment by segment; a head on the pooled tokens fine-tunes for classification or regression.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "brainenc/models/transformer_block.hpp"

namespace brainenc::models {

struct BrainMAEOptions {
  BrainMAEOptions(int64_t n_rois, double tr_seconds) : n_rois_(n_rois), tr_seconds_(tr_seconds) {}
  TORCH_ARG(int64_t, n_rois);
  // Repetition time of the input; one model serves one TR (resample other sites beforehand).
  TORCH_ARG(double, tr_seconds);
  // Segment duration; the segment length in time points is round(segment_seconds / tr_seconds).
  TORCH_ARG(double, segment_seconds) = 15.0;
  // Width of the ROI embeddings whose dot products weight the graph attention.
  TORCH_ARG(int64_t, roi_embed_dim) = 64;
  // Per-ROI feature width inside the graph-attention blocks.
  TORCH_ARG(int64_t, graph_dim) = 16;
  TORCH_ARG(int64_t, graph_blocks) = 3;
  TORCH_ARG(int64_t, d_model) = 256;
  TORCH_ARG(int64_t, heads) = 8;
  TORCH_ARG(int64_t, encoder_layers) = 4;
  TORCH_ARG(int64_t, decoder_layers) = 2;
  TORCH_ARG(int64_t, decoder_dim) = 128;
  TORCH_ARG(int64_t, decoder_heads) = 4;
  TORCH_ARG(double, dropout) = 0.1;
  // Width of the fine-tuning head: classes (logits) or regression targets.
  TORCH_ARG(int64_t, n_outputs) = 2;
  // Each sample's masking ratio is drawn from U(0, max_mask_ratio).
  TORCH_ARG(double, max_mask_ratio) = 0.8;
};

struct BrainMAEPretrainOutput {
  torch::Tensor loss;            // scalar: MSE over the masked ROIs of valid segments
  torch::Tensor mask;            // bool [B, S, R], true = masked (hidden from the encoder)
  torch::Tensor reconstruction;  // [B, S, R, L]: the decoder's estimate of every ROI signal
  torch::Tensor ratio;           // float [B]: the drawn ratio of each sample
};

class BrainMAEImpl : public torch::nn::Module {
 public:
  explicit BrainMAEImpl(const BrainMAEOptions& options);

  // Time points per segment: round(segment_seconds / tr_seconds), halves away from zero
  // (TR 2 s -> 7.5 -> 8), at least 1.
  int64_t segment_length() const { return segment_length_; }

  // x: [B, T, R] -> [B, S, L, R] with L = segment_length() and S = floor(T / L): the ragged tail
  // of T mod L time points is dropped (a partial segment would have no trained meaning).
  torch::Tensor segment(const torch::Tensor& x) const;

  // Segment tokens after the graph blocks and the transformer: [B, S, d_model].
  // x: [B, T, R]; lengths (optional): int [B], valid time points per subject for zero-padded
  // variable-length batches. Subject b then has floor(lengths[b] / L) >= 1 valid segments; the
  // others are excluded from attention (their tokens are still returned, but meaningless).
  torch::Tensor encode(const torch::Tensor& x,
                       const c10::optional<torch::Tensor>& lengths = c10::nullopt);

  // Fine-tuning output: head(mean of the valid segment tokens). x: [B, T, R] -> [B, n_outputs].
  torch::Tensor forward(const torch::Tensor& x,
                        const c10::optional<torch::Tensor>& lengths = c10::nullopt);

  // Masked-autoencoding step. For each sample a ratio r ~ U(0, max_mask_ratio) is drawn, and in
  // every segment floor(r * R) ROIs chosen at random are hidden: their signals are zeroed and no
  // other ROI attends to them. The decoder reconstructs all ROI signals of every segment; the
  // loss is the MSE over the masked ROIs (all L time points) of valid segments only.
  // The random draws come from `generator` (a CPU generator; results move to x's device).
  BrainMAEPretrainOutput pretrain(const torch::Tensor& x, at::Generator generator,
                                  const c10::optional<torch::Tensor>& lengths = c10::nullopt);
  BrainMAEPretrainOutput pretrain(const torch::Tensor& x, uint64_t seed,
                                  const c10::optional<torch::Tensor>& lengths = c10::nullopt);

  // Draws the mask pretrain() uses: bool [B, S, R] (true = masked) and the ratios [B], on
  // `device`. The random numbers always come from the CPU generator, so a seed gives the same
  // mask on every device; the sorting runs on `device`.
  std::pair<torch::Tensor, torch::Tensor> draw_mask(
      int64_t batch, int64_t segments, at::Generator generator,
      const torch::Device& device = torch::kCPU) const;

  // Copies every encoder parameter and buffer (all but decoder.* and head.*) from a pretrained
  // model with the same encoder options; throws UsageError naming the first mismatch.
  void load_encoder(BrainMAEImpl& pretrained);

  // Interpretation. The ROI embeddings [R, roi_embed_dim] (the parameter itself).
  const torch::Tensor& roi_embeddings() const { return roi_embeddings_; }
  // The static graph attention [R, R], rows sum to 1 and the diagonal is exactly 0 (computed
  // from the current embeddings, detached).
  torch::Tensor graph_attention() const;
  // When on, encode() keeps each transformer layer's segment attention: [B, heads, S, S] per
  // layer, detached, from the last call.
  void set_record_attention(bool on);
  std::vector<torch::Tensor> segment_attention() const;

  // Parameter names of the decoder and the head (prefixes), for optimisers and freezing.
  static constexpr const char* kDecoderPrefix = "decoder.";
  static constexpr const char* kHeadPrefix = "head.";

  const BrainMAEOptions& options() const { return options_; }

 private:
  // The graph attention weights with gradients: [R, R], in the embeddings' dtype.
  torch::Tensor graph_weights() const;
  // [B, S, L, R] segments (+ visibility [B, S, R], 1 = visible) -> tokens [B, S, d_model]
  // before the transformer.
  torch::Tensor embed_segments(const torch::Tensor& segments,
                               const c10::optional<torch::Tensor>& visible);
  torch::Tensor transform(torch::Tensor tokens, const c10::optional<torch::Tensor>& key_mask);
  // bool [B, S], true = a segment inside the subject's length; nullopt when lengths is absent.
  c10::optional<torch::Tensor> segment_mask(const c10::optional<torch::Tensor>& lengths,
                                            int64_t batch, int64_t segments,
                                            const torch::Device& device) const;
  void check_input(const torch::Tensor& x) const;

  BrainMAEOptions options_;
  int64_t segment_length_;
  torch::Tensor roi_embeddings_;
  torch::nn::Linear roi_in_{nullptr}, to_token_{nullptr};
  torch::nn::ModuleList graph_blocks_{nullptr};
  torch::nn::LayerNorm graph_norm_{nullptr}, encoder_norm_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
  torch::nn::ModuleList encoder_{nullptr};
  // The MAE decoder, registered as one submodule "decoder" so it can be skipped as a whole.
  std::shared_ptr<torch::nn::Module> decoder_;
  torch::nn::Linear decoder_embed_{nullptr}, decoder_out_{nullptr};
  torch::nn::ModuleList decoder_blocks_{nullptr};
  torch::nn::LayerNorm decoder_norm_{nullptr};
  torch::nn::Sequential head_{nullptr};
};
TORCH_MODULE(BrainMAE);

}  // namespace brainenc::models
