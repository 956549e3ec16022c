#include "brainenc/models/brain_mae.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "brainenc/io/error.hpp"

namespace brainenc::models {

namespace {

// One static graph-attention block over the ROIs of every segment, pre-LN like the transformer:
// h + W_o (A' (W_v LN(h))), then h + FFN(LN(h)). A' is the ROI-embedding attention A [R, R]
// restricted to visible ROIs and renormalised:
//   A'_ij = A_ij m_j / sum_k A_ik m_k,
// which equals a softmax over visible keys only, computed with two matmuls against the static A
// instead of a [B, S, R, R] weight tensor. A row with no visible neighbour (possible only when
// nearly all ROIs are masked) aggregates nothing.
class GraphAttentionBlockImpl : public torch::nn::Module {
 public:
  explicit GraphAttentionBlockImpl(int64_t dim, double dropout) {
    norm1_ = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
    value_ = register_module("value", torch::nn::Linear(dim, dim));
    out_ = register_module("out", torch::nn::Linear(dim, dim));
    norm2_ = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
    ff1_ = register_module("ff1", torch::nn::Linear(dim, 4 * dim));
    ff2_ = register_module("ff2", torch::nn::Linear(4 * dim, dim));
    dropout_ = register_module("dropout", torch::nn::Dropout(dropout));
  }

  // h: [B, S, R, G]; weights: [R, R]; visible: [B, S, R, 1] (1 = visible) or undefined.
  torch::Tensor forward(const torch::Tensor& h, const torch::Tensor& weights,
                        const torch::Tensor& visible) {
    auto v = value_(norm1_(h));
    torch::Tensor aggregated;
    if (visible.defined()) {
      const auto total = torch::matmul(weights, visible);  // [B, S, R, 1]
      const auto safe = torch::where(total > 0, total, torch::ones_like(total));
      aggregated = torch::matmul(weights, v * visible) / safe;
    } else {
      aggregated = torch::matmul(weights, v);  // [R, R] x [B, S, R, G] broadcasts over B, S
    }
    auto y = h + dropout_(out_(aggregated));
    return y + dropout_(ff2_(dropout_(torch::gelu(ff1_(norm2_(y))))));
  }

