#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <string>

#include "brainenc/io/error.hpp"
#include "brainenc/models/brain_mae.hpp"
#include "brainenc/models/compat.hpp"
#include "test_support.hpp"

using namespace brainenc::models;

namespace {

// Tiny model: 6 ROIs, TR 2 s -> 8 time points per segment.
BrainMAEOptions tiny(int64_t n_rois = 6) {
  return BrainMAEOptions(n_rois, 2.0)
      .roi_embed_dim(8)
      .graph_dim(4)
      .d_model(16)
      .heads(2)
      .encoder_layers(2)
      .decoder_layers(1)
      .decoder_dim(8)
      .decoder_heads(2)
      .dropout(0.0)
      .n_outputs(3);
}

bool is_decoder(const std::string& name) {
  return name.rfind(BrainMAEImpl::kDecoderPrefix, 0) == 0;
}
bool is_head(const std::string& name) { return name.rfind(BrainMAEImpl::kHeadPrefix, 0) == 0; }
bool has_grad(const torch::Tensor& p) {
  return p.grad().defined() && p.grad().abs().sum().item<double>() > 0;
}

// ROI signals that are mixtures of two slow latent sources plus a little noise: a masked ROI is
// predictable from the visible ones.
torch::Tensor mixed_sources(int64_t batch, int64_t time, int64_t rois, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto t = torch::arange(time, torch::kFloat32).view({1, time, 1});
  const auto freq = torch::rand({batch, 1, 2}, gen) * 0.3 + 0.05,
             phase = torch::rand({batch, 1, 2}, gen) * 6.28;
  const auto sources = torch::sin(t * freq + phase);  // [B, T, 2]
  const auto loading = torch::randn({2, rois}, gen);  // shared across subjects
  return torch::matmul(sources, loading) + 0.05 * torch::randn({batch, time, rois}, gen);
}

// Tiny tensors gain nothing from intra-op threads, and on a loaded 2-core machine OpenMP
// spinning makes these loops 10x slower; restored when the test ends.
struct SingleThreaded {
  int previous = torch::get_num_threads();
  SingleThreaded() { torch::set_num_threads(1); }
  ~SingleThreaded() { torch::set_num_threads(previous); }
};

}  // namespace

TEST(BrainMAE, SegmentLengthIsRoundedFifteenSecondsOverTR) {
  // round(15 / TR), halves away from zero: 7.5 -> 8.
  EXPECT_EQ(BrainMAE(tiny())->segment_length(), 8);
  EXPECT_EQ(BrainMAE(tiny().tr_seconds(0.72))->segment_length(), 21);  // HCP: 20.83
  EXPECT_EQ(BrainMAE(tiny().tr_seconds(1.5))->segment_length(), 10);
  EXPECT_EQ(BrainMAE(tiny().tr_seconds(3.0))->segment_length(), 5);
  EXPECT_EQ(BrainMAE(tiny().tr_seconds(2.5))->segment_length(), 6);
  EXPECT_EQ(BrainMAE(tiny().tr_seconds(20.0))->segment_length(), 1);  // never below one point
}

TEST(BrainMAE, SegmentKeepsOrderAndDropsRaggedTail) {
  BrainMAE model(tiny());
  const auto x = torch::arange(2 * 37 * 6, torch::kFloat32).view({2, 37, 6});
  const auto s = model->segment(x);
  ASSERT_EQ(s.sizes(), (std::vector<int64_t>{2, 4, 8, 6}));  // 37 = 4 * 8 + 5 dropped
  for (int64_t seg = 0; seg < 4; ++seg)
    for (int64_t t = 0; t < 8; ++t)
      EXPECT_TRUE(torch::equal(s[1][seg][t], x[1][seg * 8 + t])) << seg << " " << t;
}

TEST(BrainMAE, ShapesOfEveryForward) {
  torch::manual_seed(0);
  BrainMAE model(tiny());
  const auto x = torch::randn({3, 40, 6});
  EXPECT_EQ(model->encode(x).sizes(), (std::vector<int64_t>{3, 5, 16}));
  EXPECT_EQ(model->forward(x).sizes(), (std::vector<int64_t>{3, 3}));
  const auto out = model->pretrain(x, uint64_t{7});
  EXPECT_EQ(out.loss.dim(), 0);
  EXPECT_EQ(out.mask.sizes(), (std::vector<int64_t>{3, 5, 6}));
  EXPECT_EQ(out.mask.scalar_type(), torch::kBool);
  EXPECT_EQ(out.reconstruction.sizes(), (std::vector<int64_t>{3, 5, 6, 8}));
  EXPECT_EQ(out.ratio.sizes(), (std::vector<int64_t>{3}));
  EXPECT_EQ(model->roi_embeddings().sizes(), (std::vector<int64_t>{6, 8}));
}

