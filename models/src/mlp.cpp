#include "brainenc/models/mlp.hpp"

#include "brainenc/io/error.hpp"

namespace brainenc::models {

torch::Tensor gather_rows(const torch::Tensor& t, const std::vector<int64_t>& rows,
                          const torch::Device& device) {
  const auto index = torch::tensor(rows, torch::kLong);
  return t.index_select(0, index).to(device);
}

MlpImpl::MlpImpl(const MlpOptions& options) : options_(options) {
  if (options_.in_features() < 1 || options_.out_features() < 1)
    throw UsageError("Mlp: in_features and out_features must be >= 1");
  encoder = register_module("encoder", torch::nn::Sequential());
  int64_t width = options_.in_features();
  for (const int64_t h : options_.hidden()) {
    if (h < 1)
      throw UsageError("--mlp.hidden: layer widths must be >= 1 (got " + std::to_string(h) + ")");
    encoder->push_back(torch::nn::Linear(width, h));
    encoder->push_back(torch::nn::GELU());
    encoder->push_back(torch::nn::Dropout(options_.dropout()));
    width = h;
  }
  head = register_module("head", torch::nn::Linear(width, options_.out_features()));
  input_mean_ = register_buffer("input_mean", torch::zeros({options_.in_features()}));
  input_scale_ = register_buffer("input_scale", torch::ones({options_.in_features()}));
}

torch::Tensor MlpImpl::standardize(const torch::Tensor& x) const {
  return (x - input_mean_) / input_scale_;
}

torch::Tensor MlpImpl::forward_standardized(const torch::Tensor& z) {
  return head(encoder->is_empty() ? z : encoder->forward(z));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  return forward_standardized(standardize(x));
}

void MlpImpl::fit_standardization(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  const auto x64 = x.to(torch::kFloat64);
  const auto mean = x64.mean(0);
  auto scale = x64.std(0, /*unbiased=*/false);
  scale = torch::where(scale > 0, scale, torch::ones_like(scale));
  input_mean_.copy_(mean);
  input_scale_.copy_(scale);
}

MlpClassificationTask::MlpClassificationTask(Mlp model, torch::Tensor features,
                                             torch::Tensor labels)
    : model_(std::move(model)),
      features_(features.to(torch::kFloat32)),
      labels_(labels.to(torch::kFloat32)) {
  if (features_.dim() != 2 || labels_.dim() != 1 || labels_.size(0) != features_.size(0))
    throw RuntimeError("MlpClassificationTask: features [N, F] and labels [N] expected");
  if (model_->options().out_features() != 1)
    throw RuntimeError("MlpClassificationTask: the Mlp needs out_features 1");
}

torch::Tensor MlpClassificationTask::loss(const std::vector<int64_t>& batch,
                                          const torch::Device& device) {
  const auto y = gather_rows(labels_, batch, device);
  const auto logits = model_->forward(gather_rows(features_, batch, device)).squeeze(1);
  return torch::binary_cross_entropy_with_logits(logits.to(torch::kFloat32), y);
}

torch::Tensor MlpClassificationTask::scores(const std::vector<int64_t>& batch,
                                            const torch::Device& device) {
  return torch::sigmoid(
      model_->forward(gather_rows(features_, batch, device)).squeeze(1).to(torch::kFloat32));
}

MlpRegressionTask::MlpRegressionTask(Mlp model, torch::Tensor features, torch::Tensor targets,
                                     const std::vector<int64_t>& train)
    : RegressionTask(model.ptr(), targets, train),
      model_(std::move(model)),
      features_(features.to(torch::kFloat32)) {
  if (features_.dim() != 2 || targets.dim() != 1 || targets.size(0) != features_.size(0))
    throw RuntimeError("MlpRegressionTask: features [N, F] and targets [N] expected");
  if (model_->options().out_features() != 1)
    throw RuntimeError("MlpRegressionTask: the Mlp needs out_features 1");
}

torch::Tensor MlpRegressionTask::output(const std::vector<int64_t>& batch,
                                        const torch::Device& device) {
  return model_->forward(gather_rows(features_, batch, device));
}

MlpReconstructionTask::MlpReconstructionTask(Mlp model, torch::Tensor features,
                                             double max_mask_ratio)
    : model_(std::move(model)),
      features_(features.to(torch::kFloat32)),
      max_mask_ratio_(max_mask_ratio) {
  if (features_.dim() != 2 || model_->options().out_features() != features_.size(1))
    throw RuntimeError("MlpReconstructionTask: the Mlp must map the F features back to F");
  if (!(max_mask_ratio > 0.0 && max_mask_ratio <= 1.0))
    throw UsageError("--mlp.mask-ratio must be in (0, 1] (got " + std::to_string(max_mask_ratio) +
                     ")");
}

torch::Tensor MlpReconstructionTask::loss(const std::vector<int64_t>& batch,
                                          const torch::Device& device) {
  const auto n = static_cast<int64_t>(batch.size());
  const int64_t f = features_.size(1);
  // Drawn on the CPU whatever the device: the same masks on every device, one generator to save.
  const auto ratio = torch::rand({n, 1}) * max_mask_ratio_;
  const auto mask = (torch::rand({n, f}) < ratio).to(device);
  const auto z = model_->standardize(gather_rows(features_, batch, device));
  const auto reconstruction =
      model_->forward_standardized(z.masked_fill(mask, 0.0)).to(torch::kFloat32);
  const auto hidden = mask.to(torch::kFloat32);
  return ((reconstruction - z).pow(2) * hidden).sum() / hidden.sum().clamp_min(1.0);
}

torch::Tensor MlpReconstructionTask::scores(const std::vector<int64_t>& batch,
                                            const torch::Device& device) {
  const auto z = model_->standardize(gather_rows(features_, batch, device));
  return (model_->forward_standardized(z).to(torch::kFloat32) - z).pow(2).mean(1);
}

}  // namespace brainenc::models
