// Confound selection that does not touch files: expansions, CompCor choice, scrubbing.
#include "brainenc/preprocessing/confound_selection.hpp"

#include <string>
#include <vector>

#include "brainenc/io/error.hpp"

namespace brainenc::preprocessing {
namespace {

// fMRIPrep numbers components with at least two digits (a_comp_cor_07, a_comp_cor_100).
std::string component_name(const std::string& prefix, size_t index) {
  std::string number = std::to_string(index);
  if (number.size() < 2) number.insert(0, 2 - number.size(), '0');
  return prefix + "_comp_cor_" + number;
}

std::vector<std::string> first_n(std::vector<std::string> names, std::optional<int> n) {
  if (n && static_cast<size_t>(*n) < names.size()) names.resize(static_cast<size_t>(*n));
  return names;
}

const std::string& mask_of(const nlohmann::json& meta, const std::string& column,
                           const std::string& json_path) {
  const auto entry = meta.find(column);
  if (entry == meta.end())
    throw DataError(json_path, "no entry '" + column +
                                   "' (fMRIPrep numbers the components from 00 without gaps)");
  const auto mask = entry->find("Mask");
  if (mask == entry->end() || !mask->is_string())
    throw DataError(json_path, "entry '" + column + "' has no string \"Mask\"");
  return mask->get_ref<const std::string&>();
}

}  // namespace

std::vector<std::string> expand_confound_names(const std::vector<std::string>& base,
                                               Expansion expansion) {
  std::vector<const char*> suffixes;
  switch (expansion) {
    case Expansion::Basic:
      break;
    case Expansion::Power2:
      suffixes = {"_power2"};
      break;
    case Expansion::Derivatives:
      suffixes = {"_derivative1"};
      break;
    case Expansion::Full:
      suffixes = {"_derivative1", "_power2", "_derivative1_power2"};
      break;
  }
  std::vector<std::string> out = base;
  for (const std::string& name : base)
    for (const char* suffix : suffixes) out.push_back(name + suffix);
  return out;
}

std::vector<std::string> select_compcor(const nlohmann::json& meta, CompCorKind kind,
                                        std::optional<int> n_compcor,
                                        const std::string& json_path) {
  std::vector<std::string> prefixes;
  if (kind == CompCorKind::Temporal || kind == CompCorKind::TemporalAnatCombined ||
      kind == CompCorKind::TemporalAnatSeparated)
    prefixes.push_back("t");
  if (kind != CompCorKind::Temporal) prefixes.push_back("a");
  const bool separated =
      kind == CompCorKind::AnatSeparated || kind == CompCorKind::TemporalAnatSeparated;
  const std::vector<std::string> masks =
      separated ? std::vector<std::string>{"WM", "CSF"} : std::vector<std::string>{"combined"};

  std::vector<std::string> selected;
  for (const std::string& prefix : prefixes) {
    // nilearn counts the sidecar's keys of this kind, then takes the names 00 .. N-1 in
    // numeric order, so the selection is by component number, not by JSON key order.
    size_t count = 0;
    for (auto it = meta.begin(); it != meta.end(); ++it)
      if (it.key().find(prefix + "_comp_cor") != std::string::npos) ++count;
    std::vector<std::string> names;
    for (size_t i = 0; i < count; ++i) names.push_back(component_name(prefix, i));
    if (prefix == "t") {
      for (auto& name : first_n(names, n_compcor)) selected.push_back(std::move(name));
      continue;
    }
    for (const std::string& mask : masks) {
      std::vector<std::string> in_mask;
      // nilearn tests `Mask in mask`, a substring test on the option's mask name.
      for (const std::string& name : names)
        if (mask.find(mask_of(meta, name, json_path)) != std::string::npos) in_mask.push_back(name);
      for (auto& name : first_n(in_mask, n_compcor)) selected.push_back(std::move(name));
    }
  }
  return selected;
}

std::vector<int64_t> scrub_volumes(const Eigen::VectorXd& framewise_displacement,
                                   const Eigen::VectorXd& std_dvars, double fd_threshold,
                                   double std_dvars_threshold, int min_segment) {
  const Eigen::Index n = framewise_displacement.size();
  if (std_dvars.size() != n)
    throw DataError("scrubbing: framewise_displacement has " + std::to_string(n) +
                    " values but std_dvars has " + std::to_string(std_dvars.size()));
  std::vector<bool> censored(static_cast<size_t>(n), false);
  bool any = false;
  for (Eigen::Index i = 0; i < n; ++i) {
    // Comparisons with NaN (the first volume has no FD / DVARS) are false: never censored.
    censored[static_cast<size_t>(i)] =
        framewise_displacement[i] > fd_threshold || std_dvars[i] > std_dvars_threshold;
    any = any || censored[static_cast<size_t>(i)];
  }
  // Power 2014: segments of fewer than `min_segment` clean volumes between (or before / after)
  // censored ones are too short to estimate anything; they go too.
  if (any && min_segment > 0) {
    Eigen::Index start = 0;
    while (start < n) {
      if (censored[static_cast<size_t>(start)]) {
        ++start;
        continue;
      }
      Eigen::Index end = start;
      while (end < n && !censored[static_cast<size_t>(end)]) ++end;
      if (end - start < min_segment)
        for (Eigen::Index i = start; i < end; ++i) censored[static_cast<size_t>(i)] = true;
      start = end;
    }
  }
  std::vector<int64_t> out;
  for (Eigen::Index i = 0; i < n; ++i)
    if (censored[static_cast<size_t>(i)]) out.push_back(i);
  return out;
}

}  // namespace brainenc::preprocessing
