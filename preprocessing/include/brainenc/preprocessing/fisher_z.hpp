// Fisher r-to-z transform of correlation matrices (z = arctanh r).
#pragma once

#include <Eigen/Core>

namespace brainenc::preprocessing {

// |r| is clipped to this value before arctanh, so that r = +-1 (a correlation matrix's
// diagonal, or two identical regions) gives a finite z: arctanh(1 - 1e-7) = 8.40562139102231
// (numpy). Every |r| <= 1 - 1e-7 is transformed exactly.
inline constexpr double kFisherZMaxAbsR = 1.0 - 1e-7;

// Elementwise arctanh(clip(r, -kFisherZMaxAbsR, kFisherZMaxAbsR)). The diagonal of a
// correlation matrix therefore becomes 8.40562139102231, not inf; drop it (sym_matrix_to_vec
// with discard_diagonal) when it is not wanted. DataError when an entry is not finite or
// |r| > 1 + 1e-12 (the input is then not a correlation: e.g. a covariance).
Eigen::MatrixXd fisher_z(const Eigen::MatrixXd& r);

// The inverse, tanh z (no clipping needed).
Eigen::MatrixXd inverse_fisher_z(const Eigen::MatrixXd& z);

}  // namespace brainenc::preprocessing
