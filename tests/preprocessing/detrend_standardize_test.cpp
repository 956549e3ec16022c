// nilearn 0.10.2 signal._detrend and signal._standardize (reference README quirks 5 and 6).
#include <gtest/gtest.h>

#include <Eigen/QR>

#include <cmath>

#include "brainenc/io/error.hpp"
#include "brainenc/preprocessing/detrend.hpp"
#include "brainenc/preprocessing/standardize.hpp"

using namespace brainenc;
using namespace brainenc::preprocessing;

namespace {

Eigen::MatrixXd pseudo_random(Eigen::Index n, Eigen::Index cols) {
  Eigen::MatrixXd x(n, cols);
  for (Eigen::Index j = 0; j < cols; ++j) {
    for (Eigen::Index i = 0; i < n; ++i) {
      x(i, j) = std::sin(1.3 * static_cast<double>(i) + static_cast<double>(j)) * 10.0 +
                std::cos(0.07 * static_cast<double>(i * i)) + 100.0 * static_cast<double>(j);
    }
  }
  return x;
}

}  // namespace

TEST(Detrend, ExactLineBecomesZero) {
  Eigen::MatrixXd x(40, 3);
  for (Eigen::Index i = 0; i < 40; ++i) {
    const double t = static_cast<double>(i);
    x(i, 0) = 3.0 + 0.5 * t;
    x(i, 1) = -7.25 - 2.0 * t;
    x(i, 2) = 1234.5;  // a constant
  }
  EXPECT_LE(detrend(x).cwiseAbs().maxCoeff(), 1e-11);
}

// The same as least squares on [1, t] (scipy.signal.detrend's definition).
TEST(Detrend, EqualsLeastSquaresResidual) {
  const Eigen::MatrixXd x = pseudo_random(57, 4);
  Eigen::MatrixXd design(57, 2);
  for (Eigen::Index i = 0; i < 57; ++i) design.row(i) << 1.0, static_cast<double>(i);
  const Eigen::MatrixXd residual = x - design * design.colPivHouseholderQr().solve(x);
  EXPECT_LE((detrend(x) - residual).cwiseAbs().maxCoeff(), 1e-10);
}

TEST(Detrend, SingleTimePointIsUnchanged) {
  Eigen::MatrixXd x(1, 3);
  x << 1.0, 2.0, 3.0;
  EXPECT_EQ(detrend(x), x);
}

TEST(Standardize, ZScoreUsesThePopulationStd) {
  const Eigen::MatrixXd z = standardize(pseudo_random(30, 3), Standardize::ZScore);
  for (Eigen::Index j = 0; j < 3; ++j) {
    EXPECT_NEAR(z.col(j).mean(), 0.0, 1e-12);
    EXPECT_NEAR(z.col(j).squaredNorm() / 30.0, 1.0, 1e-12);
  }
}

TEST(Standardize, ZScoreSampleUsesDdofOne) {
  const Eigen::MatrixXd z = standardize(pseudo_random(30, 3), Standardize::ZScoreSample);
  for (Eigen::Index j = 0; j < 3; ++j) {
    EXPECT_NEAR(z.col(j).mean(), 0.0, 1e-12);
    EXPECT_NEAR(z.col(j).squaredNorm() / 29.0, 1.0, 1e-12);
  }
}

// std < eps counts as 1: a constant column is only centred (zeros), never NaN.
TEST(Standardize, ConstantColumnBecomesZero) {
  const Eigen::MatrixXd x = Eigen::MatrixXd::Constant(10, 2, 4.5);
  EXPECT_EQ(standardize(x, Standardize::ZScore), Eigen::MatrixXd::Zero(10, 2));
  EXPECT_EQ(standardize(x, Standardize::ZScoreSample), Eigen::MatrixXd::Zero(10, 2));
}

// (x - mean) / |mean| * 100; a column with |mean| < eps becomes 0.
TEST(Standardize, PercentSignalChange) {
  Eigen::MatrixXd x(3, 3);
  x << 1.0, -2.0, -1.0,  //
      2.0, -4.0, 0.0,    //
      3.0, -6.0, 1.0;
  Eigen::MatrixXd want(3, 3);
  want << -50.0, 50.0, 0.0,  //
      0.0, 0.0, 0.0,         //
      50.0, -50.0, 0.0;
  EXPECT_LE((standardize(x, Standardize::Psc) - want).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(Standardize, NoneAndSingleRowAreUnchanged) {
  const Eigen::MatrixXd x = pseudo_random(5, 2);
  EXPECT_EQ(standardize(x, Standardize::None), x);
  const Eigen::MatrixXd row = x.topRows(1);
  EXPECT_EQ(standardize(row, Standardize::ZScore), row);
}

TEST(Standardize, ParsesNilearnNames) {
  EXPECT_EQ(parse_standardize("zscore"), Standardize::ZScore);
  EXPECT_EQ(parse_standardize("true"), Standardize::ZScore);
  EXPECT_EQ(parse_standardize("zscore_sample"), Standardize::ZScoreSample);
  EXPECT_EQ(parse_standardize("psc"), Standardize::Psc);
  EXPECT_EQ(parse_standardize("none"), Standardize::None);
  EXPECT_EQ(to_string(Standardize::ZScoreSample), "zscore_sample");
  try {
    parse_standardize("robust");
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--standardize: unknown strategy 'robust'"),
              std::string::npos);
  }
}
