#include "brainenc/preprocessing/dynamic_fc.hpp"

#include <cmath>
#include <string>

#include "brainenc/io/error.hpp"

namespace brainenc::preprocessing {

Eigen::Index sliding_window_count(Eigen::Index n_samples, Eigen::Index window, Eigen::Index step) {
  if (window < 1 || step < 1 || window > n_samples) return 0;
  return (n_samples - window) / step + 1;
}

SlidingWindowConnectivity sliding_window_connectivity(const Eigen::MatrixXd& series,
                                                      const SlidingWindowOptions& options) {
  if (options.window < 2)
    throw UsageError("window: " + std::to_string(options.window) +
                     " samples; a window needs at least 2");
  if (options.step < 1)
    throw UsageError("step: " + std::to_string(options.step) + " samples; it must be >= 1");
  if (options.window > series.rows())
    throw UsageError("window: " + std::to_string(options.window) +
                     " samples is longer than the series (" + std::to_string(series.rows()) +
                     " samples)");
  if (options.connectivity.kind == ConnectivityKind::Tangent)
    throw UsageError("kind: tangent is not available for sliding windows (it needs a group fit)");
  for (Eigen::Index j = 0; j < series.cols(); ++j)
    for (Eigen::Index t = 0; t < series.rows(); ++t)
      if (!std::isfinite(series(t, j)))
        throw DataError("sliding-window connectivity: non-finite value at time point " +
                        std::to_string(t) + ", region " + std::to_string(j));
  const Eigen::Index count = sliding_window_count(series.rows(), options.window, options.step);
  SlidingWindowConnectivity out;
  out.starts.reserve(static_cast<std::size_t>(count));
  out.matrices.reserve(static_cast<std::size_t>(count));
  out.zero_variance.resize(static_cast<std::size_t>(count));
  for (Eigen::Index w = 0; w < count; ++w) {
    const Eigen::Index start = w * options.step;
    out.starts.push_back(start);
    const std::string name = "window " + std::to_string(w) + " (samples " + std::to_string(start) +
                             " to " + std::to_string(start + options.window - 1) + ")";
    out.matrices.push_back(
        connectivity_matrix(series.middleRows(start, options.window), options.connectivity,
                            &out.zero_variance[static_cast<std::size_t>(w)], name));
  }
  return out;
}

}  // namespace brainenc::preprocessing
