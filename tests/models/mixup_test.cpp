#include <gtest/gtest.h>

#include <vector>

#include "brainenc/io/error.hpp"
#include "brainenc/models/mixup.hpp"

using namespace brainenc::models;

namespace {
// Mean and variance of n draws of Beta(alpha, alpha).
std::pair<double, double> moments(double alpha, int n) {
  std::vector<double> draws;
  for (int i = 0; i < n; ++i) draws.push_back(sample_beta(alpha));
  double mean = 0, var = 0;
  for (double v : draws) {
    EXPECT_GE(v, 0.0);
    EXPECT_LE(v, 1.0);
    mean += v / n;
  }
  for (double v : draws) var += (v - mean) * (v - mean) / (n - 1);
  return {mean, var};
}
}  // namespace

// Beta(a, a) has mean 1/2 and variance 1 / (4 (2a + 1)): 1/12 for a = 1 (uniform), 0.1786 for
// a = 0.2 (mass near 0 and 1), 0.0227 for a = 5. Standard errors at n = 4000 are ~0.005.
TEST(Mixup, BetaDrawsHaveTheBetaMoments) {
  torch::manual_seed(0);
  for (const double alpha : {1.0, 0.2, 5.0}) {
    const auto [mean, var] = moments(alpha, 4000);
    EXPECT_NEAR(mean, 0.5, 0.02) << alpha;
    EXPECT_NEAR(var, 1.0 / (4.0 * (2.0 * alpha + 1.0)), 0.01) << alpha;
  }
}

TEST(Mixup, DrawsFollowTheSeedOfTorchsGenerator) {
  torch::manual_seed(42);
  const double a = sample_beta(1.0);
  torch::manual_seed(42);
  EXPECT_EQ(sample_beta(1.0), a);
  EXPECT_NE(sample_beta(1.0), a);
  EXPECT_THROW(sample_beta(0.0), brainenc::UsageError);
}
