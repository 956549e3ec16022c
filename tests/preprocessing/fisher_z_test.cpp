// Fisher r-to-z with its documented cap.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "brainenc/io/error.hpp"
#include "brainenc/preprocessing/fisher_z.hpp"

using namespace brainenc;
using namespace brainenc::preprocessing;

TEST(FisherZ, CapMakesTheDiagonalFinite) {
  // Source: numpy 1.24.2, np.arctanh(1 - 1e-7) = 8.40562139102231.
  Eigen::MatrixXd r(2, 2);
  r << 1.0, 0.5, 0.5, 1.0;
  const Eigen::MatrixXd z = fisher_z(r);
  EXPECT_NEAR(z(0, 0), 8.40562139102231, 1e-9);
  EXPECT_NEAR(z(1, 1), 8.40562139102231, 1e-9);
  EXPECT_DOUBLE_EQ(z(0, 1), std::atanh(0.5));
  EXPECT_NEAR(z(0, 1), 0.5493061443340549, 1e-15);  // numpy arctanh(0.5)
  EXPECT_NEAR(fisher_z(-r)(0, 0), -8.40562139102231, 1e-9);
}

TEST(FisherZ, ValuesBelowTheCapAreExactAndInvertible) {
  Eigen::MatrixXd r(1, 4);
  r << -0.99, -0.2, 0.0, 0.9999;
  const Eigen::MatrixXd z = fisher_z(r);
  for (Eigen::Index j = 0; j < r.cols(); ++j) EXPECT_DOUBLE_EQ(z(0, j), std::atanh(r(0, j)));
  EXPECT_LE((inverse_fisher_z(z) - r).cwiseAbs().maxCoeff(), 1e-12);
  // Rounding just past 1 is clipped, not an error.
  EXPECT_NEAR(fisher_z(Eigen::MatrixXd::Constant(1, 1, 1.0 + 1e-15))(0, 0), 8.40562139102231, 1e-9);
}

TEST(FisherZ, NonCorrelationsAreDataErrors) {
  EXPECT_THROW(fisher_z(Eigen::MatrixXd::Constant(1, 1, 1.5)), DataError);
  EXPECT_THROW(fisher_z(Eigen::MatrixXd::Constant(1, 1, std::nan(""))), DataError);
}
