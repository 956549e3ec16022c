// nilearn 0.10.2 signal.clean: input checks, runs, and the order of the cleaning steps.
#include "brainenc/preprocessing/signal_clean.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>

#include "brainenc/io/error.hpp"
#include "brainenc/preprocessing/confound_regression.hpp"
#include "brainenc/preprocessing/cosine_drift.hpp"
#include "brainenc/preprocessing/detrend.hpp"
#include "python_repr.hpp"

namespace brainenc::preprocessing {

namespace {

void require_positive(const char* option, const std::optional<double>& v) {
  if (v && !(*v > 0.0 && std::isfinite(*v))) {
    throw UsageError(std::string(option) + " must be positive, got " + python_repr(*v));
  }
}

// nilearn _check_filter_parameters, stricter where nilearn would only warn: the filter that
// actually runs.
TemporalFilter effective_filter(const CleanOptions& o) {
  switch (o.filter) {
    case TemporalFilter::None:
      if (o.low_pass || o.high_pass) {
        throw UsageError("--low-pass/--high-pass are given but --filter is none");
      }
      return TemporalFilter::None;
    case TemporalFilter::Cosine:
      if (!o.t_r || !o.high_pass) {
        throw UsageError("--filter cosine needs both --t-r and --high-pass");
      }
      if (o.low_pass) {
        throw UsageError("--low-pass is not available with --filter cosine (use butterworth)");
      }
      require_positive("--t-r", o.t_r);
      require_positive("--high-pass", o.high_pass);
      return TemporalFilter::Cosine;
    case TemporalFilter::Butterworth:
      if (!o.low_pass && !o.high_pass && !o.t_r) return TemporalFilter::None;
      if (!o.t_r) throw UsageError("--t-r is required for butterworth filtering");
      require_positive("--t-r", o.t_r);
      require_positive("--low-pass", o.low_pass);
      require_positive("--high-pass", o.high_pass);
      if (o.low_pass && o.high_pass && *o.high_pass >= *o.low_pass) {
        throw UsageError("--high-pass (" + python_repr(*o.high_pass) +
                         " Hz) must be lower than --low-pass (" + python_repr(*o.low_pass) +
                         " Hz)");
      }
      return TemporalFilter::Butterworth;
  }
  return TemporalFilter::None;
}

Eigen::MatrixXd select_rows(const Eigen::MatrixXd& m, const std::vector<int64_t>& rows) {
  Eigen::MatrixXd out(static_cast<Eigen::Index>(rows.size()), m.cols());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out.row(static_cast<Eigen::Index>(i)) = m.row(static_cast<Eigen::Index>(rows[i]));
  }
  return out;
}

void warn(const CleanOptions& o, const std::string& message) {
  if (o.on_warning) o.on_warning(message);
}

// One run, in nilearn clean's order (runs=None branch). `confounds` has 0 columns when
// there are none; `kept` holds indices into this run.
Eigen::MatrixXd clean_run(Eigen::MatrixXd signals, Eigen::MatrixXd confounds,
                          const std::optional<std::vector<int64_t>>& kept, const CleanOptions& o,
                          TemporalFilter filter) {
  if (filter == TemporalFilter::Cosine) {
    // Drift terms on the full length, before any censoring.
    const Eigen::MatrixXd drift = cosine_drift(*o.high_pass, frame_times(signals.rows(), *o.t_r));
    if (drift.cols() == 0) {
      warn(o,
           "Cosine filter was not created. The time series might be too short or the high "
           "pass filter is not suitable for the data.");
    } else if (confounds.cols() == 0) {
      confounds = drift;
    } else if (cosine_drift_in_confounds(drift, confounds)) {
      warn(o,
           "Cosine filter(s) exist in user supplied confounds.Use user supplied regressors "
           "only.");
    } else {
      Eigen::MatrixXd both(confounds.rows(), confounds.cols() + drift.cols());
      both << confounds, drift;
      confounds = std::move(both);
    }
  }
  const bool has_confounds = confounds.cols() > 0;

  if (kept) {
    if (filter == TemporalFilter::Butterworth) {
      interpolate_volumes(signals, *kept, *o.t_r, o.interpolation);
      if (has_confounds) interpolate_volumes(confounds, *kept, *o.t_r, o.interpolation);
    } else {
      signals = select_rows(signals, *kept);
      if (has_confounds) confounds = select_rows(confounds, *kept);
    }
  }

  Eigen::RowVectorXd mean_signals;
  if (o.detrend) {
    mean_signals = signals.colwise().mean();
    detrend_inplace(signals);
    if (has_confounds) detrend_inplace(confounds);
  }

  if (filter == TemporalFilter::Butterworth) {
    // Confounds get the same filter, so the regression stays orthogonal to it (Lindquist et
    // al. 2018); the censored volumes leave only after filtering.
    const double sampling_rate = 1.0 / *o.t_r;
    signals = butterworth(signals, sampling_rate, o.low_pass, o.high_pass, 5, o.on_warning);
    if (has_confounds) {
      confounds = butterworth(confounds, sampling_rate, o.low_pass, o.high_pass, 5, o.on_warning);
    }
    if (kept) {
      signals = select_rows(signals, *kept);
      if (has_confounds) confounds = select_rows(confounds, *kept);
    }
  }

  if (has_confounds) regress_confounds(signals, std::move(confounds), o.standardize_confounds);

  if (o.detrend && o.standardize == Standardize::Psc) {
    // psc needs the original mean, which detrending removed.
    signals.rowwise() += mean_signals;
  }
  standardize_inplace(signals, o.standardize);
  return signals;
}

void check_finite(Eigen::MatrixXd& signals, const Eigen::MatrixXd& confounds, bool ensure_finite) {
  for (Eigen::Index j = 0; j < confounds.cols(); ++j) {
    for (Eigen::Index i = 0; i < confounds.rows(); ++i) {
      if (!std::isfinite(confounds(i, j))) {
        throw DataError("--confounds holds a non-finite value (" + python_repr(confounds(i, j)) +
                        ") at row " + std::to_string(i) + ", column " + std::to_string(j));
      }
    }
  }
  for (Eigen::Index j = 0; j < signals.cols(); ++j) {
    for (Eigen::Index i = 0; i < signals.rows(); ++i) {
      if (std::isfinite(signals(i, j))) continue;
      if (!ensure_finite) {
        throw DataError("the signals hold a non-finite value (" + python_repr(signals(i, j)) +
                        ") at time point " + std::to_string(i) + ", column " + std::to_string(j) +
                        "; --ensure-finite replaces such values by 0");
      }
      signals(i, j) = 0.0;
    }
  }
}

void check_sample_mask(const std::vector<int64_t>& kept, Eigen::Index n) {
  for (std::size_t i = 0; i < kept.size(); ++i) {
    if (kept[i] < 0 || kept[i] >= n) {
      throw DataError("--sample-mask index " + std::to_string(kept[i]) +
                      " is out of range: the signals have " + std::to_string(n) + " time points");
    }
    if (i > 0 && kept[i] <= kept[i - 1]) {
      throw DataError(
          "--sample-mask must list the kept time points in increasing order, "
          "without repeats (" +
          std::to_string(kept[i]) + " follows " + std::to_string(kept[i - 1]) + ")");
    }
  }
}

void check_kept_count(std::size_t count, TemporalFilter filter, const std::string& where) {
  if (count == 0) throw DataError("--sample-mask keeps no time point" + where);
  if (filter == TemporalFilter::Butterworth && count < 2) {
    throw DataError("--sample-mask keeps 1 time point" + where +
                    "; interpolating the censored volumes needs at least 2");
  }
}

}  // namespace

