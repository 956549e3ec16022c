// Cubic-spline interpolation of censored (scrubbed) volumes, as nilearn 0.10.2
// signal._interpolate_volumes (reference README quirk 2).
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <vector>

namespace brainenc::preprocessing {

// Values at `at` of the cubic spline through (x[i], y.row(i)) with not-a-knot end
// conditions, extrapolated with the end pieces: scipy.interpolate.CubicSpline(x, y) (scipy
// 1.10 defaults). x must be strictly increasing with at least 2 points (2 points: the line,
// 3 points: the parabola through them). One spline per column of y.
Eigen::MatrixXd cubic_spline(const Eigen::VectorXd& x, const Eigen::MatrixXd& y,
                             const Eigen::VectorXd& at);

// Which rows of the volumes receive the spline values.
enum class ScrubInterpolation {
  // nilearn 0.10.2 as it runs: `volumes[~sample_mask] = interp[~sample_mask]` on an integer
  // index array, where ~k == -k-1, so the rows replaced are n-1-k for every KEPT index k.
  // A censored volume j is interpolated only when n-1-j is kept; otherwise its raw (spike)
  // value stays and feeds the detrend and the filter, while kept rows mirrored onto other
  // kept rows are rewritten with the spline's (nearly identical) value there. This is the
  // default, for parity with nilearn.
  NilearnMirrored,
  // What nilearn intends: every censored row, and only those, is replaced by the spline
  // through the kept volumes.
  CensoredVolumes,
};

// Replaces rows of `volumes` (time x features) by the not-a-knot cubic spline through the
// kept rows, time t = row * t_r (frame times as nilearn: arange(n) * t_r). `kept` holds
// strictly increasing row indices, at least 2 of them.
void interpolate_volumes(Eigen::MatrixXd& volumes, const std::vector<int64_t>& kept, double t_r,
                         ScrubInterpolation mode);

}  // namespace brainenc::preprocessing
