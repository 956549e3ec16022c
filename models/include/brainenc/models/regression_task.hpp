// Regression of one number per sample (age, IQ, a symptom score), the part that every model's
// regression task shares. The loss is the mean squared error on the target standardised with the
// mean and sd of the training samples, so that the learning rate and the weight decay mean the
// same whatever the target's units; scores are predictions back in the target's units. The two
// statistics are buffers of the model (target_mean, target_scale): they travel with its weights
// into checkpoints, so evaluation uses the training run's and not the evaluated cohort's.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "brainenc/models/trainer.hpp"

namespace brainenc::models {

class RegressionTask : public TrainingTask {
 public:
  torch::nn::Module& module() override { return *model_; }
  // Mean squared error between output() and the standardised targets of the batch.
  torch::Tensor loss(const std::vector<int64_t>& batch, const torch::Device& device) override;
  // output() * target_scale + target_mean: [batch], in the target's units.
  torch::Tensor scores(const std::vector<int64_t>& batch, const torch::Device& device) override;

  double target_mean() const;
  double target_scale() const;

 protected:
  // model: the module whose state is checkpointed; it gets the buffers target_mean and
  // target_scale. targets: [N], NaN where unknown; the samples trained on must have one. The
  // statistics are those of the finite targets among `train`, the sd over n (as the input
  // standardisation); a constant target gets scale 1. With no finite target among `train` they
  // are 0 and 1, to be loaded from a checkpoint.
  RegressionTask(std::shared_ptr<torch::nn::Module> model, torch::Tensor targets,
                 const std::vector<int64_t>& train);

  // The model's output for the batch, in standardised units: [batch] or [batch, 1].
  virtual torch::Tensor output(const std::vector<int64_t>& batch, const torch::Device& device) = 0;

 private:
  std::shared_ptr<torch::nn::Module> model_;
  torch::Tensor targets_;       // float64 [N], on the CPU
  torch::Tensor mean_, scale_;  // float64 0-dim buffers of model_
};

}  // namespace brainenc::models
