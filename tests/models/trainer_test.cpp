// The training engine: learning, early stopping, clipping, schedules, exact resumption, devices.
#include "brainenc/models/trainer.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "brainenc/io/error.hpp"
#include "brainenc/models/compat.hpp"
#include "brainenc/models/metrics.hpp"
#include "test_support.hpp"
#include "toy_tasks.hpp"

namespace fs = std::filesystem;
using brainenc::test::range;
using brainenc::test::two_blobs;
using namespace brainenc::models;

namespace {

// AUROC of the validation scores against the toy labels.
ValidationMetric auroc_of(const torch::Tensor& y) {
  return validation_score("auroc", true,
                          [y](const torch::Tensor& scores, const std::vector<int64_t>& samples) {
                            Eigen::VectorXd s(Eigen::Index(samples.size()));
                            Eigen::VectorXi l(Eigen::Index(samples.size()));
                            for (size_t i = 0; i < samples.size(); ++i) {
                              s[Eigen::Index(i)] = scores[int64_t(i)].item<double>();
                              l[Eigen::Index(i)] = static_cast<int>(y[samples[i]].item<float>());
                            }
                            return roc_auc(s, l);
                          });
}

TrainerOptions quiet_options() {
  TrainerOptions o;
  o.progress = false;
  return o;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST(Trainer, LossDecreasesOnASeparableProblem) {
  const auto d = two_blobs(80, 4, 4.0, 1);
  const auto train = range(0, 64), val = range(64, 80);
  auto task = brainenc::test::mlp_task(d, train, 2, 0.0);
  TrainerOptions o = quiet_options();
  o.epochs = 30;
  o.batch_size = 16;
  o.lr = 1e-2;
  Trainer trainer(*task, o);  // validation loss
  const double initial_val_loss = trainer.evaluate_loss(val);
  const TrainResult r = trainer.fit(train, val);
  ASSERT_EQ(r.history.size(), 30u);
  EXPECT_LT(r.history.back().train_loss, 0.25 * r.history.front().train_loss);
  EXPECT_LT(r.best_metric, 0.25 * initial_val_loss);
  EXPECT_DOUBLE_EQ(trainer.evaluate_loss(val), r.best_metric);  // the best epoch's weights
  // The held-out scores are probabilities that put each class on its side of 0.5.
  const auto scores = trainer.predict(val);
  ASSERT_EQ(scores.size(0), 16);
  int correct = 0;
  for (int64_t i = 0; i < 16; ++i)
    correct += (scores[i].item<float>() > 0.5f) == (d.y[64 + i].item<float>() > 0.5f);
  EXPECT_GE(correct, 15);
  EXPECT_GT(auroc_of(d.y).compute(trainer, val), 0.97);
}

TEST(Trainer, EarlyStoppingRestoresTheBestEpoch) {
  const auto d = two_blobs(40, 3, 2.0, 4);
  const auto train = range(0, 32), val = range(32, 40);
  auto task = brainenc::test::mlp_task(d, train, 5);
  TrainerOptions o = quiet_options();
  o.epochs = 7;
  o.patience = 2;
  o.batch_size = 8;
  const std::vector<double> scripted = {0.5, 0.7, 0.9, 0.6, 0.8, 0.85, 0.95};
  size_t calls = 0;
  ValidationMetric metric;
  metric.name = "scripted";
  metric.maximize = true;
  metric.compute = [&](Trainer&, const std::vector<int64_t>&) { return scripted.at(calls++); };
  Trainer trainer(*task, o, metric);
  NamedTensors at_epoch3, at_epoch5;
  trainer.on_epoch_end = [&](const EpochRecord& r) {
    if (r.epoch == 3) at_epoch3 = module_state(task->module());
    if (r.epoch == 5) at_epoch5 = module_state(task->module());  // already the restored best
    return true;
  };
  const TrainResult r = trainer.fit(train, val);
  // Epochs 4 and 5 do not beat 0.9: patience 2 stops after epoch 5.
  EXPECT_TRUE(r.stopped_early);
  ASSERT_EQ(r.history.size(), 5u);
  EXPECT_EQ(r.best_epoch, 3);
  EXPECT_DOUBLE_EQ(r.best_metric, 0.9);
  EXPECT_TRUE(r.history[2].best);
  EXPECT_FALSE(r.history[4].best);
  const NamedTensors now = module_state(task->module());
  ASSERT_EQ(now.size(), at_epoch3.size());
  for (size_t i = 0; i < now.size(); ++i)
    EXPECT_TRUE(torch::equal(now[i].second, at_epoch3[i].second)) << now[i].first;
  for (size_t i = 0; i < now.size(); ++i)
    EXPECT_TRUE(torch::equal(now[i].second, at_epoch5[i].second)) << now[i].first;
}

TEST(Trainer, MinimisedMetricAndNoValidationKeepLastEpoch) {
  const auto d = two_blobs(24, 3, 2.0, 6);
  auto task = brainenc::test::mlp_task(d, range(0, 24), 7);
  TrainerOptions o = quiet_options();
  o.epochs = 3;
  Trainer trainer(*task, o);  // validation loss, but no validation samples
  const TrainResult r = trainer.fit(range(0, 24), {});
  EXPECT_EQ(r.history.size(), 3u);
  EXPECT_EQ(r.best_epoch, 0);
  EXPECT_TRUE(std::isnan(r.history[2].val_metric));
}

TEST(Trainer, ClipGradientsScalesToTheMaximumNorm) {
  auto p = torch::zeros({3}, torch::requires_grad());
  p.mutable_grad() = torch::tensor({30.0f, 40.0f, 0.0f});  // norm 50
  EXPECT_NEAR(clip_gradients({p}, 5.0), 50.0, 1e-5);
  EXPECT_NEAR(gradient_norm({p}), 5.0, 1e-5);
  EXPECT_NEAR(p.grad()[0].item<float>() / p.grad()[1].item<float>(), 0.75, 1e-6);  // direction kept
  EXPECT_NEAR(clip_gradients({p}, 10.0), 5.0, 1e-5);  // below the bound: unchanged
  EXPECT_NEAR(gradient_norm({p}), 5.0, 1e-5);
}

TEST(Trainer, ClippingBoundsTheGradientNormOfEachStep) {
  // With beta1 = beta2 = 0 and epsilon >> |g|, one AdamW step moves the weights by
  // -lr * g / (|g| + eps) ~ -(lr / eps) g: linear in the gradient the optimiser received.
  const auto c = torch::tensor({3.0f, 4.0f, 0.0f, 12.0f});  // |c| = 13, gradient = 100 c, norm 1300
  brainenc::test::ConstantGradientTask task(c, 100.0);
  TrainerOptions o = quiet_options();
  o.epochs = 1;
  o.batch_size = 1;
  o.lr = 1e3;
  o.adam_eps = 1e6;
  o.beta1 = 0.0;
  o.beta2 = 0.0;
  o.weight_decay = 0.0;
  o.clip_grad_norm = 0.5;
  Trainer trainer(task, o);
  const TrainResult r = trainer.fit({0}, {});
  const torch::Tensor step =
      task.module_->w.detach().clone() * (o.adam_eps / o.lr);  // = -clipped gradient
  EXPECT_NEAR(step.norm().item<double>(), 0.5, 1e-4);
  EXPECT_NEAR(step[3].item<double>() / step[0].item<double>(), 4.0, 1e-4);
  EXPECT_LT(step[0].item<double>(), 0.0);
  EXPECT_NEAR(r.history[0].grad_norm, 1300.0, 1e-2);  // logged before clipping
}

TEST(LrSchedule, ValuesAtGivenSteps) {
  LrSchedule constant;
  constant.base_lr = 0.1;
  EXPECT_DOUBLE_EQ(constant.at(0), 0.1);
  EXPECT_DOUBLE_EQ(constant.at(100000), 0.1);

  LrSchedule cosine;
  cosine.kind = ScheduleKind::Cosine;
  cosine.base_lr = 1.0;
  cosine.warmup_steps = 10;
  cosine.total_steps = 110;
  EXPECT_DOUBLE_EQ(cosine.at(0), 0.1);  // linear warm-up: (step + 1) / warmup
  EXPECT_DOUBLE_EQ(cosine.at(4), 0.5);
  EXPECT_DOUBLE_EQ(cosine.at(9), 1.0);
  EXPECT_DOUBLE_EQ(cosine.at(10), 1.0);  // cosine starts at the peak
  EXPECT_NEAR(cosine.at(35), 0.5 * (1 + std::cos(M_PI / 4)), 1e-15);
  EXPECT_NEAR(cosine.at(60), 0.5, 1e-15);
  EXPECT_NEAR(cosine.at(110), 0.0, 1e-15);
  EXPECT_NEAR(cosine.at(500), 0.0, 1e-15);
  cosine.min_lr_ratio = 0.1;
  EXPECT_NEAR(cosine.at(60), 0.55, 1e-15);
  EXPECT_NEAR(cosine.at(110), 0.1, 1e-15);

  LrSchedule step;
  step.kind = ScheduleKind::Step;
  step.base_lr = 1.0;
  step.step_size = 5;
  step.gamma = 0.5;
  EXPECT_DOUBLE_EQ(step.at(0), 1.0);
  EXPECT_DOUBLE_EQ(step.at(4), 1.0);
  EXPECT_DOUBLE_EQ(step.at(5), 0.5);
  EXPECT_DOUBLE_EQ(step.at(14), 0.25);
  EXPECT_DOUBLE_EQ(step.at(15), 0.125);
  step.warmup_steps = 2;
  EXPECT_DOUBLE_EQ(step.at(0), 0.5);
  EXPECT_DOUBLE_EQ(step.at(6), 1.0);
  EXPECT_DOUBLE_EQ(step.at(7), 0.5);
}

TEST(Trainer, FollowsTheScheduleInSteps) {
  const auto d = two_blobs(32, 3, 2.0, 8);
  auto task = brainenc::test::mlp_task(d, range(0, 32), 9);
  TrainerOptions o = quiet_options();
  o.epochs = 4;
  o.batch_size = 8;  // 4 steps per epoch
  o.lr = 0.01;
  o.schedule = ScheduleKind::Cosine;
  o.warmup_epochs = 0.5;  // 2 steps
  o.min_lr_ratio = 0.1;
  Trainer trainer(*task, o);
  const TrainResult r = trainer.fit(range(0, 32), {});
  LrSchedule expected;
  expected.kind = ScheduleKind::Cosine;
  expected.base_lr = 0.01;
  expected.warmup_steps = 2;
  expected.total_steps = 16;
  expected.min_lr_ratio = 0.1;
  for (int e = 0; e < 4; ++e) {
    EXPECT_EQ(r.history[size_t(e)].step, 4 * (e + 1));
    EXPECT_DOUBLE_EQ(r.history[size_t(e)].lr, expected.at(4 * (e + 1) - 1)) << "epoch " << e + 1;
  }
  EXPECT_DOUBLE_EQ(trainer.optimizer().param_groups()[0].options().get_lr(), expected.at(15));
}

TEST(Trainer, ResumeAfterEpoch2Of5EqualsTheUninterruptedRunBitwise) {
  const auto d = two_blobs(50, 6, 2.0, 3);
  const auto train = range(0, 40), val = range(40, 50);
  const std::string dir = brainenc::test::scratch_dir();
  TrainerOptions o = quiet_options();
  o.epochs = 5;
  o.batch_size = 8;
  o.lr = 5e-3;
  o.schedule = ScheduleKind::Cosine;
  o.warmup_epochs = 1;
  o.clip_grad_norm = 1.0;
  o.seed = 11;

  auto a = brainenc::test::mlp_task(d, train, 7);  // dropout 0.2: the torch generator matters
  TrainerOptions oa = o;
  oa.checkpoint_path = dir + "/a/checkpoint.pt";
  oa.log_path = dir + "/a/log.jsonl";
  Trainer ta(*a, oa, auroc_of(d.y));
  const TrainResult ra = ta.fit(train, val);

  TrainerOptions ob = o;
  ob.checkpoint_path = dir + "/b/checkpoint.pt";
  ob.log_path = dir + "/b/log.jsonl";
  {
    auto b = brainenc::test::mlp_task(d, train, 7);
    Trainer tb(*b, ob, auroc_of(d.y));
    tb.on_epoch_end = [](const EpochRecord& r) { return r.epoch < 2; };
    const TrainResult rb = tb.fit(train, val);
    EXPECT_TRUE(rb.interrupted);
    ASSERT_EQ(rb.history.size(), 2u);
  }
  EXPECT_EQ(read_checkpoint(ob.checkpoint_path).state.epoch, 2);
  // A new process: other initial weights, other generator states.
  torch::manual_seed(12345);
  torch::rand({1000});
  auto c = brainenc::test::mlp_task(d, train, 99);
  Trainer tc(*c, ob, auroc_of(d.y));
  tc.resume(ob.checkpoint_path);
  const TrainResult rc = tc.fit(train, val);

  EXPECT_FALSE(rc.interrupted);
  ASSERT_EQ(rc.history.size(), 5u);
  EXPECT_EQ(rc.best_epoch, ra.best_epoch);
  for (size_t e = 0; e < 5; ++e) {
    EXPECT_EQ(rc.history[e].train_loss, ra.history[e].train_loss) << "epoch " << e + 1;
    EXPECT_EQ(rc.history[e].val_metric, ra.history[e].val_metric) << "epoch " << e + 1;
    EXPECT_EQ(rc.history[e].lr, ra.history[e].lr) << "epoch " << e + 1;
  }
  const NamedTensors wa = module_state(a->module()), wc = module_state(c->module());
  ASSERT_EQ(wa.size(), wc.size());
  for (size_t i = 0; i < wa.size(); ++i)
    EXPECT_TRUE(torch::equal(wa[i].second, wc[i].second)) << wa[i].first;
  // The same log, but for the timings.
  const auto la = read_lines(oa.log_path), lc = read_lines(ob.log_path);
  ASSERT_EQ(la.size(), 5u);
  ASSERT_EQ(lc.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    auto ja = nlohmann::json::parse(la[i]), jc = nlohmann::json::parse(lc[i]);
    ja.erase("seconds");
    jc.erase("seconds");
    EXPECT_EQ(ja, jc);
  }
  // Both final checkpoints hold the same weights; no temporary file is left behind.
  const auto ca = read_checkpoint(oa.checkpoint_path), cc = read_checkpoint(ob.checkpoint_path);
  EXPECT_TRUE(cc.state.finished);
  for (size_t i = 0; i < ca.model.size(); ++i)
    EXPECT_TRUE(torch::equal(ca.model[i].second, cc.model[i].second));
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir + "/b"))
    files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files, (std::vector<std::string>{"checkpoint.pt", "log.jsonl"}));
}

