// nilearn 0.10.2 signal._standardize with detrend=False.
#include "brainenc/preprocessing/standardize.hpp"

#include <cmath>
#include <limits>

#include "brainenc/io/error.hpp"

namespace brainenc::preprocessing {

namespace {
constexpr double kEps = std::numeric_limits<double>::epsilon();
}  // namespace

Standardize parse_standardize(const std::string& name) {
  if (name == "zscore" || name == "true") return Standardize::ZScore;
  if (name == "zscore_sample") return Standardize::ZScoreSample;
  if (name == "psc") return Standardize::Psc;
  if (name == "none" || name == "false") return Standardize::None;
  throw UsageError("--standardize: unknown strategy '" + name +
                   "' (expected zscore_sample, zscore, psc or none)");
}

std::string to_string(Standardize s) {
  switch (s) {
    case Standardize::None:
      return "none";
    case Standardize::ZScore:
      return "zscore";
    case Standardize::ZScoreSample:
      return "zscore_sample";
    case Standardize::Psc:
      return "psc";
  }
  return "none";
}

void standardize_inplace(Eigen::Ref<Eigen::MatrixXd> signals, Standardize how) {
  const Eigen::Index n = signals.rows();
  if (how == Standardize::None || n <= 1) return;
  const Eigen::RowVectorXd mean = signals.colwise().mean();
  signals.rowwise() -= mean;
  if (how == Standardize::Psc) {
    for (Eigen::Index j = 0; j < signals.cols(); ++j) {
      const double scale = std::abs(mean[j]);
      // nilearn: "psc standardization strategy is meaningless for features that have a
      // mean of 0. These time series are set to 0."
      if (scale < kEps) {
        signals.col(j).setZero();
      } else {
        signals.col(j) = signals.col(j) / scale * 100.0;
      }
    }
    return;
  }
  // numpy's std recentres the (already centred) column before summing squares.
  const double ddof = how == Standardize::ZScoreSample ? 1.0 : 0.0;
  for (Eigen::Index j = 0; j < signals.cols(); ++j) {
    auto col = signals.col(j);
    const double residual_mean = col.mean();
    double std =
        std::sqrt((col.array() - residual_mean).square().sum() / (static_cast<double>(n) - ddof));
    if (std < kEps) std = 1.0;
    col /= std;
  }
}

Eigen::MatrixXd standardize(const Eigen::MatrixXd& signals, Standardize how) {
  Eigen::MatrixXd out = signals;
  standardize_inplace(out, how);
  return out;
}

}  // namespace brainenc::preprocessing
