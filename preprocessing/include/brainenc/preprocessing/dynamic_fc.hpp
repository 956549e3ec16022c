// Sliding-window ("dynamic") functional connectivity: one connectivity matrix per window of
// consecutive time points.
#pragma once

#include <Eigen/Core>

#include <vector>

#include "brainenc/preprocessing/connectivity.hpp"

namespace brainenc::preprocessing {

struct SlidingWindowOptions {
  Eigen::Index window = 0;  // samples per window (>= 2); not seconds: divide by the TR first
  Eigen::Index step = 1;    // samples between the starts of consecutive windows (>= 1)
  // Per-window matrix; Pearson correlation by default (empirical covariance: a window is
  // usually short and the Ledoit-Wolf shrinkage would differ from window to window).
  ConnectivityOptions connectivity{ConnectivityKind::Correlation, CovarianceEstimator::Empirical,
                                   Standardize::ZScore};
};

struct SlidingWindowConnectivity {
  std::vector<Eigen::Index> starts;       // first sample of each window
  std::vector<Eigen::MatrixXd> matrices;  // one regions x regions matrix per window
  // Per window, the regions constant within that window (handled as in connectivity.hpp).
  std::vector<std::vector<Eigen::Index>> zero_variance;
};

// Number of windows: floor((n_samples - window) / step) + 1, 0 when window > n_samples.
Eigen::Index sliding_window_count(Eigen::Index n_samples, Eigen::Index window, Eigen::Index step);

// Windows [start, start + window) for start = 0, step, 2 step, ... while they fit in the series
// (time x regions); trailing samples that do not fill a window are not used. Each matrix is
// connectivity_matrix(series.middleRows(start, window), options.connectivity).
// UsageError: window < 2, step < 1, window longer than the series, or kind tangent.
SlidingWindowConnectivity sliding_window_connectivity(const Eigen::MatrixXd& series,
                                                      const SlidingWindowOptions& options);

}  // namespace brainenc::preprocessing