TEST(Trainer, ResumeRefusesOtherTrainingOptions) {
  const auto d = two_blobs(16, 3, 2.0, 3);
  const std::string dir = brainenc::test::scratch_dir();
  TrainerOptions o = quiet_options();
  o.epochs = 2;
  o.checkpoint_path = dir + "/checkpoint.pt";
  auto a = brainenc::test::mlp_task(d, range(0, 16), 1);
  Trainer(*a, o).fit(range(0, 16), {});
  TrainerOptions other = o;
  other.lr = 0.5;
  auto b = brainenc::test::mlp_task(d, range(0, 16), 1);
  Trainer tb(*b, other);
  try {
    tb.resume(o.checkpoint_path);
    FAIL() << "resumed with another learning rate";
  } catch (const brainenc::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("lr"), std::string::npos) << e.what();
  }
  // Finished runs resume to the same result without training.
  auto c = brainenc::test::mlp_task(d, range(0, 16), 2);
  Trainer tc(*c, o);
  tc.resume(o.checkpoint_path);
  EXPECT_EQ(tc.fit(range(0, 16), {}).history.size(), 2u);
  const NamedTensors wa = module_state(a->module()), wc = module_state(c->module());
  for (size_t i = 0; i < wa.size(); ++i)
    EXPECT_TRUE(torch::equal(wa[i].second, wc[i].second)) << wa[i].first;
}

