// Where fMRIPrep keeps a run's confounds, and reading them with the checks nilearn makes.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "brainenc/io/table.hpp"

namespace brainenc::preprocessing {

// The confounds TSV of an fMRIPrep BOLD file, in the same folder: any file named by a subset
// of the image's entities (in their order, desc replaced by `confounds`) followed by
// `_timeseries.tsv` (fMRIPrep >= 20.2) or `_regressors.tsv` (1.2 to 20.1), as nilearn's
// _get_file_name. The image name must be one fMRIPrep writes (…_desc-preproc_bold.nii[.gz],
// …_bold.dtseries.nii, …_hemi-L|R…_bold.func.gii, …_desc-smoothAROMAnonaggr_bold…).
// DataError naming the image when it has another name, when no confounds file is found, or
// when several are.
std::string find_confounds_file(const std::string& image_path);

// True when the name is fMRIPrep's ICA-AROMA denoised output (…_desc-smoothAROMAnonaggr_bold).
bool is_aroma_image(const std::string& image_path);

// The JSON sidecar of a confounds TSV (same name, .json).
std::string confounds_json_path(const std::string& tsv_path);

// Reads a confounds TSV ("n/a" -> NaN). DataError when it cannot be read, has no rows, or
// comes from fMRIPrep < 1.2 (camelCase header, or no header at all), as nilearn refuses them.
io::Table read_confounds_tsv(const std::string& tsv_path);

// Parses a confounds JSON sidecar; DataError naming the file when absent or malformed.
nlohmann::json read_confounds_json(const std::string& json_path);

}  // namespace brainenc::preprocessing
