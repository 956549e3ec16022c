#include "extract_options.hpp"

#include <cmath>

#include "brainenc/io/error.hpp"
#include "brainenc/io/table.hpp"
#include "brainenc/preprocessing/confound_strategies.hpp"

namespace brainenc::pipeline {
namespace pp = brainenc::preprocessing;

void declare_masker_options(po::options_description& o) {
  o.add_options()(
      "strategy", po::value<std::string>()->default_value("mean"),
      "region reduction: mean, median, sum, minimum, maximum, variance, standard_deviation")(
      "background-label", po::value<double>()->default_value(0.0), "label value of the background")(
      "drop-masked-labels",
      "drop labels with no voxel in the mask (default: keep them as zero columns)");
}

void declare_confounds_options(po::options_description& o) {
  o.add_options()("confounds", po::value<std::string>(),
                  "confounds table (fMRIPrep *_desc-confounds_timeseries.tsv, or any "
                  "TSV/CSV/1D/NPY used as is)")(
      "denoise-strategy", po::value<std::string>(),
      "fMRIPrep preset as nilearn load_confounds_strategy: simple, scrubbing, compcor, ica_aroma")(
      "confounds-strategy", po::value<std::string>(),
      "fMRIPrep components as nilearn load_confounds: comma list of motion, high_pass, wm_csf, "
      "global_signal, compcor, ica_aroma, scrub, non_steady_state")(
      "motion", po::value<std::string>(), "basic, power2, derivatives or full (default full)")(
      "wm-csf", po::value<std::string>(), "basic, power2, derivatives or full (default basic)")(
      "global-signal", po::value<std::string>(),
      "basic, power2, derivatives or full (default basic)")(
      "scrub", po::value<int>(), "minimum kept segment length after scrubbing (default 5)")(
      "fd-threshold", po::value<double>(), "framewise displacement threshold in mm (default 0.2)")(
      "std-dvars-threshold", po::value<double>(), "standardized DVARS threshold (default 3)")(
      "compcor", po::value<std::string>(),
      "anat_combined, anat_separated, temporal, temporal_anat_combined, temporal_anat_separated")(
      "n-compcor", po::value<std::string>(), "components per mask, or 'all' (default all)")(
      "no-demean", "do not demean the selected confounds")(
      "sample-mask", po::value<std::string>(),
      "volumes to keep: a one-column file of 0/1 per volume, or of kept volume indices (0-based); "
      "combined with the confounds' own mask (scrubbing, non-steady-state)")(
      "high-variance-confounds",
      "also regress out nilearn's high-variance confounds (the maskers' "
      "high_variance_confounds=True): principal components of the detrended BOLD's "
      "highest-variance voxels, over every voxel of the BOLD grid, put before the other "
      "confounds; reads the BOLD a second time")(
      "hv-n-confounds", po::value<int>(),
      "with --high-variance-confounds: number of components (default 5)")(
      "hv-percentile", po::value<double>(),
      "with --high-variance-confounds: percent of the voxels, those of highest variance, "
      "used (default 2)");
}

void declare_clean_options(po::options_description& o) {
  o.add_options()("detrend", "remove a linear trend (nilearn detrend=True)")(
      "standardize", po::value<std::string>()->default_value("none"),
      "none, zscore, zscore_sample or psc")(
      "low-pass", po::value<double>(), "low-pass cut-off in Hz (Butterworth, order 5, zero-phase)")(
      "high-pass", po::value<double>(), "high-pass cut-off in Hz")(
      "t-r", po::value<double>(),
      "repetition time in s (default: the run's RepetitionTime when a filter needs it)")(
      "filter", po::value<std::string>()->default_value("butterworth"),
      "butterworth or cosine (high-pass only)")(
      "no-standardize-confounds",
      "divide confounds by their max |value| instead of z-scoring them")(
      "scrub-interpolation", po::value<std::string>()->default_value("nilearn"),
      "how censored volumes are interpolated before filtering: 'nilearn' (0.10.2's mirrored rows, "
      "for "
      "parity) or 'censored' (the censored volumes themselves)");
}

std::vector<int64_t> read_sample_mask(const std::string& path) {
  const io::Table t = io::read_table(path);
  if (t.values.cols() != 1 || t.values.rows() == 0)
    throw DataError(path,
                    "a sample mask must be one non-empty column (0/1 per volume, or kept indices)");
  const Eigen::VectorXd v = t.values.col(0);
  bool boolean = true;
  for (Eigen::Index i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i]) || v[i] != std::floor(v[i]) || v[i] < 0)
      throw DataError(path, "row " + std::to_string(i + 1) + ": '" + io::format_number(v[i]) +
                                "' is not a volume index or 0/1");
    boolean = boolean && (v[i] == 0 || v[i] == 1);
  }
  std::vector<int64_t> kept;
  // A 0/1 column with at least one 0 after a 1 cannot be a list of increasing indices.
  const bool increasing = [&] {
    for (Eigen::Index i = 1; i < v.size(); ++i)
      if (v[i] <= v[i - 1]) return false;
    return true;
  }();
  if (boolean && !increasing) {
    for (Eigen::Index i = 0; i < v.size(); ++i)
      if (v[i] == 1) kept.push_back(i);
  } else {
    if (!increasing) throw DataError(path, "kept volume indices must be strictly increasing");
    for (Eigen::Index i = 0; i < v.size(); ++i) kept.push_back(static_cast<int64_t>(v[i]));
  }
  return kept;
}

