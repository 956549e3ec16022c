// Sliding-window connectivity.
#include <gtest/gtest.h>

#include "brainenc/io/error.hpp"
#include "brainenc/preprocessing/dynamic_fc.hpp"

using namespace brainenc;
using namespace brainenc::preprocessing;

namespace {
Eigen::MatrixXd series(Eigen::Index t, Eigen::Index n, unsigned seed) {
  std::srand(seed);
  return Eigen::MatrixXd::Random(t, n);
}

// Pearson correlation written out, independent of the library.
Eigen::MatrixXd pearson(const Eigen::MatrixXd& x) {
  const Eigen::MatrixXd c = x.rowwise() - x.colwise().mean();
  const Eigen::MatrixXd cov = c.transpose() * c;
  const Eigen::VectorXd s = cov.diagonal().cwiseSqrt().cwiseInverse();
  return s.asDiagonal() * cov * s.asDiagonal();
}
}  // namespace

TEST(SlidingWindow, WindowCount) {
  EXPECT_EQ(sliding_window_count(100, 30, 10), 8);  // starts 0, 10, ..., 70
  EXPECT_EQ(sliding_window_count(100, 30, 1), 71);
  EXPECT_EQ(sliding_window_count(30, 30, 5), 1);
  EXPECT_EQ(sliding_window_count(29, 30, 5), 0);
}

TEST(SlidingWindow, WindowsEqualStaticConnectivityOfTheirSamples) {
  const Eigen::MatrixXd x = series(100, 5, 3);
  SlidingWindowOptions o;
  o.window = 30;
  o.step = 10;
  const SlidingWindowConnectivity d = sliding_window_connectivity(x, o);
  ASSERT_EQ(d.matrices.size(), 8u);
  EXPECT_EQ(d.starts, (std::vector<Eigen::Index>{0, 10, 20, 30, 40, 50, 60, 70}));
  // Default: Pearson correlation of the window.
  EXPECT_LE((d.matrices[0] - pearson(x.topRows(30))).cwiseAbs().maxCoeff(), 1e-13);
  EXPECT_LE((d.matrices[7] - pearson(x.middleRows(70, 30))).cwiseAbs().maxCoeff(), 1e-13);
  EXPECT_EQ(d.matrices[0], connectivity_matrix(x.topRows(30), o.connectivity));
  // Any non-tangent kind and estimator.
  o.connectivity.kind = ConnectivityKind::PartialCorrelation;
  o.connectivity.estimator = CovarianceEstimator::LedoitWolf;
  const SlidingWindowConnectivity p = sliding_window_connectivity(x, o);
  EXPECT_EQ(p.matrices[2], connectivity_matrix(x.middleRows(20, 30), o.connectivity));
}

TEST(SlidingWindow, ConstantRegionWithinAWindowIsReportedPerWindow) {
  Eigen::MatrixXd x = series(40, 3, 9);
  x.block(0, 1, 20, 1).setZero();  // region 1 silent during the first 20 samples
  SlidingWindowOptions o;
  o.window = 20;
  o.step = 20;
  const SlidingWindowConnectivity d = sliding_window_connectivity(x, o);
  ASSERT_EQ(d.matrices.size(), 2u);
  EXPECT_EQ(d.zero_variance[0], (std::vector<Eigen::Index>{1}));
  EXPECT_TRUE(d.zero_variance[1].empty());
  EXPECT_TRUE(d.matrices[0].allFinite());
  EXPECT_EQ(d.matrices[0](1, 1), 1.0);
  EXPECT_EQ(d.matrices[0](0, 1), 0.0);
}

TEST(SlidingWindow, BadOptionsAreUsageErrors) {
  const Eigen::MatrixXd x = series(20, 3, 1);
  SlidingWindowOptions o;
  o.window = 1;
  EXPECT_THROW(sliding_window_connectivity(x, o), UsageError);
  o.window = 21;
  EXPECT_THROW(sliding_window_connectivity(x, o), UsageError);
  o.window = 10;
  o.step = 0;
  EXPECT_THROW(sliding_window_connectivity(x, o), UsageError);
  o.step = 1;
  o.connectivity.kind = ConnectivityKind::Tangent;
  EXPECT_THROW(sliding_window_connectivity(x, o), UsageError);
}
