// Matrix functions of symmetric (positive definite) matrices through their eigendecomposition,
// and the geometric mean of SPD matrices, as nilearn 0.10.2 nilearn/connectome
// (_form_symmetric, _map_eigenvalues, _geometric_mean).
#pragma once

#include <Eigen/Core>

#include <functional>
#include <vector>

namespace brainenc::preprocessing {

// V diag(f(w)) V^T for the eigendecomposition w, V of `symmetric` (scipy eigh; only the lower
// triangle is read, as LAPACK's default UPLO='L'). Matrix products computed in floating point
// are not exactly symmetric: reading one triangle is part of the method.
Eigen::MatrixXd map_eigenvalues(const Eigen::MatrixXd& symmetric,
                                const std::function<double(double)>& f);

// Principal square root, inverse square root, logarithm and exponential of a symmetric matrix.
// sqrt needs eigenvalues >= 0, inverse_sqrt and log need eigenvalues > 0: otherwise a
// DataError (never a silent NaN) naming `what`.
Eigen::MatrixXd symmetric_sqrt(const Eigen::MatrixXd& spd, const char* what = "matrix");
Eigen::MatrixXd symmetric_inverse_sqrt(const Eigen::MatrixXd& spd, const char* what = "matrix");
Eigen::MatrixXd symmetric_log(const Eigen::MatrixXd& spd, const char* what = "matrix");
Eigen::MatrixXd symmetric_exp(const Eigen::MatrixXd& symmetric);

// nilearn _check_spd / is_spd(decimal=7): symmetric to a relative 1e-7 (numpy allclose,
// atol 0, against the transpose) and smallest eigenvalue > 0.
bool is_spd(const Eigen::MatrixXd& m);

struct GeometricMeanOptions {
  int max_iter = 30;  // what ConnectivityMeasure passes (the function's own default is 10)
  double tol = 1e-7;  // on ||gradient||_F / n_regions^2; <= 0 runs all max_iter iterations
};

struct GeometricMean {
  Eigen::MatrixXd mean;
  int iterations = 0;          // gradient steps taken
  double gradient_norm = 0.0;  // ||mean of logs||_F at the last step (nilearn's `norm`)
  bool converged = false;      // gradient_norm / n^2 < tol; nilearn only warns when false
};

// Riemannian (affine-invariant) geometric mean of SPD matrices: gradient descent along
// geodesics (Fletcher & Joshi 2007, Algorithm 3) from the arithmetic mean, exactly as nilearn
// _geometric_mean: at each step G <- G^1/2 exp(step * mean_k log(G^-1/2 M_k G^-1/2)) G^1/2,
// where the step halves whenever the gradient norm grows (and the smaller norm is kept).
// DataError when the list is empty, shapes differ or a matrix is not SPD (index named).
GeometricMean geometric_mean(const std::vector<Eigen::MatrixXd>& matrices,
                             const GeometricMeanOptions& options = {});

}  // namespace brainenc::preprocessing
