// Reference LAPACK dgesv (dgetrf2 + dgetrs) replicated loop for loop; see lapack_lu.hpp.
#include "lapack_lu.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "brainenc/io/error.hpp"

namespace brainenc::preprocessing::detail {

namespace {

// Column-major view with a leading dimension, as the Fortran routines see their blocks.
struct View {
  double* data;
  Eigen::Index lda;
  double& operator()(Eigen::Index i, Eigen::Index j) const { return data[i + j * lda]; }
  View block(Eigen::Index i, Eigen::Index j) const { return {&(*this)(i, j), lda}; }
};

// dlaswp: row interchanges k1..k2 (inclusive, 0-based pivots) applied to n columns.
void laswp(Eigen::Index n, View a, Eigen::Index k1, Eigen::Index k2, const Eigen::Index* ipiv) {
  for (Eigen::Index i = k1; i <= k2; ++i) {
    const Eigen::Index p = ipiv[i];
    if (p == i) continue;
    for (Eigen::Index j = 0; j < n; ++j) std::swap(a(i, j), a(p, j));
  }
}

// dtrsm('L', 'L', 'N', 'U'): b (m x n) := L^-1 b, L unit lower triangular.
void trsm_lower_unit(Eigen::Index m, Eigen::Index n, View l, View b) {
  for (Eigen::Index j = 0; j < n; ++j) {
    for (Eigen::Index k = 0; k < m; ++k) {
      if (b(k, j) == 0.0) continue;
      for (Eigen::Index i = k + 1; i < m; ++i) b(i, j) = b(i, j) - b(k, j) * l(i, k);
    }
  }
}

// dtrsm('L', 'U', 'N', 'N'): b (m x n) := U^-1 b.
void trsm_upper(Eigen::Index m, Eigen::Index n, View u, View b) {
  for (Eigen::Index j = 0; j < n; ++j) {
    for (Eigen::Index k = m - 1; k >= 0; --k) {
      if (b(k, j) == 0.0) continue;
      b(k, j) = b(k, j) / u(k, k);
      for (Eigen::Index i = 0; i < k; ++i) b(i, j) = b(i, j) - b(k, j) * u(i, k);
    }
  }
}

// dgemm('N', 'N') with alpha = -1, beta = 1: c (m x n) -= a (m x k) b (k x n).
void gemm_minus(Eigen::Index m, Eigen::Index n, Eigen::Index k, View a, View b, View c) {
  for (Eigen::Index j = 0; j < n; ++j) {
    for (Eigen::Index l = 0; l < k; ++l) {
      const double temp = -b(l, j);
      for (Eigen::Index i = 0; i < m; ++i) c(i, j) = c(i, j) + temp * a(i, l);
    }
  }
}

[[noreturn]] void singular() { throw DataError("linear solve: the matrix is singular"); }

// dgetrf2: recursive LU of the m x n block, pivots 0-based relative to the block.
void getrf2(Eigen::Index m, Eigen::Index n, View a, Eigen::Index* ipiv) {
  if (m == 1) {
    ipiv[0] = 0;
    if (a(0, 0) == 0.0) singular();
    return;
  }
  if (n == 1) {
    Eigen::Index p = 0;
    double best = std::abs(a(0, 0));
    for (Eigen::Index i = 1; i < m; ++i) {
      if (std::abs(a(i, 0)) > best) {
        best = std::abs(a(i, 0));
        p = i;
      }
    }
    ipiv[0] = p;
    if (a(p, 0) == 0.0) singular();
    if (p != 0) std::swap(a(0, 0), a(p, 0));
    if (std::abs(a(0, 0)) >= std::numeric_limits<double>::min()) {
      const double reciprocal = 1.0 / a(0, 0);
      for (Eigen::Index i = 1; i < m; ++i) a(i, 0) *= reciprocal;
    } else {
      for (Eigen::Index i = 1; i < m; ++i) a(i, 0) = a(i, 0) / a(0, 0);
    }
    return;
  }
  const Eigen::Index n1 = std::min(m, n) / 2;
  const Eigen::Index n2 = n - n1;
  getrf2(m, n1, a, ipiv);
  laswp(n2, a.block(0, n1), 0, n1 - 1, ipiv);
  trsm_lower_unit(n1, n2, a, a.block(0, n1));
  gemm_minus(m - n1, n2, n1, a.block(n1, 0), a.block(0, n1), a.block(n1, n1));
  getrf2(m - n1, n2, a.block(n1, n1), ipiv + n1);
  for (Eigen::Index i = n1; i < std::min(m, n); ++i) ipiv[i] += n1;
  laswp(n1, a, n1, std::min(m, n) - 1, ipiv);
}

}  // namespace

Eigen::MatrixXd lapack_solve(Eigen::MatrixXd a, Eigen::MatrixXd b) {
  const Eigen::Index n = a.rows();
  if (a.cols() != n || b.rows() != n) throw DataError("linear solve: shapes do not agree");
  if (n == 0) return b;
  std::vector<Eigen::Index> ipiv(static_cast<std::size_t>(n));
  const View lu{a.data(), a.outerStride()};
  getrf2(n, n, lu, ipiv.data());
  const View rhs{b.data(), b.outerStride()};
  laswp(b.cols(), rhs, 0, n - 1, ipiv.data());
  trsm_lower_unit(n, b.cols(), lu, rhs);
  trsm_upper(n, b.cols(), lu, rhs);
  return b;
}

}  // namespace brainenc::preprocessing::detail
