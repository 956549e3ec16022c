// fMRIPrep confound selection with a scrubbing sample mask, as nilearn 0.10.2's
// interfaces.fmriprep.load_confounds: noise components (motion, wm_csf, global_signal,
// compcor, high_pass, ica_aroma) picked from the confounds TSV by name, censored volumes
// (non-steady-state, scrubbing) returned as a sample mask instead of one-hot regressors.
// Reference README quirk 14 lists the behaviour reproduced here.
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace brainenc::preprocessing {

// The noise components of nilearn's `strategy`.
enum class ConfoundComponent {
  Motion,
  HighPass,
  WmCsf,
  GlobalSignal,
  CompCor,
  IcaAroma,
  Scrub,
  NonSteadyState  // always applied; accepted in a strategy for nilearn compatibility
};

// How a signal is expanded (nilearn's `motion`, `wm_csf`, `global_signal` values):
// basic x; power2 x, x_power2; derivatives x, x_derivative1; full all four, with
// x_derivative1_power2.
enum class Expansion { Basic, Power2, Derivatives, Full };

// nilearn's `compcor`: which fMRIPrep CompCor components, and for anatomical CompCor which
// mask (the combined WM+CSF mask, or the WM and CSF masks separately).
enum class CompCorKind {
  AnatCombined,
  AnatSeparated,
  Temporal,
  TemporalAnatCombined,
  TemporalAnatSeparated
};

// nilearn's `ica_aroma`: full = the image is already AROMA-denoised (no regressor);
// basic = the aroma_motion_XX noise components as regressors.
enum class IcaAroma { Full, Basic };

// nilearn's load_confounds parameters and defaults.
struct ConfoundsOptions {
  std::vector<ConfoundComponent> strategy = {ConfoundComponent::Motion, ConfoundComponent::HighPass,
                                             ConfoundComponent::WmCsf};
  Expansion motion = Expansion::Full;
  Expansion wm_csf = Expansion::Basic;
  Expansion global_signal = Expansion::Basic;
  // Scrubbing: after censoring FD > fd_threshold (mm) or std_dvars > std_dvars_threshold,
  // also censor every run of kept volumes shorter than `scrub` (0: no such pass).
  int scrub = 5;
  double fd_threshold = 0.2;
  double std_dvars_threshold = 3.0;
  CompCorKind compcor = CompCorKind::AnatCombined;
  // Components kept per mask; nullopt = "all": every component the JSON sidecar lists, which
  // is what fMRIPrep retained (50 % of the variance by default).
  std::optional<int> n_compcor;
  IcaAroma ica_aroma = IcaAroma::Full;
  // Subtract each column's mean, over the kept volumes when there is a sample mask.
  bool demean = true;
};

struct Confounds {
  std::vector<std::string> columns;  // sorted by name, as nilearn returns them
  Eigen::MatrixXd values;            // volumes x columns (every volume, censored ones too)
  // Indices of the volumes to keep, ascending; nullopt when no volume is censored because
  // the file has no non_steady_state_outlierXX column and scrubbing flagged nothing.
  std::optional<std::vector<int64_t>> sample_mask;
  std::string tsv_path;   // the confounds file read
  std::string json_path;  // its sidecar when it was read (CompCor), else empty
};

// Confounds for one run. `image_or_tsv` is an fMRIPrep BOLD file (…_desc-preproc_bold.nii.gz,
// …_bold.dtseries.nii, …_bold.func.gii, or …_desc-smoothAROMAnonaggr_bold.nii.gz for
// ica_aroma=full) whose confounds TSV sits next to it, or the confounds TSV itself.
// Throws UsageError for inconsistent options and DataError naming the file and the column or
// JSON key at fault (missing file, missing column, n/a beyond the first row).
Confounds load_confounds(const std::string& image_or_tsv, const ConfoundsOptions& options = {});

// Checks the options as nilearn does before reading anything (UsageError naming the option):
// components listed twice, compcor without high_pass, scrub < 0, n_compcor < 1, NaN thresholds.
void validate(const ConfoundsOptions& options);

// Parsing of option values, for the CLI and config files. UsageError names the option
// (`--strategy`, `--motion`, ...) and lists the accepted values.
ConfoundComponent parse_confound_component(const std::string& name);
std::vector<ConfoundComponent> parse_confound_strategy(const std::string& comma_list);
Expansion parse_expansion(const std::string& value, const std::string& option);
CompCorKind parse_compcor(const std::string& value);
std::optional<int> parse_n_compcor(const std::string& value);  // "all" -> nullopt
IcaAroma parse_ica_aroma(const std::string& value);

std::string to_string(ConfoundComponent c);
std::string to_string(Expansion e);
std::string to_string(CompCorKind k);
std::string to_string(IcaAroma a);

}  // namespace brainenc::preprocessing