TemporalFilter parse_temporal_filter(const std::string& name) {
  if (name == "butterworth") return TemporalFilter::Butterworth;
  if (name == "cosine") return TemporalFilter::Cosine;
  if (name == "none" || name == "false") return TemporalFilter::None;
  throw UsageError("--filter: unknown filter '" + name +
                   "' (expected butterworth, cosine or none)");
}

std::string to_string(TemporalFilter f) {
  switch (f) {
    case TemporalFilter::None:
      return "none";
    case TemporalFilter::Butterworth:
      return "butterworth";
    case TemporalFilter::Cosine:
      return "cosine";
  }
  return "none";
}

Eigen::MatrixXd clean(const Eigen::MatrixXd& signals, const CleanOptions& options,
                      const Eigen::MatrixXd& confounds,
                      const std::optional<std::vector<int64_t>>& sample_mask,
                      const std::vector<int>& runs) {
  const Eigen::Index n = signals.rows();
  const bool has_confounds = confounds.cols() > 0;
  if (has_confounds && confounds.rows() != n) {
    throw DataError("--confounds has " + std::to_string(confounds.rows()) + " rows, the signals " +
                    std::to_string(n));
  }
  if (!runs.empty() && static_cast<Eigen::Index>(runs.size()) != n) {
    throw DataError("--runs has " + std::to_string(runs.size()) + " entries, the signals " +
                    std::to_string(n) + " time points");
  }
  if (sample_mask) check_sample_mask(*sample_mask, n);
  const TemporalFilter filter = effective_filter(options);
  Eigen::MatrixXd data = signals;
  const Eigen::MatrixXd regressors = has_confounds ? confounds : Eigen::MatrixXd(n, 0);
  check_finite(data, regressors, options.ensure_finite);
  if (options.detrend == false && has_confounds && !options.standardize_confounds) {
    warn(options,
         "When confounds are provided, one must perform detrend and/or standardize "
         "confounds. You provided detrend=False, standardize_confounds=False.");
  }

  if (runs.empty()) {
    if (sample_mask) check_kept_count(sample_mask->size(), filter, "");
    return clean_run(std::move(data), regressors, sample_mask, options, filter);
  }

  // Rows of each run in time order, runs in ascending label order (np.unique).
  std::map<int, std::vector<int64_t>> run_rows;
  for (Eigen::Index i = 0; i < n; ++i) run_rows[runs[static_cast<std::size_t>(i)]].push_back(i);
  std::vector<Eigen::MatrixXd> cleaned;
  Eigen::Index total_rows = 0;
  for (const auto& [label, rows] : run_rows) {
    std::optional<std::vector<int64_t>> kept;
    if (sample_mask) {
      // Global kept indices -> positions within this run.
      kept.emplace();
      for (std::size_t pos = 0; pos < rows.size(); ++pos) {
        if (std::binary_search(sample_mask->begin(), sample_mask->end(), rows[pos])) {
          kept->push_back(static_cast<int64_t>(pos));
        }
      }
      check_kept_count(kept->size(), filter, " of run " + std::to_string(label));
    }
    try {
      cleaned.push_back(
          clean_run(select_rows(data, rows), select_rows(regressors, rows), kept, options, filter));
    } catch (const DataError& e) {
      throw DataError("run " + std::to_string(label) + ": " + e.what());
    }
    total_rows += cleaned.back().rows();
  }
  Eigen::MatrixXd out(total_rows, signals.cols());
  Eigen::Index offset = 0;
  for (const Eigen::MatrixXd& part : cleaned) {
    out.middleRows(offset, part.rows()) = part;
    offset += part.rows();
  }
  return out;
}

}  // namespace brainenc::preprocessing
