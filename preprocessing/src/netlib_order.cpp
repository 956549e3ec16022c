#include "netlib_order.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

// Parity with numpy/scipy depends on unfused multiply-adds (see netlib_order.hpp). GCC keeps
// -ffp-contract=off under -std=c++17; clang contracts by default, so turn it off here.
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

namespace brainenc::preprocessing::detail {
namespace {

constexpr int kN = 4;

// Column-major 4x4 working copy, A(i, j) = a[i + 4 j], as LAPACK sees the matrix (scipy and
// numpy hand LAPACK a Fortran-ordered copy of the matrix itself, not of its transpose).
struct Col4 {
  double a[kN * kN];
  double& operator()(int i, int j) { return a[i + kN * j]; }
};

// Recursive LU with partial pivoting on the m x n block whose (0, 0) entry is A(r0, c0), as
// LAPACK 3.11 dgetrf2: split the columns in n1 = min(m, n) / 2 and n - n1, factor the left
// panel, swap and solve the top right block, update the bottom right block (dgemm order),
// factor it, and swap the left panel's rows. ipiv[k] is the row (relative to r0) swapped with
// row k. Returns false on an exactly zero pivot.
bool getrf2(Col4& A, int r0, int c0, int m, int n, int* ipiv) {
  if (m == 0 || n == 0) return true;
  if (m == 1) {
    ipiv[0] = 0;
    return A(r0, c0) != 0.0;
  }
  if (n == 1) {
    int best = 0;  // idamax: first entry of largest magnitude
    double biggest = std::fabs(A(r0, c0));
    for (int i = 1; i < m; ++i) {
      if (std::fabs(A(r0 + i, c0)) > biggest) {
        biggest = std::fabs(A(r0 + i, c0));
        best = i;
      }
    }
    ipiv[0] = best;
    if (A(r0 + best, c0) == 0.0) return false;
    if (best != 0) std::swap(A(r0, c0), A(r0 + best, c0));
    // dscal by the reciprocal (the pivot is far above the underflow threshold for affines).
    const double reciprocal = 1.0 / A(r0, c0);
    for (int i = 1; i < m; ++i) A(r0 + i, c0) = reciprocal * A(r0 + i, c0);
    return true;
  }
  const int n1 = std::min(m, n) / 2;
  const int n2 = n - n1;
  bool ok = getrf2(A, r0, c0, m, n1, ipiv);
  for (int k = 0; k < n1; ++k) {  // dlaswp on the right columns
    if (ipiv[k] == k) continue;
    for (int j = c0 + n1; j < c0 + n; ++j) std::swap(A(r0 + k, j), A(r0 + ipiv[k], j));
  }
  for (int j = c0 + n1; j < c0 + n; ++j) {  // dtrsm: unit lower triangle, left side
    for (int k = 0; k < n1; ++k) {
      if (A(r0 + k, j) == 0.0) continue;
      for (int i = k + 1; i < n1; ++i)
        A(r0 + i, j) = A(r0 + i, j) - A(r0 + k, j) * A(r0 + i, c0 + k);
    }
  }
  for (int j = 0; j < n2; ++j) {  // dgemm, alpha = -1, beta = 1
    for (int l = 0; l < n1; ++l) {
      const double temp = -1.0 * A(r0 + l, c0 + n1 + j);
      for (int i = 0; i < m - n1; ++i)
        A(r0 + n1 + i, c0 + n1 + j) = A(r0 + n1 + i, c0 + n1 + j) + temp * A(r0 + n1 + i, c0 + l);
    }
  }
  ok = getrf2(A, r0 + n1, c0 + n1, m - n1, n2, ipiv + n1) && ok;
  for (int k = n1; k < std::min(m, n); ++k) {
    ipiv[k] += n1;
    if (ipiv[k] == k) continue;
    for (int j = c0; j < c0 + n1; ++j) std::swap(A(r0 + k, j), A(r0 + ipiv[k], j));
  }
  return ok;
}

Col4 to_col(const Eigen::Matrix4d& m) {
  Col4 c;
  for (int j = 0; j < kN; ++j)
    for (int i = 0; i < kN; ++i) c(i, j) = m(i, j);
  return c;
}

Eigen::Matrix4d from_col(Col4& c) {
  Eigen::Matrix4d m;
  for (int j = 0; j < kN; ++j)
    for (int i = 0; i < kN; ++i) m(i, j) = c(i, j);
  return m;
}

}  // namespace

bool scipy_inv(const Eigen::Matrix4d& a, Eigen::Matrix4d& inverse) {
  Col4 A = to_col(a);
  int ipiv[kN];
  if (!getrf2(A, 0, 0, kN, kN, ipiv)) return false;
  // dtrti2: inverse of the upper triangle, column by column (dtrmv then dscal).
  for (int j = 0; j < kN; ++j) {
    A(j, j) = 1.0 / A(j, j);
    const double ajj = -A(j, j);
    double x[kN];
    for (int i = 0; i < j; ++i) x[i] = A(i, j);
    for (int jj = 0; jj < j; ++jj) {
      if (x[jj] == 0.0) continue;
      const double temp = x[jj];
      for (int i = 0; i < jj; ++i) x[i] = x[i] + temp * A(i, jj);
      x[jj] = x[jj] * A(jj, jj);
    }
    for (int i = 0; i < j; ++i) A(i, j) = ajj * x[i];
  }
  // dgetri, unblocked: solve inv(A) L = inv(U) from the last column (dgemv order).
  double work[kN] = {0, 0, 0, 0};
  for (int j = kN - 1; j >= 0; --j) {
    for (int i = j + 1; i < kN; ++i) {
      work[i] = A(i, j);
      A(i, j) = 0.0;
    }
    for (int jj = j + 1; jj < kN; ++jj) {
      const double temp = -1.0 * work[jj];
      for (int i = 0; i < kN; ++i) A(i, j) = A(i, j) + temp * A(i, jj);
    }
  }
  for (int j = kN - 2; j >= 0; --j) {  // undo the row interchanges as column swaps
    if (ipiv[j] == j) continue;
    for (int i = 0; i < kN; ++i) std::swap(A(i, j), A(i, ipiv[j]));
  }
  inverse = from_col(A);
  return true;
}

bool numpy_inv(const Eigen::Matrix4d& a, Eigen::Matrix4d& inverse) {
  Col4 A = to_col(a);
  int ipiv[kN];
  if (!getrf2(A, 0, 0, kN, kN, ipiv)) return false;
  Col4 B = to_col(Eigen::Matrix4d::Identity());
  for (int k = 0; k < kN; ++k) {  // dlaswp on the right-hand side
    if (ipiv[k] == k) continue;
    for (int j = 0; j < kN; ++j) std::swap(B(k, j), B(ipiv[k], j));
  }
  for (int j = 0; j < kN; ++j) {  // dtrsm: unit lower triangle
    for (int k = 0; k < kN; ++k) {
      if (B(k, j) == 0.0) continue;
      for (int i = k + 1; i < kN; ++i) B(i, j) = B(i, j) - B(k, j) * A(i, k);
    }
  }
  for (int j = 0; j < kN; ++j) {  // dtrsm: upper triangle, non-unit
    for (int k = kN - 1; k >= 0; --k) {
      if (B(k, j) == 0.0) continue;
      B(k, j) = B(k, j) / A(k, k);
      for (int i = 0; i < k; ++i) B(i, j) = B(i, j) - B(k, j) * A(i, k);
    }
  }
  inverse = from_col(B);
  return true;
}

Eigen::Matrix4d numpy_dot(const Eigen::Matrix4d& a, const Eigen::Matrix4d& b) {
  Eigen::Matrix4d c;
  for (int i = 0; i < kN; ++i) {
    for (int j = 0; j < kN; ++j) {
      double s = 0.0;
      for (int k = 0; k < kN; ++k) s = s + a(i, k) * b(k, j);
      c(i, j) = s;
    }
  }
  return c;
}

Eigen::Vector3d numpy_apply(const Eigen::Matrix4d& a, double x, double y, double z) {
  Eigen::Vector3d out;
  for (int i = 0; i < 3; ++i) {
    double s = 0.0;
    s = s + a(i, 0) * x;
    s = s + a(i, 1) * y;
    s = s + a(i, 2) * z;
    s = s + a(i, 3) * 1.0;
    out[i] = s;
  }
  return out;
}

}  // namespace brainenc::preprocessing::detail
