// A multilayer perceptron on a numeric feature table (e.g. vectorized connectomes), and the
// TrainingTasks built on it: binary classification, regression, and masked-feature reconstruction
// as a self-supervised pretraining objective (the tabular counterpart of BrainMAE's masked
// autoencoding). The smallest real model of the engine: every model command works with it.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "brainenc/models/regression_task.hpp"
#include "brainenc/models/trainer.hpp"

namespace brainenc::models {

struct MlpOptions {
  MlpOptions(int64_t in_features, int64_t out_features)
      : in_features_(in_features), out_features_(out_features) {}
  TORCH_ARG(int64_t, in_features);
  TORCH_ARG(int64_t, out_features);
  // Widths of the hidden layers (Linear -> GELU -> Dropout each); empty = a linear model.
  TORCH_ARG(std::vector<int64_t>, hidden) = std::vector<int64_t>{64};
  TORCH_ARG(double, dropout) = 0.1;
};

class MlpImpl : public torch::nn::Module {
 public:
  explicit MlpImpl(const MlpOptions& options);

  // x: [N, in_features] raw features -> [N, out_features]. Inputs are standardised with the
  // stored training statistics (buffers input_mean, input_scale: they travel with the weights).
  torch::Tensor forward(const torch::Tensor& x);
  // (x - input_mean) / input_scale: [N, in_features].
  torch::Tensor standardize(const torch::Tensor& x) const;
  // The network on already standardised inputs z: [N, in_features] -> [N, out_features].
  torch::Tensor forward_standardized(const torch::Tensor& z);

  // Sets input_mean / input_scale from the rows of `x` ([N, in_features]); a constant feature
  // gets scale 1.
  void fit_standardization(const torch::Tensor& x);

  const MlpOptions& options() const { return options_; }
  torch::nn::Sequential encoder{
      nullptr};  // the hidden layers ("encoder.*": what pretraining transfers)
  torch::nn::Linear head{nullptr};

 private:
  MlpOptions options_;
  torch::Tensor input_mean_, input_scale_;
};
TORCH_MODULE(Mlp);

// Binary classification of the rows of a feature matrix: logit = Mlp(x) (out_features 1), loss =
// binary cross-entropy with logits, score = P(positive) = sigmoid(logit).
class MlpClassificationTask : public TrainingTask {
 public:
  // features: [N, F] float; labels: [N] with 1 / 0 (any other value: unknown, never trained on).
  MlpClassificationTask(Mlp model, torch::Tensor features, torch::Tensor labels);
  torch::nn::Module& module() override { return *model_; }
  torch::Tensor loss(const std::vector<int64_t>& batch, const torch::Device& device) override;
  torch::Tensor scores(const std::vector<int64_t>& batch, const torch::Device& device) override;
  Mlp& model() { return model_; }

 private:
  Mlp model_;
  torch::Tensor features_, labels_;
};

// Regression of a number per row (regression_task.hpp): the Mlp (out_features 1) predicts the
// target standardised with the training rows' mean and sd.
class MlpRegressionTask : public RegressionTask {
 public:
  // features: [N, F] float; targets: [N], NaN where unknown (never trained on).
  MlpRegressionTask(Mlp model, torch::Tensor features, torch::Tensor targets,
                    const std::vector<int64_t>& train);
  Mlp& model() { return model_; }

 protected:
  torch::Tensor output(const std::vector<int64_t>& batch, const torch::Device& device) override;

 private:
  Mlp model_;
  torch::Tensor features_;
};

// Masked-feature reconstruction. Each sample hides a random set of its standardised features
// (each feature masked with probability r, r ~ U(0, max_mask_ratio) per sample, like BrainMAE's
// ratio ~ U(0, 0.8)) by setting them to 0; the Mlp (out_features = in_features) reconstructs the
// standardised features; loss = mean squared error over the hidden entries. Masks are drawn
// from torch's CPU generator, so a resumed run draws the same masks.
class MlpReconstructionTask : public TrainingTask {
 public:
  MlpReconstructionTask(Mlp model, torch::Tensor features, double max_mask_ratio = 0.8);
  torch::nn::Module& module() override { return *model_; }
  torch::Tensor loss(const std::vector<int64_t>& batch, const torch::Device& device) override;
  // Per-sample reconstruction error of the unmasked input: [batch].
  torch::Tensor scores(const std::vector<int64_t>& batch, const torch::Device& device) override;
  Mlp& model() { return model_; }

 private:
  Mlp model_;
  torch::Tensor features_;
  double max_mask_ratio_;
};

// Rows `rows` of `t` as a tensor on `device`.
torch::Tensor gather_rows(const torch::Tensor& t, const std::vector<int64_t>& rows,
                          const torch::Device& device);

}  // namespace brainenc::models
