// Option values of load_confounds: parsing from strings, names, and the up-front checks that
// nilearn's _check_strategy makes.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "brainenc/io/error.hpp"
#include "brainenc/preprocessing/fmriprep_confounds.hpp"

namespace brainenc::preprocessing {
namespace {

template <class Enum, size_t N>
Enum parse_name(const std::string& value, const std::string& option,
                const std::pair<const char*, Enum> (&names)[N]) {
  std::string accepted;
  for (const auto& [name, e] : names) {
    if (value == name) return e;
    accepted += (accepted.empty() ? "" : ", ") + std::string(name);
  }
  throw UsageError(option + ": unknown value '" + value + "' (expected one of " + accepted + ")");
}

template <class Enum, size_t N>
std::string name_of(Enum e, const std::pair<const char*, Enum> (&names)[N]) {
  for (const auto& [name, v] : names)
    if (v == e) return name;
  return "?";
}

const std::pair<const char*, ConfoundComponent> kComponents[] = {
    {"motion", ConfoundComponent::Motion},
    {"high_pass", ConfoundComponent::HighPass},
    {"wm_csf", ConfoundComponent::WmCsf},
    {"global_signal", ConfoundComponent::GlobalSignal},
    {"compcor", ConfoundComponent::CompCor},
    {"ica_aroma", ConfoundComponent::IcaAroma},
    {"scrub", ConfoundComponent::Scrub},
    {"non_steady_state", ConfoundComponent::NonSteadyState}};

const std::pair<const char*, Expansion> kExpansions[] = {{"basic", Expansion::Basic},
                                                         {"power2", Expansion::Power2},
                                                         {"derivatives", Expansion::Derivatives},
                                                         {"full", Expansion::Full}};

// nilearn also parses "temporal_anat" and "anat" but then fails (KeyError / TypeError): the
// anatomical variants need their mask spelled out.
const std::pair<const char*, CompCorKind> kCompCor[] = {
    {"anat_combined", CompCorKind::AnatCombined},
    {"anat_separated", CompCorKind::AnatSeparated},
    {"temporal", CompCorKind::Temporal},
    {"temporal_anat_combined", CompCorKind::TemporalAnatCombined},
    {"temporal_anat_separated", CompCorKind::TemporalAnatSeparated}};

const std::pair<const char*, IcaAroma> kAroma[] = {{"full", IcaAroma::Full},
                                                   {"basic", IcaAroma::Basic}};

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

}  // namespace

ConfoundComponent parse_confound_component(const std::string& name) {
  return parse_name(name, "--strategy", kComponents);
}

std::vector<ConfoundComponent> parse_confound_strategy(const std::string& comma_list) {
  std::vector<ConfoundComponent> out;
  size_t start = 0;
  for (;;) {
    const size_t comma = comma_list.find(',', start);
    const std::string item = trim(comma_list.substr(start, comma - start));
    if (!item.empty()) out.push_back(parse_confound_component(item));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Expansion parse_expansion(const std::string& value, const std::string& option) {
  return parse_name(value, option, kExpansions);
}

CompCorKind parse_compcor(const std::string& value) {
  return parse_name(value, "--compcor", kCompCor);
}

std::optional<int> parse_n_compcor(const std::string& value) {
  if (value == "all") return std::nullopt;
  size_t used = 0;
  int n = 0;
  try {
    n = std::stoi(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || value.empty() || n < 1)
    throw UsageError("--n-compcor: expected 'all' or a positive integer, got '" + value + "'");
  return n;
}

IcaAroma parse_ica_aroma(const std::string& value) {
  return parse_name(value, "--ica-aroma", kAroma);
}

std::string to_string(ConfoundComponent c) { return name_of(c, kComponents); }
std::string to_string(Expansion e) { return name_of(e, kExpansions); }
std::string to_string(CompCorKind k) { return name_of(k, kCompCor); }
std::string to_string(IcaAroma a) { return name_of(a, kAroma); }

void validate(const ConfoundsOptions& options) {
  const auto& s = options.strategy;
  for (size_t i = 0; i < s.size(); ++i)
    if (std::find(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(i), s[i]) !=
        s.begin() + static_cast<std::ptrdiff_t>(i))
      throw UsageError("--strategy: '" + to_string(s[i]) + "' is listed twice");
  const auto has = [&](ConfoundComponent c) { return std::find(s.begin(), s.end(), c) != s.end(); };
  // fMRIPrep computes CompCor on high-pass filtered data: its cosine regressors must go along.
  if (has(ConfoundComponent::CompCor) && !has(ConfoundComponent::HighPass))
    throw UsageError("--strategy: compcor needs high_pass in the strategy as well");
  if (options.scrub < 0)
    throw UsageError("--scrub: the minimal segment length must be >= 0, got " +
                     std::to_string(options.scrub));
  if (options.n_compcor && *options.n_compcor < 1)
    throw UsageError("--n-compcor: expected 'all' or a positive integer, got " +
                     std::to_string(*options.n_compcor));
  if (std::isnan(options.fd_threshold)) throw UsageError("--fd-threshold: NaN is not a threshold");
  if (std::isnan(options.std_dvars_threshold))
    throw UsageError("--std-dvars-threshold: NaN is not a threshold");
}

}  // namespace brainenc::preprocessing
