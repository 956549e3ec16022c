// Functional connectivity matrices of ROI time series, as nilearn 0.10.2
// nilearn.connectome.ConnectivityMeasure with scikit-learn 1.2.1 covariance estimators
// (reference README quirk 9).
//
// Zero-variance regions (a column of one subject's series whose values are all equal, e.g. the
// all-zero columns of ABIDE regions outside the field of view) never produce NaN. They are
// reported per subject (the `zero_variance` out-parameters) and handled deterministically:
//   covariance           row and column 0 (the Ledoit-Wolf diagonal keeps its shrinkage term)
//   correlation          row and column 0, diagonal 1
//   partial correlation  row and column 0, diagonal 1
//   precision            Ledoit-Wolf: the inverse as usual (the shrunk covariance is invertible);
//                        empirical: the region is left out of the inversion and its row and
//                        column, diagonal included, are 0 (a real precision diagonal is > 0)
//   tangent              Ledoit-Wolf: as usual; empirical: DataError naming the subject and the
//                        regions, since the covariance is singular and has no logarithm.
// With Ledoit-Wolf, the correlation, partial correlation and precision results equal nilearn's
// (nilearn's empirical estimator would give NaN or a singular-matrix error there).
#pragma once

#include <Eigen/Core>

#include <string>
#include <vector>

#include "brainenc/preprocessing/spd_functions.hpp"
#include "brainenc/preprocessing/standardize.hpp"

namespace brainenc::preprocessing {

enum class ConnectivityKind { Covariance, Correlation, PartialCorrelation, Precision, Tangent };
enum class CovarianceEstimator {
  LedoitWolf,  // sklearn LedoitWolf(store_precision=False), nilearn's default
  Empirical,   // sklearn EmpiricalCovariance()
};

// "covariance", "correlation", "partial correlation" (or "partial_correlation"), "precision",
// "tangent". UsageError otherwise, listing the allowed values.
ConnectivityKind parse_connectivity_kind(const std::string& name);
// "ledoit_wolf" (or "ledoitwolf", "lw"), "empirical". UsageError otherwise.
CovarianceEstimator parse_covariance_estimator(const std::string& name);
// nilearn's spelling: "covariance", "correlation", "partial correlation", "precision", "tangent".
std::string to_string(ConnectivityKind kind);

struct ConnectivityOptions {
  ConnectivityKind kind = ConnectivityKind::Correlation;  // nilearn's default is covariance
  CovarianceEstimator estimator = CovarianceEstimator::LedoitWolf;
  // ConnectivityMeasure(standardize=...): signal._standardize(x, detrend=False) of each
  // subject's series before the estimator, for kind correlation only (quirk 9); nilearn's
  // default True is population z-scoring (ZScore). See standardize.hpp (parse_standardize).
  // Zero-variance columns are set to exactly 0 whatever the strategy.
  Standardize standardize = Standardize::ZScore;
};

// Per subject, the zero-variance regions (ascending column indices; empty for most subjects).
using RegionsPerSubject = std::vector<std::vector<Eigen::Index>>;

// nilearn cov_to_corr: C_ij / sqrt(C_ii C_jj) with the diagonal set to exactly 1. A region with
// C_ii == 0 gets row and column 0 (diagonal 1) instead of NaN.
Eigen::MatrixXd cov_to_corr(const Eigen::MatrixXd& covariance);
// nilearn prec_to_partial: -cov_to_corr(precision) with the diagonal set to 1.
Eigen::MatrixXd prec_to_partial(const Eigen::MatrixXd& precision);

// One subject's matrix (time x regions in) for every kind except tangent, which needs a group
// (UsageError: use ConnectivityMeasure). `name` (e.g. the input file) starts error messages.
Eigen::MatrixXd connectivity_matrix(const Eigen::MatrixXd& series,
                                    const ConnectivityOptions& options = {},
                                    std::vector<Eigen::Index>* zero_variance = nullptr,
                                    const std::string& name = "time series");

// nilearn ConnectivityMeasure(cov_estimator, kind, standardize). Subjects are time x regions
// matrices; the number of time points may differ between subjects, the number of regions may
// not. Every subject needs >= 2 time points and finite values (DataError naming the subject).
class ConnectivityMeasure {
 public:
  explicit ConnectivityMeasure(ConnectivityOptions options = {});

  // Fits mean() (and whitening() for tangent) on a group. Tangent accepts one subject here
  // (a reference point), as nilearn.
  void fit(const std::vector<Eigen::MatrixXd>& subjects,
           RegionsPerSubject* zero_variance = nullptr);
  // One matrix per subject. Tangent: logm(W C W), W = whitening(), C the subject covariance.
  // The subjects must have as many regions as the fitted group (DataError).
  std::vector<Eigen::MatrixXd> transform(const std::vector<Eigen::MatrixXd>& subjects,
                                         RegionsPerSubject* zero_variance = nullptr) const;
  // fit then transform on the same subjects (estimated once). Tangent needs >= 2 subjects
  // (UsageError), since it returns deviations from the group mean.
  std::vector<Eigen::MatrixXd> fit_transform(const std::vector<Eigen::MatrixXd>& subjects,
                                             RegionsPerSubject* zero_variance = nullptr);

  bool fitted() const { return fitted_; }
  const ConnectivityOptions& options() const { return options_; }
  // nilearn mean_: tangent, the geometric mean of the covariances (max_iter 30, tol 1e-7);
  // otherwise the arithmetic mean of the subjects' matrices, symmetrised as (M + M^T) / 2.
  const Eigen::MatrixXd& mean() const;
  // nilearn whitening_ = mean()^{-1/2} (tangent only; RuntimeError otherwise).
  const Eigen::MatrixXd& whitening() const;
  // Convergence of the geometric mean (tangent only). nilearn warns when it did not converge.
  const GeometricMean& geometric_mean_info() const;

 private:
  std::vector<Eigen::MatrixXd> subject_matrices(const std::vector<Eigen::MatrixXd>& subjects,
                                                RegionsPerSubject* zero_variance) const;
  void fit_matrices(const std::vector<Eigen::MatrixXd>& matrices);
  std::vector<Eigen::MatrixXd> transform_matrices(std::vector<Eigen::MatrixXd> matrices) const;

  ConnectivityOptions options_;
  bool fitted_ = false;
  Eigen::Index n_regions_ = 0;
  Eigen::MatrixXd mean_;
  Eigen::MatrixXd whitening_;
  GeometricMean gmean_;
};

}  // namespace brainenc::preprocessing
