#include "brainenc/preprocessing/connectivity.hpp"

#include <Eigen/LU>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <sstream>
#include <utility>

#include "brainenc/io/error.hpp"
#include "brainenc/preprocessing/covariance_estimators.hpp"

namespace brainenc::preprocessing {

namespace {

using Eigen::Index;

constexpr double kEps = std::numeric_limits<double>::epsilon();

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string list(const std::vector<Index>& regions) {
  std::ostringstream out;
  out << "[";
  for (std::size_t i = 0; i < regions.size(); ++i) out << (i ? ", " : "") << regions[i];
  out << "]";
  return out.str();
}

std::string subject_name(std::size_t subject) { return "subject " + std::to_string(subject); }

void validate_series(const Eigen::MatrixXd& x, const std::string& who) {
  if (x.rows() < 2)
    throw DataError(who + ": " + std::to_string(x.rows()) +
                    " time point(s); connectivity needs at least 2");
  if (x.cols() < 1) throw DataError(who + ": no regions (0 columns)");
  if (!x.allFinite()) {
    for (Index j = 0; j < x.cols(); ++j)
      for (Index t = 0; t < x.rows(); ++t)
        if (!std::isfinite(x(t, j)))
          throw DataError(who + ": non-finite value at time point " + std::to_string(t) +
                          ", region " + std::to_string(j));
  }
}

void validate_group(const std::vector<Eigen::MatrixXd>& subjects) {
  if (subjects.empty()) throw DataError("connectivity: no subjects given");
  for (std::size_t s = 0; s < subjects.size(); ++s) {
    validate_series(subjects[s], subject_name(s));
    if (subjects[s].cols() != subjects[0].cols())
      throw DataError(subject_name(s) + " has " + std::to_string(subjects[s].cols()) +
                      " regions, subject 0 has " + std::to_string(subjects[0].cols()) +
                      "; all subjects need the same regions");
  }
}

// nilearn signal._standardize(x, detrend=False, standardize=how), with zero-variance columns
// set to exactly 0: nilearn would scale the rounding residue of a constant non-zero column up to
// O(1) noise (an all-zero column is 0 either way).
Eigen::MatrixXd standardized(const Eigen::MatrixXd& series, Standardize how,
                             const std::vector<Index>& zero_variance) {
  Eigen::MatrixXd x = standardize(series, how);
  if (how != Standardize::None)
    for (const Index j : zero_variance) x.col(j).setZero();
  return x;
}

Eigen::MatrixXd fit_covariance(const Eigen::MatrixXd& x, CovarianceEstimator estimator) {
  return estimator == CovarianceEstimator::LedoitWolf ? ledoit_wolf(x).covariance
                                                      : empirical_covariance(x).covariance;
}

// scipy linalg.inv (LU with partial pivoting), refusing a matrix singular to working precision.
Eigen::MatrixXd checked_inverse(const Eigen::MatrixXd& m, const std::string& who) {
  const Eigen::PartialPivLU<Eigen::MatrixXd> lu(m);
  const double rcond = lu.rcond();
  Eigen::MatrixXd inv = lu.inverse();
  if (!(rcond >= kEps) || !inv.allFinite()) {
    std::ostringstream msg;
    msg << who << ": the covariance is singular (reciprocal condition number " << rcond
        << "), so precision and partial correlation are undefined; with fewer time "
        << "points than regions use the Ledoit-Wolf estimator";
    throw DataError(msg.str());
  }
  return inv;
}

// Precision of a covariance; regions with a zero variance are left out of the inversion and
// keep a zero row and column (see the header).
Eigen::MatrixXd precision_of(const Eigen::MatrixXd& covariance, const std::string& who) {
  std::vector<Index> keep;
  for (Index i = 0; i < covariance.rows(); ++i)
    if (covariance(i, i) != 0.0) keep.push_back(i);
  if (static_cast<Index>(keep.size()) == covariance.rows()) return checked_inverse(covariance, who);
  Eigen::MatrixXd precision = Eigen::MatrixXd::Zero(covariance.rows(), covariance.cols());
  if (!keep.empty()) precision(keep, keep) = checked_inverse(covariance(keep, keep), who);
  return precision;
}

// The matrix nilearn computes per subject before any group step (the covariance for tangent).
Eigen::MatrixXd subject_matrix(const Eigen::MatrixXd& series, const ConnectivityOptions& options,
                               const std::vector<Index>& zero_variance, const std::string& who) {
  switch (options.kind) {
    case ConnectivityKind::Correlation:
      return cov_to_corr(fit_covariance(standardized(series, options.standardize, zero_variance),
                                        options.estimator));
    case ConnectivityKind::Covariance:
      return fit_covariance(series, options.estimator);
    case ConnectivityKind::Precision:
      return precision_of(fit_covariance(series, options.estimator), who);
    case ConnectivityKind::PartialCorrelation:
      return prec_to_partial(precision_of(fit_covariance(series, options.estimator), who));
    case ConnectivityKind::Tangent: {
      Eigen::MatrixXd covariance = fit_covariance(series, options.estimator);
      if (!is_spd(covariance)) {
        std::string msg = who +
                          ": the covariance is not positive definite, so it has no "
                          "tangent-space (logarithm) representation";
        if (!zero_variance.empty())
          msg += "; regions " + list(zero_variance) +
                 " have zero variance: use the Ledoit-Wolf estimator or drop them";
        throw DataError(msg);
      }
      return covariance;
    }
  }
  throw UsageError("connectivity: unknown kind");
}

}  // namespace

ConnectivityKind parse_connectivity_kind(const std::string& name) {
  const std::string k = lower(name);
  if (k == "covariance") return ConnectivityKind::Covariance;
  if (k == "correlation") return ConnectivityKind::Correlation;
  if (k == "partial correlation" || k == "partial_correlation")
    return ConnectivityKind::PartialCorrelation;
  if (k == "precision") return ConnectivityKind::Precision;
  if (k == "tangent") return ConnectivityKind::Tangent;
  throw UsageError("kind: '" + name +
                   "' is not a connectivity kind; expected one of covariance, correlation, "
                   "partial correlation (or partial_correlation), precision, tangent");
}

CovarianceEstimator parse_covariance_estimator(const std::string& name) {
  const std::string k = lower(name);
  if (k == "ledoit_wolf" || k == "ledoitwolf" || k == "lw") return CovarianceEstimator::LedoitWolf;
  if (k == "empirical") return CovarianceEstimator::Empirical;
  throw UsageError("cov_estimator: '" + name +
                   "' is not a covariance estimator; expected ledoit_wolf or empirical");
}

std::string to_string(ConnectivityKind kind) {
  switch (kind) {
    case ConnectivityKind::Covariance:
      return "covariance";
    case ConnectivityKind::Correlation:
      return "correlation";
    case ConnectivityKind::PartialCorrelation:
      return "partial correlation";
    case ConnectivityKind::Precision:
      return "precision";
    case ConnectivityKind::Tangent:
      return "tangent";
  }
  return "unknown";
}

Eigen::MatrixXd cov_to_corr(const Eigen::MatrixXd& covariance) {
  if (covariance.rows() != covariance.cols())
    throw DataError("cov_to_corr: expected a square matrix");
  // 1 / sqrt(C_ii) as nilearn; 0 for a zero variance, so its row and column become 0.
  const Index n = covariance.rows();
  Eigen::VectorXd scale(n);
  for (Index i = 0; i < n; ++i) {
    const double c = covariance(i, i);
    scale(i) = c == 0.0 ? 0.0 : 1.0 / std::sqrt(c);
  }
  // (C_ij d_j) d_i: nilearn's order of the two products.
  Eigen::MatrixXd correlation(n, n);
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < n; ++i) correlation(i, j) = covariance(i, j) * scale(j) * scale(i);
  correlation.diagonal().setOnes();
  return correlation;
}

