#include "brainenc/preprocessing/spd_functions.hpp"

#include <Eigen/Eigenvalues>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>

#include "brainenc/io/error.hpp"

namespace brainenc::preprocessing {

namespace {

using Eigen::Index;

struct Eigh {
  Eigen::VectorXd values;  // ascending, as LAPACK
  Eigen::MatrixXd vectors;
};

Eigh eigh(const Eigen::MatrixXd& symmetric) {
  if (symmetric.rows() != symmetric.cols())
    throw DataError("expected a square matrix, got " + std::to_string(symmetric.rows()) + " x " +
                    std::to_string(symmetric.cols()));
  if (!symmetric.allFinite()) throw DataError("symmetric matrix function: non-finite input");
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(symmetric, Eigen::ComputeEigenvectors);
  if (solver.info() != Eigen::Success)
    throw RuntimeError("symmetric eigendecomposition did not converge");
  return {solver.eigenvalues(), solver.eigenvectors()};
}

// nilearn _form_symmetric: (V * f(w)) V^T, the eigenvectors scaled column by column.
Eigen::MatrixXd form_symmetric(const Eigen::VectorXd& transformed_values,
                               const Eigen::MatrixXd& vectors) {
  return (vectors * transformed_values.asDiagonal()) * vectors.transpose();
}

void require_eigenvalues(const Eigen::VectorXd& w, bool strictly_positive, const char* what,
                         const char* function) {
  const double smallest = w.minCoeff();
  if (strictly_positive ? smallest > 0.0 : smallest >= 0.0) return;
  std::ostringstream msg;
  msg << function << " of " << what << ": the matrix is not positive "
      << (strictly_positive ? "definite" : "semi-definite") << " (smallest eigenvalue " << smallest
      << ")";
  throw DataError(msg.str());
}

}  // namespace

Eigen::MatrixXd map_eigenvalues(const Eigen::MatrixXd& symmetric,
                                const std::function<double(double)>& f) {
  const Eigh e = eigh(symmetric);
  return form_symmetric(e.values.unaryExpr(f), e.vectors);
}

Eigen::MatrixXd symmetric_sqrt(const Eigen::MatrixXd& spd, const char* what) {
  const Eigh e = eigh(spd);
  require_eigenvalues(e.values, false, what, "square root");
  return form_symmetric(e.values.cwiseSqrt(), e.vectors);
}

Eigen::MatrixXd symmetric_inverse_sqrt(const Eigen::MatrixXd& spd, const char* what) {
  const Eigh e = eigh(spd);
  require_eigenvalues(e.values, true, what, "inverse square root");
  // nilearn whitening_: 1 / sqrt(w).
  return form_symmetric(e.values.cwiseSqrt().cwiseInverse(), e.vectors);
}

Eigen::MatrixXd symmetric_log(const Eigen::MatrixXd& spd, const char* what) {
  const Eigh e = eigh(spd);
  require_eigenvalues(e.values, true, what, "logarithm");
  return form_symmetric(e.values.array().log().matrix(), e.vectors);
}

Eigen::MatrixXd symmetric_exp(const Eigen::MatrixXd& symmetric) {
  const Eigh e = eigh(symmetric);
  return form_symmetric(e.values.array().exp().matrix(), e.vectors);
}

bool is_spd(const Eigen::MatrixXd& m) {
  if (m.rows() != m.cols() || m.rows() == 0 || !m.allFinite()) return false;
  // numpy allclose(M, M.T, atol=0, rtol=1e-7): |M - M^T| <= 1e-7 |M^T| elementwise.
  const Eigen::MatrixXd mt = m.transpose();
  if (((m - mt).array().abs() > 1e-7 * mt.array().abs()).any()) return false;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(m, Eigen::EigenvaluesOnly);
  return solver.info() == Eigen::Success && solver.eigenvalues().minCoeff() > 0.0;
}

GeometricMean geometric_mean(const std::vector<Eigen::MatrixXd>& matrices,
                             const GeometricMeanOptions& options) {
  if (matrices.empty()) throw DataError("geometric mean: no matrices given");
  const Index n = matrices[0].rows();
  for (std::size_t k = 0; k < matrices.size(); ++k) {
    if (matrices[k].rows() != n || matrices[k].cols() != n)
      throw DataError("geometric mean: matrix " + std::to_string(k) + " is " +
                      std::to_string(matrices[k].rows()) + " x " +
                      std::to_string(matrices[k].cols()) + ", expected " + std::to_string(n) +
                      " x " + std::to_string(n));
    if (!is_spd(matrices[k]))
      throw DataError("geometric mean: matrix " + std::to_string(k) +
                      " is not symmetric positive definite");
  }
  const double count = static_cast<double>(matrices.size());
  const double size = static_cast<double>(n * n);

  GeometricMean result;
  Eigen::MatrixXd gmean = Eigen::MatrixXd::Zero(n, n);
  for (const auto& m : matrices) gmean += m;
  gmean /= count;

  double norm = std::numeric_limits<double>::infinity();
  double norm_old = std::numeric_limits<double>::infinity();
  double step = 1.0;
  const bool check = options.tol > 0.0;
  for (int it = 0; it < options.max_iter; ++it) {
    // Gradient at gmean: the mean of the logs of the whitened matrices.
    const Eigh g = eigh(gmean);
    require_eigenvalues(g.values, true, "the current geometric mean", "whitening");
    const Eigen::MatrixXd inv_sqrt = form_symmetric(g.values.cwiseInverse().cwiseSqrt(), g.vectors);
    Eigen::MatrixXd logs_mean = Eigen::MatrixXd::Zero(n, n);
    for (const auto& m : matrices) {
      const Eigen::MatrixXd whitened = (inv_sqrt * m) * inv_sqrt;
      const Eigh w = eigh(whitened);
      require_eigenvalues(w.values, true, "a whitened matrix", "logarithm");
      logs_mean += form_symmetric(w.values.array().log().matrix(), w.vectors);
    }
    logs_mean /= count;
    norm = logs_mean.norm();

    // Step along the geodesic from gmean in the direction of the gradient.
    const Eigh l = eigh(logs_mean);
    const Eigen::MatrixXd sqrt_g = form_symmetric(g.values.cwiseSqrt(), g.vectors);
    gmean = (sqrt_g * form_symmetric((l.values * step).array().exp().matrix(), l.vectors)) * sqrt_g;
    result.iterations = it + 1;

    if (norm < norm_old) {
      norm_old = norm;
    } else if (norm > norm_old) {
      step /= 2.0;
      norm = norm_old;
    }
    if (check && norm / size < options.tol) break;
  }
  result.mean = gmean;
  result.gradient_norm = norm;
  result.converged = check ? norm / size < options.tol : true;
  return result;
}

}  // namespace brainenc::preprocessing
