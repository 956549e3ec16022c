// Symmetric matrix functions and the geometric mean of SPD matrices (nilearn 0.10.2 connectome).
#include <gtest/gtest.h>

#include <Eigen/LU>

#include <cmath>

#include "brainenc/io/error.hpp"
#include "brainenc/preprocessing/spd_functions.hpp"

using namespace brainenc;
using namespace brainenc::preprocessing;

namespace {

Eigen::MatrixXd spd(int n, unsigned seed) {
  std::srand(seed);
  const Eigen::MatrixXd a = Eigen::MatrixXd::Random(n, n);
  return a * a.transpose() + 0.5 * Eigen::MatrixXd::Identity(n, n);
}

double diff(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  return (a - b).cwiseAbs().maxCoeff();
}

}  // namespace

TEST(SymmetricFunctions, SqrtLogExpAndInverseSqrtAreConsistent) {
  const Eigen::MatrixXd m = spd(5, 3);
  const Eigen::MatrixXd s = symmetric_sqrt(m);
  EXPECT_LE(diff(s * s, m), 1e-12);
  EXPECT_LE(diff(symmetric_exp(symmetric_log(m)), m), 1e-12);
  const Eigen::MatrixXd w = symmetric_inverse_sqrt(m);
  EXPECT_LE(diff(w * m * w, Eigen::MatrixXd::Identity(5, 5)), 1e-12);
  EXPECT_LE(diff(map_eigenvalues(m, [](double x) { return x * x; }), m * m), 1e-11);
}

TEST(SymmetricFunctions, DiagonalMatricesActElementwise) {
  const Eigen::MatrixXd d = Eigen::Vector3d(1.0, 4.0, 9.0).asDiagonal();
  EXPECT_LE(diff(symmetric_sqrt(d), Eigen::MatrixXd(Eigen::Vector3d(1, 2, 3).asDiagonal())), 1e-15);
  EXPECT_LE(diff(symmetric_log(d),
                 Eigen::MatrixXd(Eigen::Vector3d(0, std::log(4.0), std::log(9.0)).asDiagonal())),
            1e-15);
}

TEST(SymmetricFunctions, NotPositiveDefiniteIsADataErrorNotNaN) {
  Eigen::MatrixXd singular = Eigen::MatrixXd::Identity(3, 3);
  singular(2, 2) = 0.0;
  EXPECT_THROW(symmetric_log(singular), DataError);
  EXPECT_THROW(symmetric_inverse_sqrt(singular), DataError);
  EXPECT_NO_THROW(symmetric_sqrt(singular));
  singular(2, 2) = -1.0;
  EXPECT_THROW(symmetric_sqrt(singular), DataError);
  EXPECT_FALSE(is_spd(singular));
  EXPECT_TRUE(is_spd(spd(4, 1)));
}

TEST(GeometricMean, OfCommutingMatricesIsTheElementwiseGeometricMean) {
  // For diagonal matrices the Riemannian mean is the geometric mean of each diagonal entry.
  const Eigen::MatrixXd a = Eigen::Vector3d(1.0, 2.0, 8.0).asDiagonal();
  const Eigen::MatrixXd b = Eigen::Vector3d(4.0, 8.0, 2.0).asDiagonal();
  const GeometricMean g = geometric_mean({a, b});
  EXPECT_TRUE(g.converged);
  EXPECT_LE(diff(g.mean, Eigen::MatrixXd(Eigen::Vector3d(2.0, 4.0, 4.0).asDiagonal())), 1e-9);
}

TEST(GeometricMean, OfAMatrixAndItsInverseIsTheIdentity) {
  const Eigen::MatrixXd m = spd(4, 7);
  const GeometricMean g = geometric_mean({m, Eigen::MatrixXd(m.inverse())});
  EXPECT_TRUE(g.converged);
  EXPECT_LE(diff(g.mean, Eigen::MatrixXd::Identity(4, 4)), 1e-9);
}

TEST(GeometricMean, OfOneMatrixIsThatMatrixAfterOneStep) {
  const Eigen::MatrixXd m = spd(3, 11);
  const GeometricMean g = geometric_mean({m});
  EXPECT_EQ(g.iterations, 1);  // the gradient at the arithmetic mean is already ~0
  EXPECT_LE(diff(g.mean, m), 1e-12);
}

TEST(GeometricMean, RejectsBadInputNamingTheMatrix) {
  EXPECT_THROW(geometric_mean({}), DataError);
  Eigen::MatrixXd not_spd = -Eigen::MatrixXd::Identity(3, 3);
  try {
    geometric_mean({spd(3, 1), not_spd});
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("matrix 1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(geometric_mean({spd(3, 1), spd(4, 1)}), DataError);
}
