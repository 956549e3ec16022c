// Covariance estimators of scikit-learn 1.2.1 (sklearn.covariance): EmpiricalCovariance and
// LedoitWolf, as nilearn's ConnectivityMeasure fits them on one subject's time series.
#pragma once

#include <Eigen/Core>

#include <vector>

namespace brainenc::preprocessing {

struct CovarianceFit {
  Eigen::MatrixXd covariance;  // regions x regions
  Eigen::VectorXd location;    // the per-region mean removed (zeros when assume_centered)
  double shrinkage = 0.0;      // Ledoit-Wolf coefficient in [0, 1]; 0 for the empirical estimator
};

// Regions (columns of `series`, time x regions) whose values are all identical, e.g. the
// all-zero columns that ABIDE time series hold for regions outside the field of view.
// The test is exact (max == min), so it does not depend on a tolerance.
std::vector<Eigen::Index> zero_variance_regions(const Eigen::MatrixXd& series);

// Maximum-likelihood covariance, X^T X / n_samples of the centred data (numpy cov, bias=1),
// as sklearn EmpiricalCovariance.fit. Needs at least one sample.
//
// Zero-variance regions (see zero_variance_regions) are centred to exactly 0 rather than to
// the rounding residue of x - mean(x), so their covariance row and column are exactly 0.
// For an all-zero column this is what sklearn computes anyway.
CovarianceFit empirical_covariance(const Eigen::MatrixXd& series, bool assume_centered = false);

// Ledoit-Wolf shrinkage coefficient of already centred (or assume_centered) data, as
// sklearn.covariance.ledoit_wolf_shrinkage (Ledoit & Wolf 2004, J. Multivar. Anal. 88:365):
//   S = X^T X / n,  mu = trace(S) / p
//   beta  = (sum((X^2)^T X^2) / n - ||S||_F^2) / (p n)
//   delta = (||S||_F^2 - 2 mu trace(S) + p mu^2) / p        (= ||S - mu I||_F^2 / p)
//   shrinkage = min(beta, delta) / delta, 0 when beta == 0
// delta == 0 (S is a multiple of the identity, e.g. all-zero data) also gives 0, where sklearn
// would divide by zero if rounding made beta negative.
// sklearn splits the products into blocks of 1000 regions to bound memory; that changes only
// the order of summation, so the products are formed whole here. One region gives 0.
double ledoit_wolf_shrinkage(const Eigen::MatrixXd& series, bool assume_centered = false);

// sklearn LedoitWolf(store_precision=False, assume_centered).fit: location = column means,
// then (1 - s) S + s mu I on the centred data. Zero-variance regions as empirical_covariance.
CovarianceFit ledoit_wolf(const Eigen::MatrixXd& series, bool assume_centered = false);

}  // namespace brainenc::preprocessing
