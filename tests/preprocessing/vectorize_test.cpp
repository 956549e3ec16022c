// sym_matrix_to_vec / vec_to_sym_matrix (nilearn 0.10.2, README quirk 10).
#include <gtest/gtest.h>

#include <cmath>

#include "brainenc/io/error.hpp"
#include "brainenc/preprocessing/vectorize.hpp"

using namespace brainenc;
using namespace brainenc::preprocessing;

namespace {
Eigen::MatrixXd symmetric3() {
  Eigen::MatrixXd m(3, 3);
  m << 1, 2, 4,  //
      2, 3, 5,   //
      4, 5, 6;
  return m;
}
}  // namespace

TEST(Vectorize, LowerTriangleRowMajorWithDiagonalOverSqrt2) {
  const double r = std::sqrt(2.0);
  Eigen::VectorXd want(6);
  want << 1 / r, 2, 3 / r, 4, 5, 6 / r;
  EXPECT_LE((sym_matrix_to_vec(symmetric3()) - want).cwiseAbs().maxCoeff(), 1e-15);
}

TEST(Vectorize, DiscardDiagonalScalesNothing) {
  EXPECT_EQ(sym_matrix_to_vec(symmetric3(), true), Eigen::Vector3d(2, 4, 5));
}

TEST(Vectorize, RoundTrips) {
  std::srand(5);
  const Eigen::MatrixXd a = Eigen::MatrixXd::Random(7, 7);
  const Eigen::MatrixXd m = a + a.transpose();
  EXPECT_LE((vec_to_sym_matrix(sym_matrix_to_vec(m)) - m).cwiseAbs().maxCoeff(), 1e-15);
  const Eigen::VectorXd diagonal = m.diagonal() / std::sqrt(2.0);
  EXPECT_LE((vec_to_sym_matrix(sym_matrix_to_vec(m, true), diagonal) - m).cwiseAbs().maxCoeff(),
            1e-15);
  // The norm is preserved up to the factor sqrt(2).
  EXPECT_NEAR(sym_matrix_to_vec(m).norm(), m.norm() / std::sqrt(2.0), 1e-12);
}

TEST(Vectorize, RowsPerSubject) {
  const Eigen::MatrixXd rows = sym_matrices_to_rows({symmetric3(), 2 * symmetric3()}, true);
  ASSERT_EQ(rows.rows(), 2);
  ASSERT_EQ(rows.cols(), 3);
  EXPECT_EQ(rows.row(1), Eigen::RowVector3d(4, 8, 10));
}

TEST(Vectorize, BadShapesAreDataErrors) {
  EXPECT_THROW(sym_matrix_to_vec(Eigen::MatrixXd::Zero(2, 3)), DataError);
  EXPECT_THROW(vec_to_sym_matrix(Eigen::VectorXd::Zero(5)), DataError);
  EXPECT_THROW(vec_to_sym_matrix(Eigen::VectorXd::Zero(4), Eigen::VectorXd::Zero(3)), DataError);
  EXPECT_THROW(sym_matrices_to_rows({symmetric3(), Eigen::MatrixXd::Zero(2, 2)}), DataError);
}
