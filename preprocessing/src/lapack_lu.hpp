// Internal to brainenc_preprocessing: dense LU solve that reproduces reference LAPACK dgesv
// operation for operation.
#pragma once

#include <Eigen/Core>

namespace brainenc::preprocessing::detail {

// Solves a x = b for square `a` as reference LAPACK 3.x dgesv does it: recursive LU with
// partial pivoting (dgetrf2: idamax pivots, scaling by the pivot's reciprocal, unit lower
// trsm and gemm updates in reference BLAS loop order), then dgetrs. scipy's lfilter_zi
// (numpy.linalg.solve) and CubicSpline's 3-point case go through dgesv, and lfilter_zi is
// ill-conditioned for low cut-offs: the same rounding as LAPACK keeps parity with scipy at
// 1e-12 instead of 1e-8. DataError when `a` is exactly singular.
Eigen::MatrixXd lapack_solve(Eigen::MatrixXd a, Eigen::MatrixXd b);

}  // namespace brainenc::preprocessing::detail