Eigen::MatrixXd prec_to_partial(const Eigen::MatrixXd& precision) {
  Eigen::MatrixXd partial = -cov_to_corr(precision);
  partial.diagonal().setOnes();
  return partial;
}

Eigen::MatrixXd connectivity_matrix(const Eigen::MatrixXd& series,
                                    const ConnectivityOptions& options,
                                    std::vector<Eigen::Index>* zero_variance,
                                    const std::string& name) {
  if (options.kind == ConnectivityKind::Tangent)
    throw UsageError(
        "kind: tangent returns deviations from a group mean; fit a ConnectivityMeasure on a "
        "group of subjects");
  validate_series(series, name);
  const std::vector<Index> constant = zero_variance_regions(series);
  if (zero_variance) *zero_variance = constant;
  return subject_matrix(series, options, constant, name);
}

ConnectivityMeasure::ConnectivityMeasure(ConnectivityOptions options) : options_(options) {}

std::vector<Eigen::MatrixXd> ConnectivityMeasure::subject_matrices(
    const std::vector<Eigen::MatrixXd>& subjects, RegionsPerSubject* zero_variance) const {
  validate_group(subjects);
  std::vector<Eigen::MatrixXd> matrices;
  matrices.reserve(subjects.size());
  if (zero_variance) zero_variance->assign(subjects.size(), {});
  for (std::size_t s = 0; s < subjects.size(); ++s) {
    const std::vector<Index> constant = zero_variance_regions(subjects[s]);
    matrices.push_back(subject_matrix(subjects[s], options_, constant, subject_name(s)));
    if (zero_variance) (*zero_variance)[s] = constant;
  }
  return matrices;
}

