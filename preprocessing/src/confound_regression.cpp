// The confound projection of nilearn 0.10.2 signal.clean.
#include "brainenc/preprocessing/confound_regression.hpp"

#include <Eigen/QR>

#include <limits>
#include <string>
#include <vector>

#include "brainenc/io/error.hpp"
#include "brainenc/preprocessing/standardize.hpp"

namespace brainenc::preprocessing {

void regress_confounds(Eigen::MatrixXd& signals, Eigen::MatrixXd confounds,
                       bool standardize_confounds) {
  if (confounds.cols() == 0 || signals.rows() == 0) return;
  if (confounds.rows() != signals.rows()) {
    throw DataError("--confounds has " + std::to_string(confounds.rows()) + " rows, the signals " +
                    std::to_string(signals.rows()));
  }
  if (standardize_confounds) {
    standardize_inplace(confounds, Standardize::ZScore);
  } else {
    // Keeps constant columns (an intercept) but bounds the range for a stable QR.
    for (Eigen::Index j = 0; j < confounds.cols(); ++j) {
      double peak = confounds.col(j).cwiseAbs().maxCoeff();
      if (peak == 0.0) peak = 1.0;
      confounds.col(j) /= peak;
    }
  }
  const Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(confounds);
  const Eigen::Index size = std::min(confounds.rows(), confounds.cols());
  const double threshold = 100.0 * std::numeric_limits<double>::epsilon();
  std::vector<Eigen::Index> keep;
  for (Eigen::Index i = 0; i < size; ++i) {
    if (std::abs(qr.matrixQR()(i, i)) > threshold) keep.push_back(i);
  }
  if (keep.empty()) return;
  const Eigen::MatrixXd thin_q =
      qr.householderQ() * Eigen::MatrixXd::Identity(confounds.rows(), size);
  Eigen::MatrixXd q(confounds.rows(), static_cast<Eigen::Index>(keep.size()));
  for (std::size_t c = 0; c < keep.size(); ++c)
    q.col(static_cast<Eigen::Index>(c)) = thin_q.col(keep[c]);
  // Q (Q^T S) rather than nilearn's (Q Q^T) S: the same projection without an n x n matrix.
  const Eigen::MatrixXd coefficients = q.transpose() * signals;
  signals.noalias() -= q * coefficients;
}

}  // namespace brainenc::preprocessing
