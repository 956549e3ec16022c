#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <string>

#include "brainenc/io/error.hpp"
#include "brainenc/models/compat.hpp"
#include "brainenc/models/fc_transformer.hpp"
#include "test_support.hpp"

using namespace brainenc::models;

namespace {

FcTransformerOptions tiny() {
  return FcTransformerOptions(8)
      .heads(2)
      .ff_dim(32)
      .n_clusters(3)
      .mlp_hidden({16})
      .dropout(0.0)
      .n_outputs(2);
}

// Symmetric FC-like matrices: unit diagonal plus noise; label 1 adds +0.5 coupling among ROIs 0-2.
std::pair<torch::Tensor, torch::Tensor> planted_fc(int64_t n, int64_t rois, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto labels = (torch::rand({n}, gen) < 0.5).to(torch::kLong);
  auto noise = torch::randn({n, rois, rois}, gen) * 0.25;
  noise = (noise + noise.transpose(1, 2)) / std::sqrt(2.0);
  auto block = torch::zeros({rois, rois});
  block.narrow(0, 0, 3).narrow(1, 0, 3).fill_(0.5);
  auto fc = noise + labels.to(torch::kFloat32).view({n, 1, 1}) * block;
  fc.diagonal(0, 1, 2).fill_(1.0);
  return {fc, labels};
}

// Tiny tensors gain nothing from intra-op threads, and on a loaded 2-core machine OpenMP
// spinning makes these loops 10x slower; restored when the test ends.
struct SingleThreaded {
  int previous = torch::get_num_threads();
  SingleThreaded() { torch::set_num_threads(1); }
  ~SingleThreaded() { torch::set_num_threads(previous); }
};

// 60 full-batch Adam steps (lr 3e-3) on the cross-entropy; then eval mode.
void fit(FcTransformer& model, const torch::Tensor& fc, const torch::Tensor& labels) {
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(3e-3));
  for (int step = 0; step < 60; ++step) {
    opt.zero_grad();
    torch::nn::functional::cross_entropy(model->forward(fc), labels).backward();
    opt.step();
  }
  model->eval();
}

double accuracy(FcTransformer& model, const torch::Tensor& fc, const torch::Tensor& labels) {
  return (model->forward(fc).argmax(1) == labels).to(torch::kFloat64).mean().item<double>();
}

}  // namespace

TEST(FcTransformer, ShapesOfForwardEncodeAndAssignment) {
  torch::manual_seed(0);
  FcTransformer raw(tiny());
  const auto fc = torch::randn({5, 8, 8});
  EXPECT_EQ(raw->forward(fc).sizes(), (std::vector<int64_t>{5, 2}));
  EXPECT_EQ(raw->encode(fc).sizes(), (std::vector<int64_t>{5, 8, 8}));  // raw rows: d = R
  const auto& p = raw->last_assignment();
  ASSERT_EQ(p.sizes(), (std::vector<int64_t>{5, 8, 3}));
  EXPECT_LT((p.sum(-1) - 1).abs().max().item<double>(), 1e-5);
  FcTransformer projected(tiny().d_model(12).n_outputs(1));
  EXPECT_EQ(projected->encode(fc).sizes(), (std::vector<int64_t>{5, 8, 12}));
  EXPECT_EQ(projected->forward(fc).sizes(), (std::vector<int64_t>{5, 1}));
  EXPECT_EQ(projected->cluster_centers().sizes(), (std::vector<int64_t>{3, 12}));
  EXPECT_THROW(raw->forward(torch::randn({5, 8, 7})), brainenc::UsageError);
}

TEST(FcTransformer, ClusterCentresStartOrthonormal) {
  torch::manual_seed(1);
  for (const auto& options : {tiny(), FcTransformerOptions(200)}) {
    FcTransformer model(options);
    const auto c = model->cluster_centers().to(torch::kFloat64);
    const int64_t k = options.n_clusters();
    EXPECT_LT((torch::matmul(c, c.t()) - torch::eye(k, torch::kFloat64)).abs().max().item<double>(),
              1e-6);
  }
  EXPECT_THROW(orthonormal_rows(9, 8), brainenc::UsageError);
}

TEST(FcTransformer, CentresAreFrozenByDefaultAsInBnt) {
  torch::manual_seed(2);
  const auto fc = torch::randn({4, 8, 8});
  FcTransformer frozen(tiny());
  EXPECT_FALSE(frozen->cluster_centers().requires_grad());
  frozen->forward(fc).sum().backward();
  for (const auto& p : frozen->named_parameters()) {
    if (!p.value().requires_grad()) continue;
    const auto& grad = p.value().grad();
    EXPECT_TRUE(grad.defined() && grad.abs().sum().item<double>() > 0) << p.key();
  }
  FcTransformer learned(tiny().freeze_centers(false));
  learned->forward(fc).pow(2).sum().backward();
  EXPECT_GT(learned->cluster_centers().grad().abs().sum().item<double>(), 0.0);
}

TEST(FcTransformer, LearnsPlantedConnectivityDifference) {
  SingleThreaded single_threaded;
  torch::manual_seed(3);
  FcTransformer model(tiny());
  const auto [fc, labels] = planted_fc(64, 8, 4);
  fit(model, fc, labels);
  const double train_acc = accuracy(model, fc, labels);
  EXPECT_GT(train_acc, 0.9);
  const auto [test_fc, test_labels] = planted_fc(64, 8, 5);
  const double test_acc = accuracy(model, test_fc, test_labels);
  RecordProperty("train_accuracy", std::to_string(train_acc));
  RecordProperty("test_accuracy", std::to_string(test_acc));
  EXPECT_GT(test_acc, 0.8);
}

