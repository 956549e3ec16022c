// The masker, confound and cleaning options shared by `extract` (and later `run`/`cohort`):
// nilearn's names (strategy, detrend, standardize, low_pass, high_pass, t_r) as options.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "brainenc/pipeline/command.hpp"
#include "brainenc/pipeline/extract.hpp"

namespace brainenc::pipeline {

void declare_masker_options(po::options_description& o);
void declare_confounds_options(po::options_description& o);
void declare_clean_options(po::options_description& o);

// A sample mask file: one column of 0/1 per volume, or of strictly increasing kept indices.
std::vector<int64_t> read_sample_mask(const std::string& path);

// Fills masker, confound selection and cleaning fields of `request` from the options.
// `confounds_file` is the run's confounds TSV when discovered (BIDS), else "" (then
// --confounds names it). `run_tr` is the TR to use when filtering needs one and --t-r is not
// given (sidecar RepetitionTime or header). Throws UsageError for contradictory options.
void apply_extract_options(const po::variables_map& vm, const std::string& confounds_file,
                           double run_tr, ExtractRequest& request);

}  // namespace brainenc::pipeline
