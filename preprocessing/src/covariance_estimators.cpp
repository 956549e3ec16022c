#include "brainenc/preprocessing/covariance_estimators.hpp"

#include <algorithm>
#include <string>

#include "brainenc/io/error.hpp"

namespace brainenc::preprocessing {

namespace {

void require_samples(const Eigen::MatrixXd& series, const char* who) {
  if (series.rows() < 1 || series.cols() < 1)
    throw DataError(std::string(who) +
                    ": expected a time x regions matrix with at least one sample "
                    "and one region, got " +
                    std::to_string(series.rows()) + " x " + std::to_string(series.cols()));
}

// X^T X with both triangles identical, as the BLAS syrk that numpy uses for X.T @ X: a
// covariance that is not exactly symmetric could fail nilearn's SPD test on tiny entries.
Eigen::MatrixXd gram(const Eigen::MatrixXd& x) {
  Eigen::MatrixXd g = Eigen::MatrixXd::Zero(x.cols(), x.cols());
  g.selfadjointView<Eigen::Lower>().rankUpdate(x.transpose());
  g.triangularView<Eigen::StrictlyUpper>() = g.transpose();
  return g;
}

// Subtracts the column means (sklearn: X - X.mean(0)). Constant columns become exactly 0,
// not the rounding residue of c - mean(c), so their covariances are exactly 0.
Eigen::MatrixXd centred(const Eigen::MatrixXd& series, Eigen::VectorXd* location) {
  const Eigen::VectorXd mean = series.colwise().mean().transpose();
  Eigen::MatrixXd x = series.rowwise() - mean.transpose();
  for (const Eigen::Index j : zero_variance_regions(series)) x.col(j).setZero();
  if (location) *location = mean;
  return x;
}

// The shrinkage of data that is already centred (sklearn ledoit_wolf_shrinkage with
// assume_centered=True, the way LedoitWolf.fit calls it).
double shrinkage_of_centred(const Eigen::MatrixXd& x) {
  const Eigen::Index p = x.cols();
  if (p == 1) return 0.0;  // one region: every shrinkage gives the same estimate
  const double n = static_cast<double>(x.rows());
  const Eigen::MatrixXd x2 = x.array().square().matrix();
  const Eigen::VectorXd emp_cov_trace = x2.colwise().sum().transpose() / n;
  const double mu = emp_cov_trace.sum() / static_cast<double>(p);
  // beta_: sum of the coefficients of X2^T X2; delta_: sum of the squared coefficients of
  // X^T X, divided by n^2 (= ||S||_F^2).
  const double beta_sum = (x2.transpose() * x2).sum();
  const Eigen::MatrixXd xtx = gram(x);
  const double delta_sum = xtx.array().square().sum() / (n * n);
  double beta = 1.0 / (static_cast<double>(p) * n) * (beta_sum / n - delta_sum);
  double delta = delta_sum - 2.0 * mu * emp_cov_trace.sum() + static_cast<double>(p) * mu * mu;
  delta /= static_cast<double>(p);
  // Never shrink by more than 1, which would invert the sign of the covariances.
  beta = std::min(beta, delta);
  if (beta == 0.0 || delta == 0.0) return 0.0;
  return beta / delta;
}

}  // namespace

std::vector<Eigen::Index> zero_variance_regions(const Eigen::MatrixXd& series) {
  std::vector<Eigen::Index> regions;
  if (series.rows() == 0) return regions;
  for (Eigen::Index j = 0; j < series.cols(); ++j) {
    const auto col = series.col(j);
    if (col.maxCoeff() == col.minCoeff()) regions.push_back(j);
  }
  return regions;
}

CovarianceFit empirical_covariance(const Eigen::MatrixXd& series, bool assume_centered) {
  require_samples(series, "empirical covariance");
  CovarianceFit fit;
  const double n = static_cast<double>(series.rows());
  if (assume_centered) {
    fit.location = Eigen::VectorXd::Zero(series.cols());
    fit.covariance = gram(series) / n;
  } else {
    // numpy cov(bias=1) multiplies by 1/n where the assume_centered path divides by n.
    const Eigen::MatrixXd x = centred(series, &fit.location);
    fit.covariance = gram(x) * (1.0 / n);
  }
  return fit;
}

double ledoit_wolf_shrinkage(const Eigen::MatrixXd& series, bool assume_centered) {
  require_samples(series, "Ledoit-Wolf shrinkage");
  if (assume_centered) return shrinkage_of_centred(series);
  return shrinkage_of_centred(centred(series, nullptr));
}

CovarianceFit ledoit_wolf(const Eigen::MatrixXd& series, bool assume_centered) {
  require_samples(series, "Ledoit-Wolf covariance");
  CovarianceFit fit;
  Eigen::MatrixXd x;
  if (assume_centered) {
    fit.location = Eigen::VectorXd::Zero(series.cols());
    x = series;
  } else {
    x = centred(series, &fit.location);
  }
  // sklearn LedoitWolf.fit centres once, then treats the centred data as assume_centered.
  fit.shrinkage = shrinkage_of_centred(x);
  const Eigen::MatrixXd emp_cov = gram(x) / static_cast<double>(x.rows());
  const double mu = emp_cov.trace() / static_cast<double>(x.cols());
  fit.covariance = (1.0 - fit.shrinkage) * emp_cov;
  fit.covariance.diagonal().array() += fit.shrinkage * mu;
  return fit;
}

}  // namespace brainenc::preprocessing