TEST(BrainMAE, RejectsBadInput) {
  BrainMAE model(tiny());
  EXPECT_THROW(model->forward(torch::randn({2, 7, 6})), brainenc::UsageError);   // < one segment
  EXPECT_THROW(model->forward(torch::randn({2, 16, 5})), brainenc::UsageError);  // wrong ROI count
  EXPECT_THROW(model->forward(torch::randn({2, 32, 6}), torch::tensor({32, 5})),
               brainenc::UsageError);
  EXPECT_THROW(BrainMAE(tiny().max_mask_ratio(1.0)), brainenc::UsageError);
}

TEST(BrainMAE, GraphAttentionHasNoSelfLoops) {
  torch::manual_seed(1);
  BrainMAE model(tiny(10));
  const auto a = model->graph_attention();
  ASSERT_EQ(a.sizes(), (std::vector<int64_t>{10, 10}));
  EXPECT_EQ(a.diagonal().abs().max().item<double>(), 0.0);  // exactly zero
  EXPECT_LT((a.sum(-1) - 1).abs().max().item<double>(), 1e-6);
  // Off the diagonal: softmax_j of e_i . e_j / sqrt(E) over j != i.
  const auto e = model->roi_embeddings().detach();
  const auto logits = torch::matmul(e, e.t()) / std::sqrt(8.0);
  for (int64_t i = 0; i < 10; ++i) {
    auto row = logits[i].clone();
    row[i] = -1e30;
    EXPECT_LT((torch::softmax(row, 0) - a[i]).abs().max().item<double>(), 1e-6);
  }
}

TEST(BrainMAE, MaskRatioIsUniformUpToMaxPerSample) {
  const int64_t rois = 50, segments = 3, draws = 4000;
  BrainMAE model(tiny(rois));
  const auto [mask, ratio] =
      model->draw_mask(draws, segments, at::make_generator<at::CPUGeneratorImpl>(3));
  const auto fraction = mask.to(torch::kFloat64).mean(at::IntArrayRef{1, 2});  // [draws]
  EXPECT_GE(fraction.min().item<double>(), 0.0);
  EXPECT_LE(fraction.max().item<double>(), 0.8);
  EXPECT_LE(ratio.max().item<double>(), 0.8);
  // Every segment of a sample hides exactly floor(r * R) ROIs.
  const auto per_segment = mask.sum(-1);  // [draws, segments]
  const auto expected =
      torch::floor(ratio.to(torch::kFloat64) * rois).to(torch::kLong).unsqueeze(1);
  EXPECT_TRUE(torch::equal(per_segment, expected.expand_as(per_segment)));
  // U(0, 0.8): mean 0.4 less the floor's 0.5 / R, sd 0.8 / sqrt(12) = 0.231.
  EXPECT_NEAR(fraction.mean().item<double>(), 0.4 - 0.5 / rois, 0.015);
  EXPECT_NEAR(fraction.std().item<double>(), 0.8 / std::sqrt(12.0), 0.015);
  // A quarter of the draws below 0.2, a quarter above 0.6.
  EXPECT_NEAR((fraction < 0.2).to(torch::kFloat64).mean().item<double>(), 0.25 + 0.5 / rois / 0.8,
              0.03);
  EXPECT_NEAR((fraction >= 0.6).to(torch::kFloat64).mean().item<double>(), 0.25 - 0.5 / rois / 0.8,
              0.03);
  // The hidden ROIs differ between segments and cover all ROIs evenly.
  EXPECT_FALSE(torch::equal(mask.select(1, 0), mask.select(1, 1)));
  const auto per_roi = mask.to(torch::kFloat64).mean(at::IntArrayRef{0, 1});
  EXPECT_LT((per_roi - fraction.mean()).abs().max().item<double>(), 0.03);
}

