#include "brainenc/models/regression_task.hpp"

#include <sstream>

#include "brainenc/io/error.hpp"
#include "brainenc/models/mlp.hpp"

namespace brainenc::models {
namespace {

// [batch] or [batch, 1] -> [batch].
torch::Tensor one_per_sample(const torch::Tensor& out, size_t batch) {
  if (out.numel() != static_cast<int64_t>(batch) || out.dim() > 2) {
    std::ostringstream shape;
    shape << out.sizes();
    throw RuntimeError("the regression output has shape " + shape.str() + " for a batch of " +
                       std::to_string(batch) + " (one value per sample expected)");
  }
  return out.reshape({-1});
}

}  // namespace

RegressionTask::RegressionTask(std::shared_ptr<torch::nn::Module> model, torch::Tensor targets,
                               const std::vector<int64_t>& train)
    : model_(std::move(model)), targets_(targets.to(torch::kCPU, torch::kFloat64).contiguous()) {
  if (targets_.dim() != 1) throw RuntimeError("RegressionTask: targets [N] expected");
  const auto y = gather_rows(targets_, train, torch::kCPU);
  const auto known = y.masked_select(torch::isfinite(y));
  double mean = 0.0, scale = 1.0;
  if (known.numel() > 0) {
    mean = known.mean().item<double>();
    const double sd = known.std(/*unbiased=*/false).item<double>();
    if (sd > 0) scale = sd;
  }
  mean_ = model_->register_buffer("target_mean", torch::tensor(mean, torch::kFloat64));
  scale_ = model_->register_buffer("target_scale", torch::tensor(scale, torch::kFloat64));
}

double RegressionTask::target_mean() const { return mean_.item<double>(); }
double RegressionTask::target_scale() const { return scale_.item<double>(); }

torch::Tensor RegressionTask::loss(const std::vector<int64_t>& batch, const torch::Device& device) {
  const auto y = gather_rows(targets_, batch, device);
  const auto z = ((y - mean_) / scale_).to(torch::kFloat32);
  const auto out = one_per_sample(output(batch, device), batch.size()).to(torch::kFloat32);
  return torch::mse_loss(out, z);
}

torch::Tensor RegressionTask::scores(const std::vector<int64_t>& batch,
                                     const torch::Device& device) {
  const auto out = one_per_sample(output(batch, device), batch.size()).to(torch::kFloat64);
  return out * scale_ + mean_;
}

}  // namespace brainenc::models
