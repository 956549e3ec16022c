// Empirical and Ledoit-Wolf covariance (scikit-learn 1.2.1 semantics).
#include <gtest/gtest.h>

#include "brainenc/io/error.hpp"
#include "brainenc/preprocessing/covariance_estimators.hpp"

using namespace brainenc;
using namespace brainenc::preprocessing;

namespace {

// 5 samples x 3 regions.
Eigen::MatrixXd small_series() {
  Eigen::MatrixXd x(5, 3);
  x << 1.0, 2.0, 0.5,  //
      2.0, 1.0, -1.0,  //
      0.0, 3.0, 2.0,   //
      4.0, -1.0, 1.5,  //
      3.0, 0.0, -0.5;
  return x;
}

Eigen::MatrixXd row_major_3x3(std::initializer_list<double> v) {
  Eigen::MatrixXd m(3, 3);
  auto it = v.begin();
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) m(i, j) = *it++;
  return m;
}

}  // namespace

TEST(LedoitWolf, MatchesScikitLearn) {
  // Source: scikit-learn 1.2.1 (Debian python3-sklearn 1.2.1+dfsg-1),
  //   LedoitWolf(store_precision=False).fit(X) on small_series():
  //   shrinkage_ = 0.501747211895911, covariance_ as below.
  const CovarianceFit fit = ledoit_wolf(small_series());
  EXPECT_NEAR(fit.shrinkage, 0.501747211895911, 1e-14);
  const Eigen::MatrixXd want =
      row_major_3x3({1.8829256505576208, -0.996505576208178, -0.19930111524163563,  //
                     -0.996505576208178, 1.8829256505576208, 0.19930111524163563,   //
                     -0.19930111524163563, 0.19930111524163563, 1.5341486988847586});
  EXPECT_LE((fit.covariance - want).cwiseAbs().maxCoeff(), 1e-14);
  EXPECT_NEAR(fit.location(0), 2.0, 1e-15);
  EXPECT_NEAR(ledoit_wolf_shrinkage(small_series()), 0.501747211895911, 1e-14);
}

TEST(LedoitWolf, AssumeCenteredClampsShrinkageAtOne) {
  // Source: scikit-learn 1.2.1, ledoit_wolf_shrinkage(X, assume_centered=True) = 1.0 and
  // LedoitWolf(assume_centered=True).fit(X).covariance_ = 3.516666666666667 * I: beta exceeds
  // delta, and min(beta, delta) / delta = 1.
  EXPECT_DOUBLE_EQ(ledoit_wolf_shrinkage(small_series(), true), 1.0);
  const CovarianceFit fit = ledoit_wolf(small_series(), true);
  EXPECT_DOUBLE_EQ(fit.shrinkage, 1.0);
  EXPECT_LE(
      (fit.covariance - 3.516666666666667 * Eigen::MatrixXd::Identity(3, 3)).cwiseAbs().maxCoeff(),
      1e-14);
  EXPECT_TRUE(fit.location.isZero());
}

TEST(EmpiricalCovariance, MatchesScikitLearn) {
  // Source: scikit-learn 1.2.1, EmpiricalCovariance().fit(X).covariance_ (bias=1).
  const Eigen::MatrixXd want = row_major_3x3({2.0, -2.0, -0.4, -2.0, 2.0, 0.4, -0.4, 0.4, 1.3});
  EXPECT_LE((empirical_covariance(small_series()).covariance - want).cwiseAbs().maxCoeff(), 1e-14);
  EXPECT_DOUBLE_EQ(empirical_covariance(small_series()).shrinkage, 0.0);
}

TEST(LedoitWolf, OneRegionIsNotShrunk) {
  Eigen::MatrixXd x(4, 1);
  x << 1, 2, 3, 6;
  const CovarianceFit fit = ledoit_wolf(x);
  EXPECT_EQ(fit.shrinkage, 0.0);
  EXPECT_DOUBLE_EQ(fit.covariance(0, 0), 3.5);  // mean 3, squares 4+1+0+9 over 4
}

TEST(ZeroVariance, RegionsAreFoundExactly) {
  Eigen::MatrixXd x = small_series();
  x.col(1).setZero();
  x.col(2).setConstant(1234.5678);
  EXPECT_EQ(zero_variance_regions(x), (std::vector<Eigen::Index>{1, 2}));
  x(4, 2) += 1e-9;
  EXPECT_EQ(zero_variance_regions(x), (std::vector<Eigen::Index>{1}));
}

TEST(ZeroVariance, ConstantColumnsGiveExactlyZeroCovariances) {
  Eigen::MatrixXd x = small_series();
  x.col(2).setConstant(0.1);  // 0.1 is not exact: x - mean(x) would leave a residue
  for (const bool lw : {false, true}) {
    const CovarianceFit fit = lw ? ledoit_wolf(x) : empirical_covariance(x);
    EXPECT_TRUE(fit.covariance.row(2).head(2).isZero(0.0)) << (lw ? "ledoit-wolf" : "empirical");
    EXPECT_TRUE(fit.covariance.col(2).head(2).isZero(0.0));
    if (lw) {
      EXPECT_GT(fit.covariance(2, 2), 0.0);  // the shrinkage target keeps it positive
    } else {
      EXPECT_EQ(fit.covariance(2, 2), 0.0);
    }
  }
}

TEST(LedoitWolf, AllConstantDataHasZeroShrinkageAndNoNaN) {
  const Eigen::MatrixXd x = Eigen::MatrixXd::Constant(6, 3, 2.0);
  const CovarianceFit fit = ledoit_wolf(x);
  EXPECT_EQ(fit.shrinkage, 0.0);
  EXPECT_TRUE(fit.covariance.isZero(0.0));
}

TEST(CovarianceEstimators, EmptyInputIsADataError) {
  EXPECT_THROW(ledoit_wolf(Eigen::MatrixXd(0, 3)), DataError);
  EXPECT_THROW(empirical_covariance(Eigen::MatrixXd(4, 0)), DataError);
}
