// Removal of confounds from signals by orthogonal projection, the confound step of nilearn
// 0.10.2 signal.clean (reference README quirk 4).
#pragma once

#include <Eigen/Core>

namespace brainenc::preprocessing {

// signals -= Q Q^T signals, Q an orthonormal basis of the confounds' columns:
// - confounds are z-scored (population std; a std below eps counts as 1) when
//   standardize_confounds, otherwise each column is divided by its max |value| (0 -> 1);
// - Q comes from a QR decomposition with column pivoting (LAPACK geqp3 as scipy; here
//   Eigen's ColPivHouseholderQR), keeping the columns whose |R_ii| > 100 eps, so
//   rank-deficient and constant confounds are harmless.
// signals and confounds have the same number of rows; confounds may have no column.
void regress_confounds(Eigen::MatrixXd& signals, Eigen::MatrixXd confounds,
                       bool standardize_confounds);

}  // namespace brainenc::preprocessing
