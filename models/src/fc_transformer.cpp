#include "brainenc/models/fc_transformer.hpp"

#include <cmath>
#include <string>

#include "brainenc/io/error.hpp"

namespace brainenc::models {

Readout parse_readout(const std::string& name) {
  if (name == "dec") return Readout::Dec;
  if (name == "simple") return Readout::Simple;
  throw UsageError("--fc_transformer.readout must be dec or simple, got '" + name + "'");
}

std::string readout_name(Readout readout) { return readout == Readout::Dec ? "dec" : "simple"; }

torch::Tensor orthonormal_rows(int64_t k, int64_t dim) {
  if (k < 1 || k > dim)
    throw UsageError("orthonormal_rows: need 1 <= clusters (" + std::to_string(k) +
                     ") <= feature width (" + std::to_string(dim) + ")");
  // Xavier-uniform bound for a [k, dim] weight, then classical Gram-Schmidt in double precision.
  const double bound = std::sqrt(6.0 / static_cast<double>(k + dim));
  auto rows = (torch::rand({k, dim}, torch::kFloat64) * 2.0 - 1.0) * bound;
  for (int64_t i = 0; i < k; ++i) {
    auto row = rows[i].clone();
    for (int64_t j = 0; j < i; ++j) row -= torch::dot(rows[j], row) * rows[j];
    rows[i].copy_(row / row.norm());
  }
  return rows.to(torch::kFloat32);
}

FcTransformerImpl::FcTransformerImpl(const FcTransformerOptions& options) : options_(options) {
  const auto& o = options_;
  if (o.n_rois() < 2)
    throw UsageError("FcTransformer: n_rois must be at least 2, got " + std::to_string(o.n_rois()));
  if (o.layers() < 1 || o.n_outputs() < 1 || o.reduced_dim() < 1 || o.bottleneck() < 1)
    throw UsageError(
        "FcTransformer: layers, n_outputs, reduced_dim and bottleneck must be positive");
  node_dim_ = o.d_model() > 0 ? o.d_model() : o.n_rois();
  if (o.d_model() > 0)
    project_ = register_module("project", torch::nn::Linear(o.n_rois(), node_dim_));
  layers_ = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.layers(); ++i)
    layers_->push_back(TransformerBlock(TransformerBlockOptions(node_dim_, o.heads())
                                            .ff_dim(o.ff_dim())
                                            .dropout(o.dropout())
                                            .norm_first(!o.post_norm())));
  if (!o.post_norm())
    norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({node_dim_})));
  if (o.readout() == Readout::Dec) {
    const int64_t flat = o.n_rois() * node_dim_;
    bottleneck_ = register_module(
        "bottleneck",
        torch::nn::Sequential(torch::nn::Linear(flat, o.bottleneck()), torch::nn::LeakyReLU(),
                              torch::nn::Linear(o.bottleneck(), o.bottleneck()),
                              torch::nn::LeakyReLU(), torch::nn::Linear(o.bottleneck(), flat)));
  }
  centers_ = register_parameter("centers", orthonormal_rows(o.n_clusters(), node_dim_),
                                !o.freeze_centers());
  reduce_ = register_module("reduce", torch::nn::Linear(node_dim_, o.reduced_dim()));
  mlp_ = register_module("mlp", torch::nn::Sequential());
  int64_t width = o.n_clusters() * o.reduced_dim();
  for (const int64_t hidden : o.mlp_hidden()) {
    mlp_->push_back(torch::nn::Linear(width, hidden));
    mlp_->push_back(torch::nn::LeakyReLU());
    if (o.head_dropout() > 0.0) mlp_->push_back(torch::nn::Dropout(o.head_dropout()));
    width = hidden;
  }
  mlp_->push_back(torch::nn::Linear(width, o.n_outputs()));
}

torch::Tensor FcTransformerImpl::encode(const torch::Tensor& fc) {
  const int64_t r = options_.n_rois();
  if (fc.dim() != 3 || fc.size(1) != r || fc.size(2) != r)
    throw UsageError("FcTransformer: expected connectivity [batch, " + std::to_string(r) + ", " +
                     std::to_string(r) + "], got " + c10::str(fc.sizes()));
  auto h = project_ ? project_(fc) : fc;  // [B, R, d]: row i = connectivity profile of ROI i
  for (const auto& layer : *layers_) h = layer->as<TransformerBlockImpl>()->forward(h);
  return norm_ ? norm_(h) : h;
}

torch::Tensor FcTransformerImpl::forward(const torch::Tensor& fc) {
  auto z = encode(fc);  // [B, R, d]
  torch::Tensor assignment;
  if (bottleneck_) {
    // BNT's DEC readout: nodes re-encoded jointly through a narrow bottleneck, assigned by their
    // squared projection on each centre (scaled by the centre's norm), softmax over clusters.
    z = bottleneck_->forward(z.flatten(1)).view(z.sizes());
    const auto projection = torch::matmul(z, centers_.t());
    assignment = torch::softmax(projection.square() / centers_.norm(2, 1), -1);  // [B, R, K]
  } else {
    // OCRead as in the paper (Kan et al. 2022, 3.3): softmax over clusters of node . centre.
    assignment = torch::softmax(torch::matmul(z, centers_.t()), -1);  // [B, R, K]
  }
  last_assignment_ = assignment.detach();
  // Cluster embeddings: assignment-weighted sums of node embeddings.
  const auto clusters = torch::matmul(assignment.transpose(1, 2), z);  // [B, K, d]
  const auto reduced = torch::leaky_relu(reduce_(clusters));           // [B, K, reduced]
  return mlp_->forward(reduced.flatten(1));                            // [B, n_outputs]
}

void FcTransformerImpl::set_record_attention(bool on) {
  for (const auto& layer : *layers_) layer->as<TransformerBlockImpl>()->set_record_attention(on);
}

std::vector<torch::Tensor> FcTransformerImpl::node_attention() const {
  std::vector<torch::Tensor> out;
  for (const auto& layer : *layers_)
    out.push_back(layer->as<TransformerBlockImpl>()->last_attention());
  return out;
}

}  // namespace brainenc::models
