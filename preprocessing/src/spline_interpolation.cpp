// Not-a-knot cubic spline (scipy 1.10 interpolate.CubicSpline) and nilearn's interpolation of
// scrubbed volumes.
#include "brainenc/preprocessing/spline_interpolation.hpp"

#include <algorithm>
#include <string>

#include "brainenc/io/error.hpp"
#include "lapack_lu.hpp"

namespace brainenc::preprocessing {

namespace {

// Tridiagonal system solved by Gaussian elimination with partial pivoting, as LAPACK dgtsv
// (what scipy's solve_banded uses for one sub- and one super-diagonal). The not-a-knot rows
// are not diagonally dominant, hence the pivoting. dl, d, du: sub-, main and super-diagonal;
// b: right-hand sides, one per column, overwritten by the solution.
void solve_tridiagonal(std::vector<double> dl, std::vector<double> d, std::vector<double> du,
                       Eigen::MatrixXd& b) {
  const std::size_t n = d.size();
  std::vector<double> du2(n > 2 ? n - 2 : 0, 0.0);  // fill-in created by row interchanges
  auto singular = [] { throw DataError("cubic spline: singular tridiagonal system"); };
  for (std::size_t i = 0; i + 1 < n; ++i) {
    if (std::abs(d[i]) >= std::abs(dl[i])) {
      if (d[i] == 0.0) singular();
      const double fact = dl[i] / d[i];
      d[i + 1] -= fact * du[i];
      b.row(static_cast<Eigen::Index>(i + 1)) -= fact * b.row(static_cast<Eigen::Index>(i));
    } else {
      // Interchange rows i and i+1.
      const double fact = d[i] / dl[i];
      d[i] = dl[i];
      const double temp = d[i + 1];
      d[i + 1] = du[i] - fact * temp;
      if (i + 2 < n) {
        du2[i] = du[i + 1];
        du[i + 1] = -fact * du2[i];
      }
      du[i] = temp;
      const Eigen::RowVectorXd row_i = b.row(static_cast<Eigen::Index>(i));
      b.row(static_cast<Eigen::Index>(i)) = b.row(static_cast<Eigen::Index>(i + 1));
      b.row(static_cast<Eigen::Index>(i + 1)) =
          row_i - fact * b.row(static_cast<Eigen::Index>(i + 1));
    }
  }
  if (d[n - 1] == 0.0) singular();
  const auto last = static_cast<Eigen::Index>(n - 1);
  b.row(last) /= d[n - 1];
  if (n > 1) b.row(last - 1) = (b.row(last - 1) - du[n - 2] * b.row(last)) / d[n - 2];
  for (std::size_t k = n - 2; k-- > 0;) {
    const auto i = static_cast<Eigen::Index>(k);
    b.row(i) = (b.row(i) - du[k] * b.row(i + 1) - du2[k] * b.row(i + 2)) / d[k];
  }
}

// First derivatives of the not-a-knot spline at the knots (scipy CubicSpline.__init__).
Eigen::MatrixXd knot_slopes(const Eigen::VectorXd& x, const Eigen::VectorXd& dx,
                            const Eigen::MatrixXd& slope) {
  const Eigen::Index n = x.size();
  const Eigen::Index cols = slope.cols();
  if (n == 2) return Eigen::MatrixXd(slope.row(0).replicate(2, 1));  // the straight line
  if (n == 3) {
    // Both not-a-knot conditions coincide: the parabola through the three points.
    Eigen::Matrix3d a = Eigen::Matrix3d::Zero();
    a(0, 0) = 1.0;
    a(0, 1) = 1.0;
    a(1, 0) = dx[1];
    a(1, 1) = 2.0 * (dx[0] + dx[1]);
    a(1, 2) = dx[0];
    a(2, 1) = 1.0;
    a(2, 2) = 1.0;
    Eigen::MatrixXd rhs(3, cols);
    rhs.row(0) = 2.0 * slope.row(0);
    rhs.row(1) = 3.0 * (dx[0] * slope.row(1) + dx[1] * slope.row(0));
    rhs.row(2) = 2.0 * slope.row(1);
    return detail::lapack_solve(a, rhs);  // scipy.linalg.solve: LAPACK getrf + getrs
  }
  std::vector<double> dl(static_cast<std::size_t>(n - 1));
  std::vector<double> d(static_cast<std::size_t>(n));
  std::vector<double> du(static_cast<std::size_t>(n - 1));
  Eigen::MatrixXd rhs(n, cols);
  for (Eigen::Index i = 1; i + 1 < n; ++i) {
    d[static_cast<std::size_t>(i)] = 2.0 * (dx[i - 1] + dx[i]);
    du[static_cast<std::size_t>(i)] = dx[i - 1];
    dl[static_cast<std::size_t>(i - 1)] = dx[i];
    rhs.row(i) = 3.0 * (dx[i] * slope.row(i - 1) + dx[i - 1] * slope.row(i));
  }
  // Not-a-knot: the third derivative is continuous across the second and the second-to-last
  // knots.
  const double d0 = x[2] - x[0];
  d[0] = dx[1];
  du[0] = d0;
  rhs.row(0) = ((dx[0] + 2.0 * d0) * dx[1] * slope.row(0) + dx[0] * dx[0] * slope.row(1)) / d0;
  const double d1 = x[n - 1] - x[n - 3];
  d[static_cast<std::size_t>(n - 1)] = dx[n - 3];
  dl[static_cast<std::size_t>(n - 2)] = d1;
  rhs.row(n - 1) = (dx[n - 2] * dx[n - 2] * slope.row(n - 3) +
                    (2.0 * d1 + dx[n - 2]) * dx[n - 3] * slope.row(n - 2)) /
                   d1;
  solve_tridiagonal(std::move(dl), std::move(d), std::move(du), rhs);
  return rhs;
}

// Interval of scipy's PPoly for `value`: x[i] <= value < x[i+1], the last knot in the last
// interval, outside values in the end intervals (extrapolation).
Eigen::Index find_interval(const Eigen::VectorXd& x, double value) {
  const Eigen::Index n = x.size();
  if (value >= x[n - 1]) return n - 2;
  if (value < x[0]) return 0;
  const double* begin = x.data();
  const auto it = std::upper_bound(begin, begin + n, value);
  return std::min<Eigen::Index>(static_cast<Eigen::Index>(it - begin) - 1, n - 2);
}

}  // namespace

Eigen::MatrixXd cubic_spline(const Eigen::VectorXd& x, const Eigen::MatrixXd& y,
                             const Eigen::VectorXd& at) {
  const Eigen::Index n = x.size();
  if (n < 2) throw DataError("cubic spline: needs at least 2 points, got " + std::to_string(n));
  if (y.rows() != n) throw DataError("cubic spline: x and y have different lengths");
  if (!x.allFinite() || !y.allFinite()) throw DataError("cubic spline: non-finite input");
  const Eigen::VectorXd dx = x.tail(n - 1) - x.head(n - 1);
  if ((dx.array() <= 0.0).any()) throw DataError("cubic spline: x must be strictly increasing");

  Eigen::MatrixXd slope(n - 1, y.cols());
  for (Eigen::Index i = 0; i + 1 < n; ++i) slope.row(i) = (y.row(i + 1) - y.row(i)) / dx[i];
  const Eigen::MatrixXd s = knot_slopes(x, dx, slope);

  // Piecewise coefficients in the local variable t = value - x[i] (CubicHermiteSpline):
  // c3 + c2 t + c1 t^2 + c0 t^3, summed in that order of powers as scipy's PPoly.
  Eigen::MatrixXd out(at.size(), y.cols());
  for (Eigen::Index r = 0; r < at.size(); ++r) {
    const Eigen::Index i = find_interval(x, at[r]);
    const double t = at[r] - x[i];
    const double t2 = t * t;
    const double t3 = t2 * t;
    for (Eigen::Index j = 0; j < y.cols(); ++j) {
      const double curv = (s(i, j) + s(i + 1, j) - 2.0 * slope(i, j)) / dx[i];
      const double c0 = curv / dx[i];
      const double c1 = (slope(i, j) - s(i, j)) / dx[i] - curv;
      out(r, j) = y(i, j) + s(i, j) * t + c1 * t2 + c0 * t3;
    }
  }
  return out;
}

void interpolate_volumes(Eigen::MatrixXd& volumes, const std::vector<int64_t>& kept, double t_r,
                         ScrubInterpolation mode) {
  const Eigen::Index n = volumes.rows();
  if (kept.size() < 2) {
    throw DataError("--sample-mask keeps " + std::to_string(kept.size()) +
                    " volume(s); interpolating the censored volumes needs at least 2");
  }
  Eigen::VectorXd times(n);
  for (Eigen::Index i = 0; i < n; ++i) times[i] = static_cast<double>(i) * t_r;
  const auto m = static_cast<Eigen::Index>(kept.size());
  Eigen::VectorXd x(m);
  Eigen::MatrixXd y(m, volumes.cols());
  for (Eigen::Index i = 0; i < m; ++i) {
    const int64_t k = kept[static_cast<std::size_t>(i)];
    if (k < 0 || k >= n || (i > 0 && k <= kept[static_cast<std::size_t>(i - 1)])) {
      throw DataError("--sample-mask must hold strictly increasing volume indices in [0, " +
                      std::to_string(n) + "), got " + std::to_string(k));
    }
    x[i] = times[k];
    y.row(i) = volumes.row(k);
  }
  std::vector<bool> replace(static_cast<std::size_t>(n),
                            mode == ScrubInterpolation::CensoredVolumes);
  for (int64_t k : kept) {
    if (mode == ScrubInterpolation::NilearnMirrored) {
      replace[static_cast<std::size_t>(n - 1 - k)] = true;  // ~k == -k-1 indexes row n-1-k
    } else {
      replace[static_cast<std::size_t>(k)] = false;
    }
  }
  std::vector<Eigen::Index> rows;
  for (Eigen::Index i = 0; i < n; ++i) {
    if (replace[static_cast<std::size_t>(i)]) rows.push_back(i);
  }
  if (rows.empty()) return;
  Eigen::VectorXd at(static_cast<Eigen::Index>(rows.size()));
  for (std::size_t r = 0; r < rows.size(); ++r) at[static_cast<Eigen::Index>(r)] = times[rows[r]];
  const Eigen::MatrixXd values = cubic_spline(x, y, at);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    volumes.row(rows[r]) = values.row(static_cast<Eigen::Index>(r));
  }
}

}  // namespace brainenc::preprocessing