TEST(Trainer, CheckpointsAtTheGivenIntervalAndAlwaysAtTheEnd) {
  const auto d = two_blobs(16, 3, 2.0, 3);
  const std::string dir = brainenc::test::scratch_dir();
  // Per epoch (0 s): at the end of epoch e the file holds epoch e - 1.
  TrainerOptions every = quiet_options();
  every.epochs = 3;
  every.checkpoint_seconds = 0;
  every.checkpoint_path = dir + "/every/checkpoint.pt";
  auto a = brainenc::test::mlp_task(d, range(0, 16), 1);
  Trainer ta(*a, every);
  std::vector<int64_t> seen_a;
  ta.on_epoch_end = [&](const EpochRecord&) {
    seen_a.push_back(std::filesystem::exists(every.checkpoint_path)
                         ? read_checkpoint(every.checkpoint_path).state.epoch
                         : 0);
    return true;
  };
  ta.fit(range(0, 16), {});
  EXPECT_EQ(seen_a, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(read_checkpoint(every.checkpoint_path).state.epoch, 3);
  // A long interval: nothing while training, the finished state at the end.
  TrainerOptions rare = every;
  rare.checkpoint_seconds = 1e9;
  rare.checkpoint_path = dir + "/rare/checkpoint.pt";
  auto b = brainenc::test::mlp_task(d, range(0, 16), 1);
  Trainer tb(*b, rare);
  std::vector<int64_t> seen_b;
  tb.on_epoch_end = [&](const EpochRecord& r) {
    seen_b.push_back(std::filesystem::exists(rare.checkpoint_path) ? 1 : 0);
    return r.epoch < 2;  // interrupted after epoch 2: written then
  };
  EXPECT_TRUE(tb.fit(range(0, 16), {}).interrupted);
  EXPECT_EQ(seen_b, (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(read_checkpoint(rare.checkpoint_path).state.epoch, 2);
  // The interval does not change the numbers: a resume with another interval is accepted.
  TrainerOptions rare_other = rare;
  rare_other.checkpoint_seconds = 5;
  auto c = brainenc::test::mlp_task(d, range(0, 16), 1);
  Trainer tc(*c, rare_other);
  tc.resume(rare.checkpoint_path);
  EXPECT_EQ(tc.fit(range(0, 16), {}).history.size(), 3u);
  EXPECT_TRUE(read_checkpoint(rare.checkpoint_path).state.finished);
}

TEST(Trainer, RejectsBadOptionsNamingThem) {
  const auto d = two_blobs(8, 2, 1.0, 1);
  auto task = brainenc::test::mlp_task(d, range(0, 8), 1);
  TrainerOptions o = quiet_options();
  o.lr = -1;
  try {
    Trainer t(*task, o);
    FAIL();
  } catch (const brainenc::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--lr"), std::string::npos) << e.what();
  }
}

TEST(Trainer, ParsesDevices) {
  EXPECT_EQ(parse_device("cpu"), torch::Device(torch::kCPU));
  EXPECT_THROW(parse_device("gpu"), brainenc::UsageError);
  EXPECT_THROW(parse_device("cuda:"), brainenc::UsageError);
  EXPECT_THROW(parse_device("cuda:x"), brainenc::UsageError);
  EXPECT_THROW(parse_device("cudax"), brainenc::UsageError);
  if (!torch::cuda::is_available()) {
    try {
      parse_device("cuda");
      FAIL();
    } catch (const brainenc::UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("CUDA is not available"), std::string::npos) << e.what();
    }
  } else {
    EXPECT_EQ(parse_device("cuda"), torch::Device(torch::kCUDA, 0));
  }
}

TEST(TrainerOptions, JsonRoundTrip) {
  TrainerOptions o;
  o.epochs = 7;
  o.schedule = ScheduleKind::Step;
  o.seed = 1234567890123ULL;
  o.clip_grad_norm = 2.5;
  o.checkpoint_seconds = 7.5;
  const TrainerOptions back = trainer_options_from_json(to_json(o));
  EXPECT_EQ(to_json(back), to_json(o));
  EXPECT_THROW(trainer_options_from_json({{"schedule", "zigzag"}}, "x.json"), brainenc::DataError);
}

namespace {

// Records what the model sees inside the Trainer's autocast region.
class AutocastProbe : public TrainingTask {
 public:
  AutocastProbe(const brainenc::test::ToyData& d)
      : d_(d), inner_(brainenc::test::mlp_task(d, range(0, 16), 3)) {}
  torch::nn::Module& module() override { return inner_->module(); }
  torch::Tensor loss(const std::vector<int64_t>& batch, const torch::Device& device) override {
    autocast_on = autocast_enabled(device.type());
    logits_dtype = inner_->model()->forward(gather_rows(d_.x, batch, device)).scalar_type();
    return inner_->loss(batch, device);
  }
  torch::Tensor scores(const std::vector<int64_t>& batch, const torch::Device& device) override {
    return inner_->scores(batch, device);
  }
  bool autocast_on = true;
  c10::ScalarType logits_dtype = torch::kDouble;

 private:
  brainenc::test::ToyData d_;
  std::unique_ptr<MlpClassificationTask> inner_;
};

}  // namespace

TEST(Trainer, CpuTrainsInFp32) {
  const auto d = two_blobs(16, 3, 2.0, 2);
  AutocastProbe probe(d);
  TrainerOptions o = quiet_options();
  o.epochs = 1;
  Trainer(probe, o).fit(range(0, 16), {});
  EXPECT_FALSE(probe.autocast_on);
  EXPECT_EQ(probe.logits_dtype, torch::kFloat32);
}

TEST(TrainerGpu, OneBf16AutocastStepOnCuda) {
  if (!torch::cuda::is_available())
    GTEST_SKIP() << "CUDA not available: LibTorch " << TORCH_VERSION
                 << " sees no GPU (runs on the GPU machine)";
  const auto d = two_blobs(16, 3, 2.0, 2);
  AutocastProbe probe(d);
  TrainerOptions o = quiet_options();
  o.epochs = 1;
  o.batch_size = 16;
  o.device = "cuda";
  Trainer trainer(probe, o);
  const TrainResult r = trainer.fit(range(0, 16), {});
  EXPECT_TRUE(probe.autocast_on);
  EXPECT_EQ(probe.logits_dtype, torch::kBFloat16);
  EXPECT_TRUE(std::isfinite(r.history[0].train_loss));
  for (const auto& p : probe.module().parameters()) {
    EXPECT_TRUE(p.is_cuda());
    EXPECT_EQ(p.scalar_type(), torch::kFloat32);  // master weights stay fp32
  }
  const auto scores = trainer.predict(range(0, 16));
  EXPECT_EQ(scores.device(), torch::Device(torch::kCPU));
  EXPECT_EQ(scores.scalar_type(), torch::kFloat32);
  EXPECT_FALSE(autocast_enabled(torch::kCUDA));  // the guard restored the state
}

// The metrics log follows its extension: .csv holds a header row of the JSONL records' fields and
// the same values, row by row (a CPU run repeats exactly; only the timings differ).
TEST(Trainer, CsvLogHoldsTheJsonlRecords) {
  const auto d = two_blobs(40, 4, 2.0, 3);
  const auto train = range(0, 32), val = range(32, 40);
  const std::string dir = brainenc::test::scratch_dir();
  auto run = [&](const std::string& log) {
    auto task = brainenc::test::mlp_task(d, train, 7);
    TrainerOptions o = quiet_options();
    o.epochs = 3;
    o.batch_size = 8;
    o.clip_grad_norm = 1.0;
    o.seed = 2;
    o.log_path = log;
    Trainer t(*task, o, auroc_of(d.y));
    t.fit(train, val);
  };
  run(dir + "/log.jsonl");
  run(dir + "/log.csv");
  const auto jsonl = read_lines(dir + "/log.jsonl"), csv = read_lines(dir + "/log.csv");
  ASSERT_EQ(jsonl.size(), 3u);
  ASSERT_EQ(csv.size(), 4u);
  const std::vector<std::string> columns = {"epoch",     "step",      "lr",      "train_loss",
                                            "val_auroc", "grad_norm", "seconds", "best"};
  EXPECT_EQ(csv[0], "epoch,step,lr,train_loss,val_auroc,grad_norm,seconds,best");
  for (size_t i = 0; i < 3; ++i) {
    const auto record = nlohmann::json::parse(jsonl[i]);
    EXPECT_EQ(record.size(), columns.size()) << jsonl[i];
    std::vector<std::string> cells;
    std::stringstream row(csv[i + 1]);
    for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
    ASSERT_EQ(cells.size(), columns.size()) << csv[i + 1];
    for (size_t c = 0; c < columns.size(); ++c) {
      if (columns[c] == "seconds") continue;
      EXPECT_EQ(nlohmann::json::parse(cells[c]), record.at(columns[c]))
          << "epoch " << i + 1 << ", " << columns[c];
    }
  }
  // Without a validation set the metric is null in JSON, an empty cell in CSV.
  EpochRecord r;
  r.epoch = 1;
  const std::string text = metrics_log_csv(nlohmann::json::array({to_json(r, "loss")}));
  EXPECT_EQ(text, "epoch,step,lr,train_loss,val_loss,seconds,best\n1,0,0.0,0.0,,0.0,false\n");
}