void apply_extract_options(const po::variables_map& vm, const std::string& confounds_file,
                           double run_tr, ExtractRequest& request) {
  request.masker.strategy = pp::parse_label_strategy(vm["strategy"].as<std::string>());
  request.masker.background_label = vm["background-label"].as<double>();
  request.masker.keep_masked_labels = vm.count("drop-masked-labels") == 0;

  // Confounds: a selection strategy, an explicit file, or both.
  const bool preset = vm.count("denoise-strategy") > 0;
  const bool components = vm.count("confounds-strategy") > 0;
  if (preset && components)
    throw UsageError("--denoise-strategy and --confounds-strategy exclude each other");
  std::string file = vm.count("confounds") ? vm["confounds"].as<std::string>() : confounds_file;
  if ((preset || components) && file.empty())
    throw UsageError(
        "--" + std::string(preset ? "denoise-strategy" : "confounds-strategy") +
        " needs a confounds file: pass --confounds or use an fMRIPrep dataset (--bids)");
  for (const char* opt : {"motion", "wm-csf", "global-signal", "scrub", "fd-threshold",
                          "std-dvars-threshold", "compcor", "n-compcor", "no-demean"})
    if (vm.count(opt) && !preset && !components)
      throw UsageError(std::string("--") + opt +
                       " needs --confounds-strategy or --denoise-strategy");
  if (!file.empty() && (vm.count("confounds") || preset || components)) {
    ConfoundsRequest c;
    c.file = file;
    if (preset) {
      pp::StrategyOverrides ov;
      if (vm.count("motion"))
        ov.motion = pp::parse_expansion(vm["motion"].as<std::string>(), "--motion");
      if (vm.count("wm-csf"))
        ov.wm_csf = pp::parse_expansion(vm["wm-csf"].as<std::string>(), "--wm-csf");
      if (vm.count("global-signal"))
        ov.global_signal =
            pp::parse_expansion(vm["global-signal"].as<std::string>(), "--global-signal");
      if (vm.count("scrub")) ov.scrub = vm["scrub"].as<int>();
      if (vm.count("fd-threshold")) ov.fd_threshold = vm["fd-threshold"].as<double>();
      if (vm.count("std-dvars-threshold"))
        ov.std_dvars_threshold = vm["std-dvars-threshold"].as<double>();
      if (vm.count("compcor")) ov.compcor = pp::parse_compcor(vm["compcor"].as<std::string>());
      if (vm.count("n-compcor"))
        ov.n_compcor = pp::parse_n_compcor(vm["n-compcor"].as<std::string>());
      if (vm.count("no-demean")) ov.demean = false;
      c.selection = pp::strategy_preset(
          pp::parse_denoise_strategy(vm["denoise-strategy"].as<std::string>()), ov);
    } else if (components) {
      pp::ConfoundsOptions s;
      s.strategy = pp::parse_confound_strategy(vm["confounds-strategy"].as<std::string>());
      if (vm.count("motion"))
        s.motion = pp::parse_expansion(vm["motion"].as<std::string>(), "--motion");
      if (vm.count("wm-csf"))
        s.wm_csf = pp::parse_expansion(vm["wm-csf"].as<std::string>(), "--wm-csf");
      if (vm.count("global-signal"))
        s.global_signal =
            pp::parse_expansion(vm["global-signal"].as<std::string>(), "--global-signal");
      if (vm.count("scrub")) s.scrub = vm["scrub"].as<int>();
      if (vm.count("fd-threshold")) s.fd_threshold = vm["fd-threshold"].as<double>();
      if (vm.count("std-dvars-threshold"))
        s.std_dvars_threshold = vm["std-dvars-threshold"].as<double>();
      if (vm.count("compcor")) s.compcor = pp::parse_compcor(vm["compcor"].as<std::string>());
      if (vm.count("n-compcor"))
        s.n_compcor = pp::parse_n_compcor(vm["n-compcor"].as<std::string>());
      if (vm.count("no-demean")) s.demean = false;
      pp::validate(s);
      c.selection = s;
    }
    request.confounds = c;
  }

  request.high_variance_confounds = vm.count("high-variance-confounds") > 0;
  for (const char* opt : {"hv-n-confounds", "hv-percentile"})
    if (vm.count(opt) && !request.high_variance_confounds)
      throw UsageError(std::string("--") + opt + " needs --high-variance-confounds");
  pp::HighVarianceOptions& hv = request.high_variance;
  if (vm.count("hv-n-confounds")) hv.n_confounds = vm["hv-n-confounds"].as<int>();
  if (vm.count("hv-percentile")) hv.percentile = vm["hv-percentile"].as<double>();
  if (hv.n_confounds < 1)
    throw UsageError("--hv-n-confounds: " + std::to_string(hv.n_confounds) + " is not at least 1");
  if (!(hv.percentile >= 0.0 && hv.percentile <= 100.0))
    throw UsageError("--hv-percentile: " + io::format_number(hv.percentile) +
                     " is not in [0, 100]");

  if (vm.count("sample-mask"))
    request.sample_mask = read_sample_mask(vm["sample-mask"].as<std::string>());

  pp::CleanOptions& clean = request.clean;
  clean.detrend = vm.count("detrend") > 0;
  const std::string standardize = vm["standardize"].as<std::string>();
  clean.standardize =
      standardize == "none" ? pp::Standardize::None : pp::parse_standardize(standardize);
  clean.filter = pp::parse_temporal_filter(vm["filter"].as<std::string>());
  if (vm.count("low-pass")) clean.low_pass = vm["low-pass"].as<double>();
  if (vm.count("high-pass")) clean.high_pass = vm["high-pass"].as<double>();
  clean.standardize_confounds = vm.count("no-standardize-confounds") == 0;
  const std::string interp = vm["scrub-interpolation"].as<std::string>();
  if (interp == "nilearn")
    clean.interpolation = pp::ScrubInterpolation::NilearnMirrored;
  else if (interp == "censored")
    clean.interpolation = pp::ScrubInterpolation::CensoredVolumes;
  else
    throw UsageError("--scrub-interpolation: '" + interp + "' is not 'nilearn' or 'censored'");
  // As the maskers: t_r only when given, or when a filter needs one (then the run's TR).
  if (vm.count("t-r")) {
    clean.t_r = vm["t-r"].as<double>();
  } else if (clean.low_pass || clean.high_pass) {
    if (!(run_tr > 0))
      throw UsageError(
          "--low-pass/--high-pass need the repetition time: the run's header has none, pass --t-r");
    clean.t_r = run_tr;
  }
}

}  // namespace brainenc::pipeline