 private:
  torch::nn::LayerNorm norm1_{nullptr}, norm2_{nullptr};
  torch::nn::Linear value_{nullptr}, out_{nullptr}, ff1_{nullptr}, ff2_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
};

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

BrainMAEImpl::BrainMAEImpl(const BrainMAEOptions& options) : options_(options) {
  const auto& o = options_;
  if (o.n_rois() < 2)
    throw UsageError("BrainMAE: n_rois must be at least 2, got " + std::to_string(o.n_rois()));
  if (!(o.tr_seconds() > 0.0) || !(o.segment_seconds() > 0.0))
    throw UsageError("BrainMAE: tr_seconds and segment_seconds must be positive");
  if (!(o.max_mask_ratio() >= 0.0 && o.max_mask_ratio() < 1.0))
    throw UsageError("BrainMAE: max_mask_ratio must be in [0, 1), got " +
                     std::to_string(o.max_mask_ratio()));
  if (o.n_outputs() < 1 || o.graph_blocks() < 1 || o.encoder_layers() < 1 ||
      o.decoder_layers() < 1 || o.graph_dim() < 1 || o.roi_embed_dim() < 1)
    throw UsageError(
        "BrainMAE: n_outputs, graph_blocks, encoder_layers, decoder_layers, graph_dim and "
        "roi_embed_dim must be positive");
  segment_length_ = std::max<int64_t>(1, std::llround(o.segment_seconds() / o.tr_seconds()));
  const int64_t r = o.n_rois(), g = o.graph_dim(), d = o.d_model(), l = segment_length_;

  // N(0, 1) entries: the scaled off-diagonal dot products start as N(0, 1) logits, a graph that
  // is neither uniform nor peaked.
  roi_embeddings_ = register_parameter("roi_embeddings", torch::randn({r, o.roi_embed_dim()}));
  roi_in_ = register_module("roi_in", torch::nn::Linear(l, g));
  graph_blocks_ = register_module("graph_blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.graph_blocks(); ++i)
    graph_blocks_->push_back(std::make_shared<GraphAttentionBlockImpl>(g, o.dropout()));
  graph_norm_ =
      register_module("graph_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({g})));
  to_token_ = register_module("to_token", torch::nn::Linear(r * g, d));
  dropout_ = register_module("dropout", torch::nn::Dropout(o.dropout()));
  encoder_ = register_module("encoder", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.encoder_layers(); ++i)
    encoder_->push_back(
        TransformerBlock(TransformerBlockOptions(d, o.heads()).dropout(o.dropout())));
  encoder_norm_ =
      register_module("encoder_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));

  // MAE decoder (pretraining only): its own narrower transformer, then a linear map of each
  // token back to the R x L signals of its segment (He et al. 2022: light decoder, full output).
  decoder_ = register_module("decoder", std::make_shared<torch::nn::Module>());
  decoder_embed_ = decoder_->register_module("embed", torch::nn::Linear(d, o.decoder_dim()));
  decoder_blocks_ = decoder_->register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.decoder_layers(); ++i)
    decoder_blocks_->push_back(TransformerBlock(
        TransformerBlockOptions(o.decoder_dim(), o.decoder_heads()).dropout(o.dropout())));
  decoder_norm_ = decoder_->register_module(
      "norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.decoder_dim()})));
  decoder_out_ = decoder_->register_module("out", torch::nn::Linear(o.decoder_dim(), r * l));

  head_ = register_module("head", torch::nn::Sequential(torch::nn::Dropout(o.dropout()),
                                                        torch::nn::Linear(d, o.n_outputs())));
}

void BrainMAEImpl::check_input(const torch::Tensor& x) const {
  if (x.dim() != 3 || x.size(2) != options_.n_rois())
    throw UsageError("BrainMAE: expected time series [batch, time, " +
                     std::to_string(options_.n_rois()) + " ROIs], got " + c10::str(x.sizes()));
  if (x.size(1) < segment_length_)
    throw UsageError("BrainMAE: " + std::to_string(x.size(1)) +
                     " time points are fewer than one segment (" + std::to_string(segment_length_) +
                     " at TR " + std::to_string(options_.tr_seconds()) + " s)");
}

torch::Tensor BrainMAEImpl::segment(const torch::Tensor& x) const {
  check_input(x);
  const int64_t s = x.size(1) / segment_length_;
  return x.narrow(1, 0, s * segment_length_).reshape({x.size(0), s, segment_length_, x.size(2)});
}

torch::Tensor BrainMAEImpl::graph_weights() const {
  const auto& e = roi_embeddings_;
  const int64_t r = e.size(0);
  // Scaled dot products of the embeddings; the diagonal (self-loops) is removed before the
  // softmax so an ROI is described only by the others, which is what lets a masked ROI be
  // inferred from its neighbours (BrainMAE, self-loop ablation). Written as a broadcast product
  // rather than a matmul so autocast leaves it in the parameters' precision ([R, R, E] is small).
  auto logits =
      (e.unsqueeze(1) * e.unsqueeze(0)).sum(-1) / std::sqrt(static_cast<double>(e.size(1)));
  const auto eye = torch::eye(r, torch::TensorOptions().dtype(torch::kBool).device(e.device()));
  logits = logits.masked_fill(eye, -std::numeric_limits<float>::infinity());
  return torch::softmax(logits, -1);
}

torch::Tensor BrainMAEImpl::graph_attention() const {
  torch::NoGradGuard no_grad;
  return graph_weights();
}

torch::Tensor BrainMAEImpl::embed_segments(const torch::Tensor& segments,
                                           const c10::optional<torch::Tensor>& visible) {
  const int64_t b = segments.size(0), s = segments.size(1);
  auto signals = segments.transpose(2, 3);  // [B, S, R, L]: one L-sample signal per ROI
  torch::Tensor vis;
  if (visible.has_value()) {
    vis = visible->to(signals.scalar_type()).unsqueeze(-1);  // [B, S, R, 1]
    signals = signals * vis;
  }
  auto h = roi_in_(signals);  // [B, S, R, G]
  const auto weights = graph_weights();
  for (const auto& block : *graph_blocks_)
    h = block->as<GraphAttentionBlockImpl>()->forward(h, weights, vis);
  return to_token_(graph_norm_(h).reshape({b, s, -1}));  // [B, S, d_model]
}

torch::Tensor BrainMAEImpl::transform(torch::Tensor tokens,
                                      const c10::optional<torch::Tensor>& key_mask) {
  tokens = dropout_(tokens + sinusoidal_positions(tokens.size(1), tokens.size(2), tokens.device()));
  for (const auto& block : *encoder_)
    tokens = block->as<TransformerBlockImpl>()->forward(tokens, key_mask);
  return encoder_norm_(tokens);
}

c10::optional<torch::Tensor> BrainMAEImpl::segment_mask(const c10::optional<torch::Tensor>& lengths,
                                                        int64_t batch, int64_t segments,
                                                        const torch::Device& device) const {
  if (!lengths.has_value()) return c10::nullopt;
  if (lengths->dim() != 1 || lengths->size(0) != batch)
    throw UsageError("BrainMAE: lengths must be [" + std::to_string(batch) + "], got " +
                     c10::str(lengths->sizes()));
  const auto valid = torch::div(lengths->to(torch::kCPU, torch::kLong), segment_length_, "floor")
                         .clamp_max(segments);
  if (valid.min().item<int64_t>() < 1)
    throw UsageError("BrainMAE: every subject needs at least one full segment (" +
                     std::to_string(segment_length_) + " time points); shortest length is " +
                     std::to_string(lengths->min().item<int64_t>()));
  return (torch::arange(segments).unsqueeze(0) < valid.unsqueeze(1)).to(device);
}

torch::Tensor BrainMAEImpl::encode(const torch::Tensor& x,
                                   const c10::optional<torch::Tensor>& lengths) {
  const auto segments = segment(x);
  const auto key_mask = segment_mask(lengths, segments.size(0), segments.size(1), x.device());
  return transform(embed_segments(segments, c10::nullopt), key_mask);
}

torch::Tensor BrainMAEImpl::forward(const torch::Tensor& x,
                                    const c10::optional<torch::Tensor>& lengths) {
  const auto segments = segment(x);
  const auto key_mask = segment_mask(lengths, segments.size(0), segments.size(1), x.device());
  const auto tokens = transform(embed_segments(segments, c10::nullopt), key_mask);  // [B, S, d]
  torch::Tensor pooled;
  if (key_mask.has_value()) {
    const auto w = key_mask->to(tokens.scalar_type()).unsqueeze(-1);
    pooled = (tokens * w).sum(1) / w.sum(1);
  } else {
    pooled = tokens.mean(1);
  }
  return head_->forward(pooled);  // [B, n_outputs]
}

std::pair<torch::Tensor, torch::Tensor> BrainMAEImpl::draw_mask(int64_t batch, int64_t segments,
                                                                at::Generator generator,
                                                                const torch::Device& device) const {
  const int64_t r = options_.n_rois();
  const auto cpu = torch::TensorOptions().dtype(torch::kFloat32);
  const auto ratio = (torch::rand({batch}, generator, cpu) * options_.max_mask_ratio()).to(device);
  // floor keeps at least ceil((1 - max ratio) * R) ROIs visible in every segment.
  const auto count = torch::floor(ratio * static_cast<double>(r)).to(torch::kLong);
  // Rank of each ROI in an independent random permutation per segment (MAE's argsort of noise).
  const auto noise = torch::rand({batch, segments, r}, generator, cpu).to(device);
  const auto rank = torch::argsort(torch::argsort(noise, /*dim=*/int64_t{-1}), int64_t{-1});
  return {rank < count.view({batch, 1, 1}), ratio};
}

BrainMAEPretrainOutput BrainMAEImpl::pretrain(const torch::Tensor& x, at::Generator generator,
                                              const c10::optional<torch::Tensor>& lengths) {
  const auto segments = segment(x);  // [B, S, L, R]
  const int64_t b = segments.size(0), s = segments.size(1), r = options_.n_rois(),
                l = segment_length_;
  const auto key_mask = segment_mask(lengths, b, s, x.device());
  const auto [mask, ratio] = draw_mask(b, s, std::move(generator), x.device());

  auto tokens = transform(embed_segments(segments, mask.logical_not()), key_mask);
  auto h = decoder_embed_(tokens);
  h = h + sinusoidal_positions(s, h.size(2), h.device());
  for (const auto& block : *decoder_blocks_)
    h = block->as<TransformerBlockImpl>()->forward(h, key_mask);
  const auto reconstruction = decoder_out_(decoder_norm_(h)).view({b, s, r, l});

  const auto target = segments.transpose(2, 3).to(torch::kFloat32);  // [B, S, R, L]
  auto weight = mask;
  if (key_mask.has_value()) weight = weight.logical_and(key_mask->unsqueeze(-1));
  const auto w = weight.to(torch::kFloat32).unsqueeze(-1);  // [B, S, R, 1]
  const auto squared = (reconstruction.to(torch::kFloat32) - target).pow(2) * w;
  const auto loss = squared.sum() / (w.sum() * static_cast<double>(l)).clamp_min(1.0);
  return {loss, mask, reconstruction, ratio};
}

BrainMAEPretrainOutput BrainMAEImpl::pretrain(const torch::Tensor& x, uint64_t seed,
                                              const c10::optional<torch::Tensor>& lengths) {
  return pretrain(x, at::make_generator<at::CPUGeneratorImpl>(seed), lengths);
}

void BrainMAEImpl::load_encoder(BrainMAEImpl& pretrained) {
  torch::NoGradGuard no_grad;
  const auto source = pretrained.named_parameters(true);
  const auto source_buffers = pretrained.named_buffers(true);
  auto copy = [&](const std::string& name, torch::Tensor& dst, const torch::Tensor* src) {
    if (src == nullptr) throw UsageError("BrainMAE::load_encoder: pretrained model has no " + name);
    if (src->sizes() != dst.sizes())
      throw UsageError("BrainMAE::load_encoder: " + name + " is " + c10::str(src->sizes()) +
                       " in the pretrained model, " + c10::str(dst.sizes()) +
                       " here (different options?)");
    dst.copy_(*src);
  };
  for (auto& item : named_parameters(true)) {
    if (starts_with(item.key(), kDecoderPrefix) || starts_with(item.key(), kHeadPrefix)) continue;
    copy(item.key(), item.value(), source.find(item.key()));
  }
  for (auto& item : named_buffers(true)) {
    if (starts_with(item.key(), kDecoderPrefix) || starts_with(item.key(), kHeadPrefix)) continue;
    copy(item.key(), item.value(), source_buffers.find(item.key()));
  }
}

void BrainMAEImpl::set_record_attention(bool on) {
  for (const auto& block : *encoder_) block->as<TransformerBlockImpl>()->set_record_attention(on);
}

std::vector<torch::Tensor> BrainMAEImpl::segment_attention() const {
  std::vector<torch::Tensor> out;
  for (const auto& block : *encoder_)
    out.push_back(block->as<TransformerBlockImpl>()->last_attention());
  return out;
}

}  // namespace brainenc::models
