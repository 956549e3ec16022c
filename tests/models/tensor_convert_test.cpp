#include <gtest/gtest.h>

#include "brainenc/models/compat.hpp"
#include "brainenc/models/tensor_convert.hpp"

using namespace brainenc::models;

TEST(TensorConvert, RoundTripKeepsLayout) {
  Eigen::MatrixXd m(2, 3);
  m << 1, 2, 3, 4, 5, 6;
  const torch::Tensor t = to_tensor(m, torch::kFloat64);
  ASSERT_EQ(t.size(0), 2);
  ASSERT_EQ(t.size(1), 3);
  EXPECT_DOUBLE_EQ(t[0][2].item<double>(), 3.0);
  EXPECT_DOUBLE_EQ(t[1][0].item<double>(), 4.0);
  EXPECT_EQ(to_matrix(t), m);
}

TEST(Compat, AttentionMatchesExplicitSoftmax) {
  torch::manual_seed(0);
  const auto q = torch::randn({2, 3, 5, 4}), k = torch::randn({2, 3, 6, 4}),
             v = torch::randn({2, 3, 6, 4});
  const auto mask = torch::rand({2, 1, 5, 6}) > 0.3;
  // Every query row must attend somewhere.
  const auto safe_mask = mask.logical_or(torch::arange(6).eq(0).view({1, 1, 1, 6}));
  const auto got = scaled_dot_product_attention(q, k, v, safe_mask);
  const auto scores = torch::matmul(q, k.transpose(-2, -1)) / 2.0;
  const auto want =
      torch::matmul(torch::softmax(scores.masked_fill(safe_mask.logical_not(), -1e30), -1), v);
  EXPECT_LT((got - want).abs().max().item<double>(), 1e-5);
}
