// Preset denoising strategies (nilearn 0.10.2 load_confounds_strategy.preset_strategies).
#include "brainenc/preprocessing/confound_strategies.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "brainenc/io/error.hpp"

namespace brainenc::preprocessing {
namespace {

using C = ConfoundComponent;

// The options each preset lets the user change (nilearn's check_parameters), as CLI names.
std::vector<std::string> accepted_options(DenoiseStrategy s) {
  switch (s) {
    case DenoiseStrategy::Simple:
      return {"--motion", "--wm-csf", "--global-signal", "--demean"};
    case DenoiseStrategy::Scrubbing:
      return {"--motion",        "--wm-csf", "--scrub", "--fd-threshold", "--std-dvars-threshold",
              "--global-signal", "--demean"};
    case DenoiseStrategy::CompCor:
      return {"--motion", "--n-compcor", "--compcor", "--demean"};
    case DenoiseStrategy::IcaAroma:
      return {"--wm-csf", "--global-signal", "--demean"};
  }
  return {};
}

void require_accepted(bool given, const char* option, DenoiseStrategy s) {
  if (!given) return;
  const auto accepted = accepted_options(s);
  if (std::find(accepted.begin(), accepted.end(), option) == accepted.end()) {
    std::string list;
    for (const auto& a : accepted) list += (list.empty() ? "" : ", ") + a;
    throw UsageError(std::string(option) + " does not apply to denoise strategy '" + to_string(s) +
                     "' (it accepts " + list + ")");
  }
}

template <class T>
void apply(const std::optional<T>& value, T& target, const char* option, DenoiseStrategy s) {
  require_accepted(value.has_value(), option, s);
  if (value) target = *value;
}

}  // namespace

DenoiseStrategy parse_denoise_strategy(const std::string& name) {
  for (DenoiseStrategy s : {DenoiseStrategy::Simple, DenoiseStrategy::Scrubbing,
                            DenoiseStrategy::CompCor, DenoiseStrategy::IcaAroma})
    if (name == to_string(s)) return s;
  throw UsageError("--denoise-strategy: unknown preset '" + name +
                   "' (expected simple, scrubbing, compcor or ica_aroma)");
}

std::string to_string(DenoiseStrategy s) {
  switch (s) {
    case DenoiseStrategy::Simple:
      return "simple";
    case DenoiseStrategy::Scrubbing:
      return "scrubbing";
    case DenoiseStrategy::CompCor:
      return "compcor";
    case DenoiseStrategy::IcaAroma:
      return "ica_aroma";
  }
  return "?";
}

ConfoundsOptions strategy_preset(DenoiseStrategy strategy, const StrategyOverrides& overrides) {
  ConfoundsOptions o;  // load_confounds defaults for everything a preset leaves alone
  o.demean = true;
  switch (strategy) {
    case DenoiseStrategy::Simple:
      o.strategy = {C::HighPass, C::Motion, C::WmCsf};
      o.motion = Expansion::Full;
      o.wm_csf = Expansion::Basic;
      break;
    case DenoiseStrategy::Scrubbing:
      o.strategy = {C::HighPass, C::Motion, C::WmCsf, C::Scrub};
      o.motion = Expansion::Full;
      o.wm_csf = Expansion::Full;
      o.scrub = 5;
      o.fd_threshold = 0.2;
      o.std_dvars_threshold = 3.0;
      break;
    case DenoiseStrategy::CompCor:
      o.strategy = {C::HighPass, C::Motion, C::CompCor};
      o.motion = Expansion::Full;
      o.compcor = CompCorKind::AnatCombined;
      o.n_compcor = std::nullopt;
      break;
    case DenoiseStrategy::IcaAroma:
      o.strategy = {C::HighPass, C::WmCsf, C::IcaAroma};
      o.wm_csf = Expansion::Basic;
      o.ica_aroma = IcaAroma::Full;  // the non-aggressive variant only, whatever the user asks
      break;
  }
  apply(overrides.motion, o.motion, "--motion", strategy);
  apply(overrides.wm_csf, o.wm_csf, "--wm-csf", strategy);
  apply(overrides.scrub, o.scrub, "--scrub", strategy);
  apply(overrides.fd_threshold, o.fd_threshold, "--fd-threshold", strategy);
  apply(overrides.std_dvars_threshold, o.std_dvars_threshold, "--std-dvars-threshold", strategy);
  apply(overrides.compcor, o.compcor, "--compcor", strategy);
  require_accepted(overrides.n_compcor.has_value(), "--n-compcor", strategy);
  if (overrides.n_compcor) o.n_compcor = overrides.n_compcor;
  apply(overrides.demean, o.demean, "--demean", strategy);
  // No preset regresses the global signal unless asked: the "gsr" variants.
  if (overrides.global_signal) {
    apply(overrides.global_signal, o.global_signal, "--global-signal", strategy);
    o.strategy.push_back(C::GlobalSignal);
  }
  return o;
}

Confounds load_confounds_strategy(const std::string& image_or_tsv, DenoiseStrategy strategy,
                                  const StrategyOverrides& overrides) {
  return load_confounds(image_or_tsv, strategy_preset(strategy, overrides));
}

}  // namespace brainenc::preprocessing
