// nilearn 0.10.2 _cosine_drift and _check_cosine_by_user.
#include "brainenc/preprocessing/cosine_drift.hpp"

#include <algorithm>
#include <cmath>

namespace brainenc::preprocessing {

namespace {
constexpr double kPi = 3.141592653589793;  // numpy.pi
}  // namespace

Eigen::VectorXd frame_times(Eigen::Index n, double t_r) {
  Eigen::VectorXd t(n);
  for (Eigen::Index i = 0; i < n; ++i) t[i] = static_cast<double>(i) * t_r;
  return t;
}

Eigen::MatrixXd cosine_drift(double high_pass, const Eigen::VectorXd& times) {
  const Eigen::Index n = times.size();
  if (n < 2) return Eigen::MatrixXd(n, 0);
  const double nd = static_cast<double>(n);
  const double dt = (times[n - 1] - times[0]) / (nd - 1.0);
  const auto order = std::min<Eigen::Index>(
      n - 1, static_cast<Eigen::Index>(std::floor(2.0 * nd * high_pass * dt)));
  const double normalizer = std::sqrt(2.0 / nd);
  Eigen::MatrixXd drift(n, std::max<Eigen::Index>(order, 0));
  for (Eigen::Index k = 1; k <= order; ++k) {
    for (Eigen::Index i = 0; i < n; ++i) {
      drift(i, k - 1) = normalizer * std::cos((kPi / nd) * (static_cast<double>(i) + 0.5) *
                                              static_cast<double>(k));
    }
  }
  return drift;
}

bool cosine_drift_in_confounds(const Eigen::MatrixXd& drift, const Eigen::MatrixXd& confounds) {
  // Pearson correlations of each drift term with every other column (numpy.corrcoef with
  // the diagonal zeroed); only values above 0.9 count, as in nilearn.
  Eigen::MatrixXd all(drift.rows(), drift.cols() + confounds.cols());
  all << drift, confounds;
  all.rowwise() -= all.colwise().mean();
  const Eigen::VectorXd norms = all.colwise().norm().transpose();
  for (Eigen::Index i = 0; i < drift.cols(); ++i) {
    for (Eigen::Index j = 0; j < all.cols(); ++j) {
      if (j == i || norms[i] == 0.0 || norms[j] == 0.0) continue;
      const double r = all.col(i).dot(all.col(j)) / (norms[i] * norms[j]);
      if (r > 0.9) return true;
    }
  }
  return false;
}

}  // namespace brainenc::preprocessing
