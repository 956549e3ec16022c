// Preset denoising strategies, as nilearn 0.10.2's load_confounds_strategy: each preset fixes
// the noise components and lets the user change only some of their parameters.
#pragma once

#include <optional>
#include <string>

#include "brainenc/preprocessing/fmriprep_confounds.hpp"

namespace brainenc::preprocessing {

// simple (Fox 2005): high_pass, motion full, wm_csf basic.
// scrubbing (Power 2012): high_pass, motion full, wm_csf full, scrub 5, FD 0.2, std_dvars 3.
// compcor (Behzadi 2007): high_pass, motion full, anatomical CompCor combined, all components.
// ica_aroma (Pruim 2015): high_pass, wm_csf basic, ica_aroma full (AROMA-denoised image).
enum class DenoiseStrategy { Simple, Scrubbing, CompCor, IcaAroma };

DenoiseStrategy parse_denoise_strategy(const std::string& name);  // UsageError otherwise
std::string to_string(DenoiseStrategy s);

// User changes to a preset; unset fields keep the preset's value. Setting `global_signal`
// adds the global_signal component (the "gsr" variants) to every preset but compcor.
struct StrategyOverrides {
  std::optional<Expansion> motion;
  std::optional<Expansion> wm_csf;
  std::optional<Expansion> global_signal;
  std::optional<int> scrub;
  std::optional<double> fd_threshold;
  std::optional<double> std_dvars_threshold;
  std::optional<CompCorKind> compcor;
  std::optional<int> n_compcor;  // unset: the preset's "all"
  std::optional<bool> demean;
};

// The load_confounds options of a preset. An override the preset does not accept is a
// UsageError naming the option and the accepted ones (nilearn warns and ignores it).
ConfoundsOptions strategy_preset(DenoiseStrategy strategy, const StrategyOverrides& overrides = {});

// load_confounds with a preset.
Confounds load_confounds_strategy(const std::string& image_or_tsv, DenoiseStrategy strategy,
                                  const StrategyOverrides& overrides = {});

}  // namespace brainenc::preprocessing
