#include "brainenc/preprocessing/vectorize.hpp"

#include <cmath>
#include <string>

#include "brainenc/io/error.hpp"

namespace brainenc::preprocessing {

namespace {

using Eigen::Index;

// n such that n(n+1)/2 == length, or -1.
Index side_from_triangle(Index length) {
  const Index n = static_cast<Index>(
      std::llround((std::sqrt(8.0 * static_cast<double>(length) + 1.0) - 1.0) / 2.0));
  return n * (n + 1) / 2 == length ? n : -1;
}

}  // namespace

Eigen::VectorXd sym_matrix_to_vec(const Eigen::MatrixXd& symmetric, bool discard_diagonal) {
  const Index n = symmetric.rows();
  if (symmetric.cols() != n)
    throw DataError("sym_matrix_to_vec: expected a square matrix, got " + std::to_string(n) +
                    " x " + std::to_string(symmetric.cols()));
  Eigen::VectorXd vec(discard_diagonal ? n * (n - 1) / 2 : n * (n + 1) / 2);
  const double sqrt2 = std::sqrt(2.0);
  Index k = 0;
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j < i; ++j) vec(k++) = symmetric(i, j);
    if (!discard_diagonal) vec(k++) = symmetric(i, i) / sqrt2;
  }
  return vec;
}

Eigen::MatrixXd sym_matrices_to_rows(const std::vector<Eigen::MatrixXd>& matrices,
                                     bool discard_diagonal) {
  if (matrices.empty()) return {};
  const Index n = matrices[0].rows();
  Eigen::MatrixXd rows(static_cast<Index>(matrices.size()),
                       discard_diagonal ? n * (n - 1) / 2 : n * (n + 1) / 2);
  for (std::size_t s = 0; s < matrices.size(); ++s) {
    if (matrices[s].rows() != n || matrices[s].cols() != n)
      throw DataError("sym_matrices_to_rows: matrix " + std::to_string(s) + " is " +
                      std::to_string(matrices[s].rows()) + " x " +
                      std::to_string(matrices[s].cols()) + ", matrix 0 is " + std::to_string(n) +
                      " x " + std::to_string(n));
    rows.row(static_cast<Index>(s)) = sym_matrix_to_vec(matrices[s], discard_diagonal).transpose();
  }
  return rows;
}

Eigen::MatrixXd vec_to_sym_matrix(const Eigen::VectorXd& vec) {
  const Index n = side_from_triangle(vec.size());
  if (n < 0)
    throw DataError("vec_to_sym_matrix: a vector of length " + std::to_string(vec.size()) +
                    " is not the lower triangle (with diagonal) of a symmetric matrix");
  Eigen::MatrixXd m(n, n);
  const double sqrt2 = std::sqrt(2.0);
  Index k = 0;
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j < i; ++j) m(i, j) = m(j, i) = vec(k++);
    m(i, i) = vec(k++) * sqrt2;
  }
  return m;
}

Eigen::MatrixXd vec_to_sym_matrix(const Eigen::VectorXd& vec, const Eigen::VectorXd& diagonal) {
  const Index n = diagonal.size();
  if (n * (n - 1) / 2 != vec.size())
    throw DataError("vec_to_sym_matrix: a vector of length " + std::to_string(vec.size()) +
                    " does not fit a diagonal of length " + std::to_string(n) + " (expected " +
                    std::to_string(n * (n - 1) / 2) + " off-diagonal values)");
  Eigen::MatrixXd m(n, n);
  const double sqrt2 = std::sqrt(2.0);
  Index k = 0;
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j < i; ++j) m(i, j) = m(j, i) = vec(k++);
    m(i, i) = diagonal(i) * sqrt2;
  }
  return m;
}

}  // namespace brainenc::preprocessing