TEST(BrainMAE, MaskedRoisAreInvisibleToTheEncoder) {
  torch::manual_seed(4);
  BrainMAE model(tiny());
  model->eval();
  const auto x = torch::randn({4, 32, 6});
  const auto a = model->pretrain(x, uint64_t{11});
  ASSERT_GT(a.mask.sum().item<int64_t>(), 0);
  // Overwrite exactly the masked ROI-segments: nothing downstream may change.
  const auto m = a.mask.unsqueeze(2).expand({4, 4, 8, 6}).reshape({4, 32, 6});
  const auto x2 = torch::where(m, torch::randn({4, 32, 6}) * 10, x);
  const auto b = model->pretrain(x2, uint64_t{11});
  ASSERT_TRUE(torch::equal(a.mask, b.mask));
  EXPECT_LT((a.reconstruction - b.reconstruction).abs().max().item<double>(), 1e-5);
  // ... while the loss, computed on them, does change.
  EXPECT_GT(std::abs(a.loss.item<double>() - b.loss.item<double>()), 1e-3);
}

TEST(BrainMAE, LossIsMseOverMaskedRoisOnly) {
  torch::manual_seed(5);
  BrainMAE model(tiny());
  const auto x = torch::randn({3, 24, 6});
  const auto out = model->pretrain(x, uint64_t{2});
  const auto target = model->segment(x).transpose(2, 3);  // [B, S, R, L]
  const auto w = out.mask.unsqueeze(-1).to(torch::kFloat32);
  const double want = ((out.reconstruction - target).pow(2) * w).sum().item<double>() /
                      (w.sum().item<double>() * 8);
  EXPECT_NEAR(out.loss.item<double>(), want, 1e-6 * want);
}

TEST(BrainMAE, GradientsReachEncoderAlwaysAndDecoderOnlyInPretraining) {
  torch::manual_seed(6);
  BrainMAE model(tiny());
  const auto x = torch::randn({4, 32, 6});
  model->forward(x).pow(2).sum().backward();
  for (const auto& p : model->named_parameters()) {
    EXPECT_EQ(has_grad(p.value()), !is_decoder(p.key())) << p.key();
  }
  model->zero_grad();
  const auto out = model->pretrain(x, uint64_t{3});
  ASSERT_GT(out.mask.sum().item<int64_t>(), 0);
  out.loss.backward();
  for (const auto& p : model->named_parameters()) {
    EXPECT_EQ(has_grad(p.value()), !is_head(p.key())) << p.key();
  }
}

TEST(BrainMAE, PretrainingLossDecreasesOnSyntheticMixtures) {
  SingleThreaded single_threaded;
  torch::manual_seed(7);
  BrainMAE model(tiny(8));
  const auto x = mixed_sources(16, 64, 8, 1);
  auto eval_loss = [&] {
    torch::NoGradGuard no_grad;
    model->eval();
    const double loss = model->pretrain(x, uint64_t{1000}).loss.item<double>();
    model->train();
    return loss;
  };
  const double before = eval_loss();
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(3e-3));
  for (uint64_t step = 0; step < 40; ++step) {
    opt.zero_grad();
    model->pretrain(x, step).loss.backward();
    opt.step();
  }
  const double after = eval_loss();
  RecordProperty("loss_before", std::to_string(before));
  RecordProperty("loss_after", std::to_string(after));
  EXPECT_LT(after, 0.6 * before) << "before " << before << " after " << after;
}

TEST(BrainMAE, VariableLengthsMatchUnpaddedRuns) {
  torch::manual_seed(8);
  BrainMAE model(tiny());
  model->eval();
  const auto a = torch::randn({1, 40, 6}), b = torch::randn({1, 24, 6});
  // b padded with garbage to 40 time points; its 3 valid segments decide its output.
  const auto batch = torch::cat({a, torch::cat({b, torch::randn({1, 16, 6}) * 100}, 1)}, 0);
  const auto lengths = torch::tensor({40, 27});  // 27 -> floor(27 / 8) = 3 segments
  const auto out = model->forward(batch, lengths);
  EXPECT_LT((out[0] - model->forward(a)[0]).abs().max().item<double>(), 1e-5);
  EXPECT_LT((out[1] - model->forward(b)[0]).abs().max().item<double>(), 1e-5);
  // Pretraining never scores padded segments: the mask there costs nothing.
  const auto p = model->pretrain(batch, uint64_t{5}, lengths);
  const auto pb = model->pretrain(torch::cat({a, torch::cat({b, torch::zeros({1, 16, 6})}, 1)}, 0),
                                  uint64_t{5}, lengths);
  EXPECT_NEAR(p.loss.item<double>(), pb.loss.item<double>(), 1e-5);
}

