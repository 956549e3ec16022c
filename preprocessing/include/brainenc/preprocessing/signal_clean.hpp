// Cleaning of time series, as nilearn 0.10.2 signal.clean: detrending, Butterworth or cosine
// temporal filtering, confound regression orthogonal to the filter, standardization, runs
// and sample masks (scrubbing). Reference README quirks 1-8.
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "brainenc/preprocessing/butterworth.hpp"
#include "brainenc/preprocessing/spline_interpolation.hpp"
#include "brainenc/preprocessing/standardize.hpp"

namespace brainenc::preprocessing {

enum class TemporalFilter { None, Butterworth, Cosine };

// "butterworth", "cosine", "none" (or "false"); UsageError otherwise.
TemporalFilter parse_temporal_filter(const std::string& name);
std::string to_string(TemporalFilter f);

// The defaults are signal.clean's: detrend, population z-score, Butterworth, t_r = 2.5 s.
struct CleanOptions {
  bool detrend = true;
  Standardize standardize = Standardize::ZScore;
  TemporalFilter filter = TemporalFilter::Butterworth;
  std::optional<double> low_pass;   // Hz; Butterworth only
  std::optional<double> high_pass;  // Hz
  // Repetition time in seconds. Butterworth with neither cut-off nor t_r means no filter;
  // with t_r and no cut-off, censored volumes are still interpolated (quirk 3).
  std::optional<double> t_r = 2.5;
  bool standardize_confounds = true;  // z-score the confounds, else divide by max |value|
  bool ensure_finite = false;         // NaN / inf in the signals -> 0 (else DataError)
  ScrubInterpolation interpolation = ScrubInterpolation::NilearnMirrored;
  WarningHandler on_warning;  // nilearn's UserWarnings; empty: dropped
};

// Cleans `signals` (time x features). Returns time x features, with only the kept time
// points when a sample mask is given.
//
// confounds: time x k regressors (k == 0: none).
// sample_mask: indices of the time points to keep (nilearn's index form of sample_mask),
//   strictly increasing, into the whole series; with runs each run keeps the listed time
//   points that belong to it. nullopt keeps everything.
// runs: run label of each time point (empty: one run). Each run is cleaned on its own and
//   the results are stacked in ascending label order (nilearn's np.unique order).
//
// Order of the steps for each run, as nilearn:
//   cosine drift terms (filter Cosine, built on the full run, appended to the confounds
//   unless a confound already correlates > 0.9 with one);
//   with a sample mask: filter Butterworth -> censored volumes interpolated (see
//   ScrubInterpolation, default NilearnMirrored = nilearn's mirrored rows), otherwise the
//   censored volumes are dropped here;
//   detrend signals and confounds; Butterworth on signals and confounds, then censoring;
//   confound regression (confound_regression.hpp); standardize (psc after detrend uses the
//   pre-detrend mean).
//
// Errors: DataError for confounds/runs/sample-mask shapes that disagree with the signals,
// out-of-range or unsorted sample-mask indices, a run that keeps no volume (or fewer than
// 2 when interpolating), non-finite signals without ensure_finite, non-finite confounds,
// runs too short for the filter's padding. UsageError for contradictory options: cut-offs
// with filter None, low_pass with Cosine, Cosine without high_pass or t_r, a cut-off
// without t_r, t_r or a cut-off <= 0, high_pass >= low_pass.
//
// Differences from nilearn 0.10.2, on calls nilearn accepts:
// - arithmetic is float64 even for float32 data (nilearn stays in float32, quirk 1);
// - with runs, standardize_confounds is honoured in every run (nilearn's _process_runs
//   drops it and always z-scores the confounds);
// - cut-offs with filter None, low_pass with Cosine and negative cut-offs are errors
//   (nilearn warns and ignores them, or moves them to eps).
Eigen::MatrixXd clean(const Eigen::MatrixXd& signals, const CleanOptions& options,
                      const Eigen::MatrixXd& confounds = Eigen::MatrixXd(),
                      const std::optional<std::vector<int64_t>>& sample_mask = std::nullopt,
                      const std::vector<int>& runs = {});

}  // namespace brainenc::preprocessing
