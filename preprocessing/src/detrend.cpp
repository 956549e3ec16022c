// nilearn 0.10.2 signal._detrend: mean removal plus a normalised arange regressor.
#include "brainenc/preprocessing/detrend.hpp"

#include <cmath>
#include <limits>

namespace brainenc::preprocessing {

void detrend_inplace(Eigen::Ref<Eigen::MatrixXd> signals) {
  const Eigen::Index n = signals.rows();
  if (n <= 1) return;  // nilearn: "would lead to zero values. Skipping."
  // arange(n) minus its mean: half-integers, so the regressor and its squared norm are exact
  // in double precision (as numpy computes them) for any realistic n.
  Eigen::VectorXd regressor(n);
  const double centre = 0.5 * static_cast<double>(n - 1);
  for (Eigen::Index i = 0; i < n; ++i) regressor[i] = static_cast<double>(i) - centre;
  const double norm = std::sqrt(regressor.squaredNorm());
  if (!(norm < std::numeric_limits<double>::epsilon())) regressor /= norm;
  // Sums in time order, as numpy's mean over axis 0 and reference BLAS dgemv behind np.dot:
  // a band-pass with poles near 1 amplifies a last-bit difference here up to ~1e-6.
  for (Eigen::Index j = 0; j < signals.cols(); ++j) {
    double* x = signals.col(j).data();
    double sum = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) sum += x[i];
    const double mean = sum / static_cast<double>(n);
    for (Eigen::Index i = 0; i < n; ++i) x[i] -= mean;
    double slope = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) slope += regressor[i] * x[i];
    for (Eigen::Index i = 0; i < n; ++i) x[i] -= slope * regressor[i];
  }
}

Eigen::MatrixXd detrend(const Eigen::MatrixXd& signals) {
  Eigen::MatrixXd out = signals;
  detrend_inplace(out);
  return out;
}

}  // namespace brainenc::preprocessing
