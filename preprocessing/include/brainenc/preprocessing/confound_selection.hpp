// The pieces of confound selection that do not touch files: column names of an expanded
// signal, CompCor components from the JSON sidecar, scrubbing of high-motion volumes.
#pragma once

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "brainenc/preprocessing/fmriprep_confounds.hpp"

namespace brainenc::preprocessing {

// `base` followed by the fMRIPrep expansion columns of each name (e.g. trans_x_derivative1,
// trans_x_power2, trans_x_derivative1_power2 for Full).
std::vector<std::string> expand_confound_names(const std::vector<std::string>& base,
                                               Expansion expansion);

// CompCor columns chosen from the sidecar `meta` (nilearn's _find_compcor): for each prefix
// (t, then a), the names <p>_comp_cor_00 .. <p>_comp_cor_{N-1} where N counts the JSON keys
// containing "<p>_comp_cor"; anatomical ones are filtered by their "Mask" (combined, or WM then
// CSF when separated), and `n_compcor` keeps the first n per mask (per prefix for temporal).
// DataError naming `json_path` and the key when an entry or its Mask is missing.
std::vector<std::string> select_compcor(const nlohmann::json& meta, CompCorKind kind,
                                        std::optional<int> n_compcor, const std::string& json_path);

// Volumes censored by scrubbing (Power et al. 2014, as nilearn's _load_scrub and
// _optimize_scrub): framewise_displacement > fd_threshold or std_dvars > std_dvars_threshold
// (NaN never exceeds), then, when anything was flagged, every run of kept volumes shorter than
// `min_segment` volumes, including the first and last runs. Ascending indices.
std::vector<int64_t> scrub_volumes(const Eigen::VectorXd& framewise_displacement,
                                   const Eigen::VectorXd& std_dvars, double fd_threshold,
                                   double std_dvars_threshold, int min_segment);

}  // namespace brainenc::preprocessing