void ConnectivityMeasure::fit_matrices(const std::vector<Eigen::MatrixXd>& matrices) {
  n_regions_ = matrices[0].rows();
  if (options_.kind == ConnectivityKind::Tangent) {
    gmean_ = geometric_mean(matrices, GeometricMeanOptions{30, 1e-7});
    mean_ = gmean_.mean;
    whitening_ = symmetric_inverse_sqrt(mean_, "the group geometric mean");
  } else {
    // nilearn: np.mean over subjects, then (M + M^T) / 2 against rounding asymmetry.
    Eigen::MatrixXd sum = Eigen::MatrixXd::Zero(n_regions_, n_regions_);
    for (const auto& m : matrices) sum += m;
    const Eigen::MatrixXd mean = sum / static_cast<double>(matrices.size());
    mean_ = (mean + mean.transpose()) * 0.5;
    whitening_.resize(0, 0);
  }
  fitted_ = true;
}

std::vector<Eigen::MatrixXd> ConnectivityMeasure::transform_matrices(
    std::vector<Eigen::MatrixXd> matrices) const {
  if (options_.kind != ConnectivityKind::Tangent) return matrices;
  for (auto& covariance : matrices)
    covariance = symmetric_log((whitening_ * covariance) * whitening_, "a whitened covariance");
  return matrices;
}

void ConnectivityMeasure::fit(const std::vector<Eigen::MatrixXd>& subjects,
                              RegionsPerSubject* zero_variance) {
  fit_matrices(subject_matrices(subjects, zero_variance));
}

std::vector<Eigen::MatrixXd> ConnectivityMeasure::transform(
    const std::vector<Eigen::MatrixXd>& subjects, RegionsPerSubject* zero_variance) const {
  if (!fitted_) throw RuntimeError("ConnectivityMeasure: transform called before fit");
  validate_group(subjects);
  if (subjects[0].cols() != n_regions_)
    throw DataError("subject 0 has " + std::to_string(subjects[0].cols()) +
                    " regions, the fitted group had " + std::to_string(n_regions_));
  return transform_matrices(subject_matrices(subjects, zero_variance));
}

std::vector<Eigen::MatrixXd> ConnectivityMeasure::fit_transform(
    const std::vector<Eigen::MatrixXd>& subjects, RegionsPerSubject* zero_variance) {
  if (options_.kind == ConnectivityKind::Tangent && subjects.size() < 2)
    throw UsageError(
        "kind: tangent needs a group of at least 2 subjects (it returns deviations "
        "from the group mean), got " +
        std::to_string(subjects.size()));
  std::vector<Eigen::MatrixXd> matrices = subject_matrices(subjects, zero_variance);
  fit_matrices(matrices);
  return transform_matrices(std::move(matrices));
}

const Eigen::MatrixXd& ConnectivityMeasure::mean() const {
  if (!fitted_) throw RuntimeError("ConnectivityMeasure: mean() called before fit");
  return mean_;
}

const Eigen::MatrixXd& ConnectivityMeasure::whitening() const {
  if (!fitted_ || options_.kind != ConnectivityKind::Tangent)
    throw RuntimeError("ConnectivityMeasure: whitening() exists only after fitting kind tangent");
  return whitening_;
}

const GeometricMean& ConnectivityMeasure::geometric_mean_info() const {
  if (!fitted_ || options_.kind != ConnectivityKind::Tangent)
    throw RuntimeError(
        "ConnectivityMeasure: geometric_mean_info() exists only after fitting kind tangent");
  return gmean_;
}

}  // namespace brainenc::preprocessing
