// Standardization of time series, as nilearn 0.10.2 signal._standardize(detrend=False)
// (reference README quirk 5).
#pragma once

#include <Eigen/Core>

#include <string>

namespace brainenc::preprocessing {

enum class Standardize {
  None,
  ZScore,        // population std (ddof=0): nilearn's 'zscore' and standardize=True
  ZScoreSample,  // sample std (ddof=1): nilearn's 'zscore_sample'
  Psc,           // percent signal change: (x - mean) / |mean| * 100
};

// Parses nilearn's names: "zscore", "true", "zscore_sample", "psc", "none", "false".
// UsageError for anything else.
Standardize parse_standardize(const std::string& name);
std::string to_string(Standardize s);

// Each column centred and scaled. A std below double epsilon counts as 1 (the column is
// only centred); with Psc a column whose |mean| is below epsilon becomes 0. A single time
// point is returned unchanged (nilearn skips it with a warning).
void standardize_inplace(Eigen::Ref<Eigen::MatrixXd> signals, Standardize how);
Eigen::MatrixXd standardize(const Eigen::MatrixXd& signals, Standardize how);

}  // namespace brainenc::preprocessing
