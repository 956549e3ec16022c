// Small tasks for the engine tests: a separable two-blob problem for the Mlp, and a one-parameter
// task whose gradient is known.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "brainenc/models/mlp.hpp"
#include "brainenc/models/trainer.hpp"

namespace brainenc::test {

// n samples, `features` features; class 1 is shifted by `shift` along the first two features.
struct ToyData {
  torch::Tensor x, y;
};
inline ToyData two_blobs(int64_t n, int64_t features, double shift, uint64_t seed) {
  torch::manual_seed(seed);
  ToyData d;
  d.y = (torch::arange(n) % 2).to(torch::kFloat32);
  d.x = torch::randn({n, features});
  d.x.narrow(1, 0, 2).add_(d.y.unsqueeze(1) * shift);
  d.x.mul_(3.0).add_(5.0);  // off-centre and scaled: the standardisation matters
  return d;
}

inline std::vector<int64_t> range(int64_t begin, int64_t end) {
  std::vector<int64_t> v;
  for (int64_t i = begin; i < end; ++i) v.push_back(i);
  return v;
}

// An Mlp classification task on two_blobs (fresh weights from `init_seed`), standardised on
// `train`.
inline std::unique_ptr<models::MlpClassificationTask> mlp_task(const ToyData& d,
                                                               const std::vector<int64_t>& train,
                                                               uint64_t init_seed,
                                                               double dropout = 0.2) {
  torch::manual_seed(init_seed);
  models::Mlp model(models::MlpOptions(d.x.size(1), 1).hidden({16}).dropout(dropout));
  model->fit_standardization(models::gather_rows(d.x, train, torch::kCPU));
  return std::make_unique<models::MlpClassificationTask>(model, d.x, d.y);
}

// loss = scale * sum(w * c) over a batch-independent constant c: the gradient is scale * c.
struct LinearModule : torch::nn::Module {
  explicit LinearModule(int64_t n) { w = register_parameter("w", torch::zeros({n})); }
  torch::Tensor w;
};
class ConstantGradientTask : public models::TrainingTask {
 public:
  ConstantGradientTask(torch::Tensor c, double scale)
      : module_(std::make_shared<LinearModule>(c.size(0))), c_(c), scale_(scale) {}
  torch::nn::Module& module() override { return *module_; }
  torch::Tensor loss(const std::vector<int64_t>&, const torch::Device& device) override {
    return scale_ * (module_->w * c_.to(device)).sum();
  }
  torch::Tensor scores(const std::vector<int64_t>& batch, const torch::Device&) override {
    return torch::zeros({static_cast<int64_t>(batch.size())});
  }
  std::shared_ptr<LinearModule> module_;

 private:
  torch::Tensor c_;
  double scale_;
};

}  // namespace brainenc::test
