// Regression tasks: the target standardised on the training samples, predictions back in its
// units, the statistics carried by the model's state into checkpoints.
#include "brainenc/models/regression_task.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "brainenc/models/checkpoint.hpp"
#include "brainenc/models/metrics.hpp"
#include "brainenc/models/mlp.hpp"
#include "toy_tasks.hpp"

using brainenc::test::range;
using namespace brainenc::models;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::unique_ptr<MlpRegressionTask> linear_task(const torch::Tensor& x, const torch::Tensor& y,
                                               const std::vector<int64_t>& train, uint64_t seed) {
  torch::manual_seed(seed);
  Mlp model(MlpOptions(x.size(1), 1).hidden({}).dropout(0.0));
  model->fit_standardization(gather_rows(x, train, torch::kCPU));
  return std::make_unique<MlpRegressionTask>(model, x, y, train);
}

}  // namespace

TEST(RegressionTask, StatisticsOfTheFiniteTrainingTargets) {
  const auto x = torch::randn({5, 2});
  const auto y = torch::tensor({1.0, 2.0, 3.0, kNaN, 100.0}, torch::kFloat64);
  auto task = linear_task(x, y, {0, 1, 2, 3}, 1);  // 100 is not a training target, NaN unknown
  EXPECT_DOUBLE_EQ(task->target_mean(), 2.0);
  EXPECT_DOUBLE_EQ(task->target_scale(), std::sqrt(2.0 / 3.0));  // sd over n, as StandardScaler
  bool mean = false, scale = false;
  for (const auto& b : task->module().named_buffers()) {
    mean |= b.key() == "target_mean";
    scale |= b.key() == "target_scale";
  }
  EXPECT_TRUE(mean && scale) << "the statistics must travel with the weights";
  // A constant target: scale 1, not a division by zero.
  auto constant = linear_task(x, torch::full({5}, 7.0, torch::kFloat64), range(0, 5), 1);
  EXPECT_DOUBLE_EQ(constant->target_scale(), 1.0);
}

TEST(RegressionTask, LossOnTheStandardisedTargetScoresInItsUnits) {
  const auto x = torch::randn({6, 3});
  const auto y = torch::tensor({10.0, 12.0, 14.0, 16.0, 18.0, 20.0}, torch::kFloat64);
  auto task = linear_task(x, y, range(0, 6), 2);
  const auto batch = range(0, 6);
  torch::NoGradGuard no_grad;
  task->module().eval();
  const auto out = task->model()->forward(x).squeeze(1).to(torch::kFloat64);
  const auto z = (y - task->target_mean()) / task->target_scale();
  EXPECT_NEAR(task->loss(batch, torch::kCPU).item<double>(), (out - z).pow(2).mean().item<double>(),
              1e-5);
  const auto scores = task->scores(batch, torch::kCPU);
  EXPECT_TRUE(torch::allclose(scores, out * task->target_scale() + task->target_mean()));
}

// y = 3 x0 - 2 x1 + 50: a linear Mlp fitted by the Trainer predicts it, in years not z-scores.
TEST(RegressionTask, TrainerFitsALinearTarget) {
  torch::manual_seed(3);
  const auto x = torch::randn({96, 4});
  const auto y = (3.0 * x.select(1, 0) - 2.0 * x.select(1, 1) + 50.0).to(torch::kFloat64);
  const auto train = range(0, 64), val = range(64, 80), test = range(80, 96);
  auto task = linear_task(x, y, train, 4);
  TrainerOptions o;
  o.progress = false;
  o.epochs = 150;
  o.batch_size = 16;
  o.lr = 0.05;
  o.weight_decay = 0.0;
  Trainer trainer(*task, o);
  trainer.fit(train, val);
  const auto p = trainer.predict(test).to(torch::kFloat64);
  const auto truth = gather_rows(y, test, torch::kCPU);
  Eigen::VectorXd pe(16), te(16);
  for (int64_t i = 0; i < 16; ++i) {
    pe[i] = p[i].item<double>();
    te[i] = truth[i].item<double>();
  }
  const RegressionMetrics m = regression_metrics(pe, te);
  EXPECT_LT(m.mae, 0.1);
  EXPECT_GT(m.pearson_r, 0.999);
}

// evaluate / predict rebuild the task over their cohort (whose targets may be unknown) and load
// the checkpoint's state: the training statistics come back with it.
TEST(RegressionTask, StatisticsComeBackFromTheCheckpointState) {
  const auto x = torch::randn({8, 2});
  const auto y = torch::linspace(30.0, 60.0, 8, torch::kFloat64);
  auto trained = linear_task(x, y, range(0, 6), 5);
  const NamedTensors state = module_state(trained->module());
  auto rebuilt = linear_task(x, torch::full({8}, kNaN, torch::kFloat64), range(0, 8), 6);
  EXPECT_DOUBLE_EQ(rebuilt->target_mean(), 0.0);
  EXPECT_DOUBLE_EQ(rebuilt->target_scale(), 1.0);
  load_module_state(rebuilt->module(), state, "test");
  EXPECT_DOUBLE_EQ(rebuilt->target_mean(), trained->target_mean());
  EXPECT_DOUBLE_EQ(rebuilt->target_scale(), trained->target_scale());
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(rebuilt->scores(range(0, 8), torch::kCPU),
                           trained->scores(range(0, 8), torch::kCPU)));
}