TEST(FcTransformer, NodeAttentionIsRecorded) {
  torch::manual_seed(4);
  FcTransformer model(tiny());
  model->eval();
  const auto fc = torch::randn({3, 8, 8});
  const auto plain = model->forward(fc);
  model->set_record_attention(true);
  EXPECT_LT((model->forward(fc) - plain).abs().max().item<double>(), 1e-5);
  const auto layers = model->node_attention();
  ASSERT_EQ(layers.size(), 2u);
  for (const auto& w : layers) {
    ASSERT_EQ(w.sizes(), (std::vector<int64_t>{3, 2, 8, 8}));
    EXPECT_LT((w.sum(-1) - 1).abs().max().item<double>(), 1e-5);
  }
}

TEST(FcTransformer, SaveLoadRoundTripGivesIdenticalOutputs) {
  torch::manual_seed(5);
  FcTransformer model(tiny());
  model->eval();
  const auto fc = torch::randn({3, 8, 8});
  const std::string path = brainenc::test::scratch_dir() + "/fc_transformer.pt";
  torch::save(model, path);
  torch::manual_seed(55);
  FcTransformer loaded(tiny());
  loaded->eval();
  ASSERT_FALSE(torch::equal(model->forward(fc), loaded->forward(fc)));
  torch::load(loaded, path);
  EXPECT_TRUE(torch::equal(model->forward(fc), loaded->forward(fc)));
  EXPECT_TRUE(torch::equal(model->cluster_centers(), loaded->cluster_centers()));
}

TEST(FcTransformer, Bf16AutocastStepOnCuda) {
  if (!torch::cuda::is_available())
    GTEST_SKIP() << "CUDA not available: bf16 autocast runs on the GPU machine only";
  torch::manual_seed(6);
  FcTransformer model(tiny());
  model->to(torch::kCUDA);
  const auto [fc, labels] = planted_fc(16, 8, 7);
  torch::Tensor logits;
  {
    AutocastGuard autocast(at::kCUDA, at::kBFloat16);
    logits = model->forward(fc.to(torch::kCUDA));
  }
  EXPECT_EQ(logits.scalar_type(), torch::kBFloat16);
  const auto loss =
      torch::nn::functional::cross_entropy(logits.to(torch::kFloat32), labels.to(torch::kCUDA));
  loss.backward();
  EXPECT_TRUE(std::isfinite(loss.item<double>()));
  for (const auto& p : model->named_parameters()) {
    if (!p.value().requires_grad()) continue;
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_TRUE(torch::isfinite(p.value().grad()).all().item<bool>()) << p.key();
  }
}

TEST(FcTransformer, DecReadoutHasBntShapesAndSimpleReadoutHasNoBottleneck) {
  torch::manual_seed(6);
  FcTransformer dec(tiny());
  const auto params = dec->named_parameters();
  ASSERT_TRUE(params.contains("bottleneck.0.weight"));
  EXPECT_EQ(params["bottleneck.0.weight"].sizes(), (std::vector<int64_t>{32, 64}));  // R*d -> 32
  EXPECT_EQ(params["bottleneck.4.weight"].sizes(), (std::vector<int64_t>{64, 32}));  // 32 -> R*d
  EXPECT_FALSE(params.contains("norm.weight"));  // post-LN layers: no final norm
  FcTransformer simple(tiny().readout(Readout::Simple).post_norm(false));
  const auto simple_params = simple->named_parameters();
  EXPECT_FALSE(simple_params.contains("bottleneck.0.weight"));
  EXPECT_TRUE(simple_params.contains("norm.weight"));
  const auto fc = torch::randn({4, 8, 8});
  for (auto* model : {&dec, &simple}) {
    EXPECT_EQ((*model)->forward(fc).sizes(), (std::vector<int64_t>{4, 2}));
    const auto& p = (*model)->last_assignment();
    EXPECT_LT((p.sum(-1) - 1).abs().max().item<double>(), 1e-5);
  }
  EXPECT_EQ(parse_readout("dec"), Readout::Dec);
  EXPECT_EQ(readout_name(parse_readout("simple")), "simple");
  EXPECT_THROW(parse_readout("ocread"), brainenc::UsageError);
}

// The DEC assignment is softmax over clusters of (z . c)^2 / |c|: flipping the sign of a node's
// bottleneck output leaves its assignment unchanged.
TEST(FcTransformer, DecAssignmentIsSquaredProjectionSoftmax) {
  torch::manual_seed(7);
  FcTransformer model(tiny());
  model->eval();
  const auto fc = torch::randn({2, 8, 8});
  model->forward(fc);
  const auto z = model->encode(fc);
  torch::NoGradGuard no_grad;
  auto bottleneck = model->named_children()["bottleneck"]->as<torch::nn::SequentialImpl>();
  const auto encoded = bottleneck->forward(z.flatten(1)).view(z.sizes());
  const auto c = model->cluster_centers();
  const auto expected = torch::softmax(torch::matmul(encoded, c.t()).square() / c.norm(2, 1), -1);
  EXPECT_LT((model->last_assignment() - expected).abs().max().item<double>(), 1e-6);
}

TEST(FcTransformer, SimplePreNormReadoutLearnsPlantedDifferenceToo) {
  SingleThreaded single_threaded;
  torch::manual_seed(8);
  FcTransformer model(tiny().readout(Readout::Simple).post_norm(false));
  const auto [fc, labels] = planted_fc(64, 8, 9);
  fit(model, fc, labels);
  const auto [test_fc, test_labels] = planted_fc(64, 8, 10);
  EXPECT_GT(accuracy(model, test_fc, test_labels), 0.8);
}