TEST(BrainMAE, SegmentAttentionIsRecordedPerLayer) {
  torch::manual_seed(9);
  BrainMAE model(tiny());
  model->eval();
  const auto x = torch::randn({2, 40, 6});
  const auto plain = model->encode(x, torch::tensor({40, 16}));
  model->set_record_attention(true);
  const auto recorded = model->encode(x, torch::tensor({40, 16}));
  EXPECT_LT((plain - recorded).abs().max().item<double>(), 1e-5);
  const auto layers = model->segment_attention();
  ASSERT_EQ(layers.size(), 2u);
  for (const auto& w : layers) {
    ASSERT_EQ(w.sizes(), (std::vector<int64_t>{2, 2, 5, 5}));
    EXPECT_LT((w.sum(-1) - 1).abs().max().item<double>(), 1e-5);
    EXPECT_EQ(w[1].narrow(-1, 2, 3).abs().max().item<double>(), 0.0);  // 2 valid segments
  }
}

TEST(BrainMAE, SaveLoadRoundTripGivesIdenticalOutputs) {
  torch::manual_seed(10);
  BrainMAE model(tiny());
  model->eval();
  const auto x = torch::randn({2, 32, 6});
  const std::string path = brainenc::test::scratch_dir() + "/brain_mae.pt";
  torch::save(model, path);
  torch::manual_seed(99);
  BrainMAE loaded(tiny());
  loaded->eval();
  ASSERT_FALSE(torch::equal(model->forward(x), loaded->forward(x)));
  torch::load(loaded, path);
  EXPECT_TRUE(torch::equal(model->forward(x), loaded->forward(x)));
  EXPECT_TRUE(torch::equal(model->pretrain(x, uint64_t{4}).reconstruction,
                           loaded->pretrain(x, uint64_t{4}).reconstruction));
}

TEST(BrainMAE, FineTuningLoadsTheEncoderOnly) {
  torch::manual_seed(11);
  BrainMAE pretrained(tiny());
  torch::manual_seed(12);
  BrainMAE finetune(tiny().n_outputs(1).decoder_dim(4));  // another head and decoder are fine
  const auto head_before = finetune->named_parameters()["head.1.weight"].clone();
  finetune->load_encoder(*pretrained);
  pretrained->eval();
  finetune->eval();
  const auto x = torch::randn({2, 32, 6});
  EXPECT_TRUE(torch::equal(pretrained->encode(x), finetune->encode(x)));
  EXPECT_TRUE(torch::equal(finetune->named_parameters()["head.1.weight"], head_before));
  BrainMAE other(tiny().graph_dim(5));
  EXPECT_THROW(other->load_encoder(*pretrained), brainenc::UsageError);
}

TEST(BrainMAE, Bf16AutocastStepOnCuda) {
  if (!torch::cuda::is_available())
    GTEST_SKIP() << "CUDA not available: bf16 autocast runs on the GPU machine only";
  torch::manual_seed(13);
  BrainMAE model(tiny());
  model->to(torch::kCUDA);
  const auto x = torch::randn({4, 40, 6}, torch::kCUDA);
  const auto lengths = torch::tensor({40, 32, 24, 16});
  torch::Tensor loss, logits;
  {
    AutocastGuard autocast(at::kCUDA, at::kBFloat16);
    auto out = model->pretrain(x, uint64_t{1}, lengths);
    // The same seed draws the same mask on every device.
    const auto cpu_mask = model->draw_mask(4, 5, at::make_generator<at::CPUGeneratorImpl>(1)).first;
    EXPECT_TRUE(torch::equal(out.mask.cpu(), cpu_mask));
    logits = model->forward(x, lengths);
    loss = out.loss + logits.to(torch::kFloat32).pow(2).mean();
  }
  EXPECT_EQ(logits.scalar_type(), torch::kBFloat16);
  loss.backward();
  EXPECT_TRUE(std::isfinite(loss.item<double>()));
  for (const auto& p : model->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_TRUE(torch::isfinite(p.value().grad()).all().item<bool>()) << p.key();
  }
}
