#include <gtest/gtest.h>

#include <cmath>

#include "brainenc/io/error.hpp"
#include "brainenc/models/transformer_block.hpp"

using namespace brainenc::models;

TEST(TransformerBlock, ShapeAndPaddedKeysAreIgnored) {
  torch::manual_seed(1);
  TransformerBlock block(TransformerBlockOptions(8, 2).ff_dim(16));
  block->eval();
  auto x = torch::randn({2, 5, 8});
  const auto key_mask = torch::tensor({1, 1, 1, 0, 0}, torch::kBool).unsqueeze(0).expand({2, 5});
  const auto y = block(x, key_mask);
  ASSERT_EQ(y.sizes(), x.sizes());
  auto x2 = x.clone();
  x2.narrow(1, 3, 2).normal_();  // change only the padded tokens
  const auto y2 = block(x2, key_mask);
  EXPECT_LT((y.narrow(1, 0, 3) - y2.narrow(1, 0, 3)).abs().max().item<double>(), 1e-6);
  EXPECT_GT((y.narrow(1, 3, 2) - y2.narrow(1, 3, 2)).abs().max().item<double>(), 1e-3);
}

TEST(TransformerBlock, RecordedAttentionMatchesFusedPathAndIsMasked) {
  torch::manual_seed(2);
  TransformerBlock block(TransformerBlockOptions(8, 2));
  block->eval();
  const auto x = torch::randn({3, 6, 8});
  const auto key_mask = torch::arange(6).unsqueeze(0) < torch::tensor({6, 4, 1}).unsqueeze(1);
  const auto fused = block(x, key_mask);
  block->set_record_attention(true);
  const auto recorded = block(x, key_mask);
  EXPECT_LT((fused - recorded).abs().max().item<double>(), 1e-5);
  const auto& w = block->last_attention();
  ASSERT_EQ(w.sizes(), (std::vector<int64_t>{3, 2, 6, 6}));
  EXPECT_LT((w.sum(-1) - 1).abs().max().item<double>(), 1e-5);
  EXPECT_EQ(w[1].narrow(-1, 4, 2).abs().max().item<double>(), 0.0);
  EXPECT_NEAR(w[2].select(-1, 0).min().item<double>(), 1.0, 1e-6);  // one valid key takes it all
}

TEST(TransformerBlock, RejectsHeadsThatDoNotDivideWidth) {
  EXPECT_THROW(TransformerBlock(TransformerBlockOptions(10, 4)), brainenc::UsageError);
}

TEST(SinusoidalPositions, MatchesVaswaniFormula) {
  const auto pe = sinusoidal_positions(7, 6, torch::kCPU);
  ASSERT_EQ(pe.sizes(), (std::vector<int64_t>{7, 6}));
  for (int64_t p = 0; p < 7; ++p) {
    for (int64_t i = 0; i < 3; ++i) {
      const double angle = p / std::pow(10000.0, 2.0 * i / 6.0);
      EXPECT_NEAR(pe[p][2 * i].item<double>(), std::sin(angle), 1e-5);
      EXPECT_NEAR(pe[p][2 * i + 1].item<double>(), std::cos(angle), 1e-5);
    }
  }
  EXPECT_EQ(sinusoidal_positions(3, 5, torch::kCPU).size(1), 5);  // odd widths work
}

// The post-LN block is torch.nn.TransformerEncoderLayer's default layer (the Brain Network
// Transformer's): same weights, same output.
TEST(TransformerBlock, PostNormMatchesTorchTransformerEncoderLayer) {
  torch::manual_seed(3);
  const int64_t d = 8, heads = 2, ff = 16;
  TransformerBlock block(TransformerBlockOptions(d, heads).ff_dim(ff).norm_first(false));
  torch::nn::TransformerEncoderLayer reference(
      torch::nn::TransformerEncoderLayerOptions(d, heads).dim_feedforward(ff).dropout(0.0));
  block->eval();
  reference->eval();
  {
    torch::NoGradGuard no_grad;
    const auto ours = block->named_parameters();
    const auto theirs = reference->named_parameters();
    const std::vector<std::pair<const char*, const char*>> pairs = {
        {"qkv.weight", "self_attn.in_proj_weight"},
        {"qkv.bias", "self_attn.in_proj_bias"},
        {"out.weight", "self_attn.out_proj.weight"},
        {"out.bias", "self_attn.out_proj.bias"},
        {"ff1.weight", "linear1.weight"},
        {"ff1.bias", "linear1.bias"},
        {"ff2.weight", "linear2.weight"},
        {"ff2.bias", "linear2.bias"},
        {"norm1.weight", "norm1.weight"},
        {"norm1.bias", "norm1.bias"},
        {"norm2.weight", "norm2.weight"},
        {"norm2.bias", "norm2.bias"}};
    for (const auto& [mine, torch_name] : pairs) {
      auto& target = theirs[torch_name];
      target.copy_(ours[mine] + 0.1 * torch::randn_like(ours[mine]));  // non-trivial norms too
      ours[mine].copy_(target);
    }
  }
  const auto x = torch::randn({3, 5, d});
  const auto expected = reference->forward(x.transpose(0, 1)).transpose(0, 1);  // [L, B, d] API
  EXPECT_LT((block(x) - expected).abs().max().item<double>(), 1e-5);
  TransformerBlock pre(TransformerBlockOptions(d, heads).ff_dim(ff));
  EXPECT_GT((pre(x) - expected).abs().max().item<double>(), 1e-2);
}
