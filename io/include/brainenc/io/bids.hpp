// BIDS / fMRIPrep derivatives discovery: a small index of sub/ses/task/acq/run/space/desc
// entities over a folder, pairing each preprocessed BOLD run with its mask, confounds and
// sidecar.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace brainenc::io {

// Entities of a BIDS file name, e.g.
// sub-01_ses-1_task-rest_run-2_space-MNI_desc-preproc_bold.nii.gz.
struct BidsName {
  std::map<std::string, std::string> entities;  // key -> value ("sub" -> "01")
  std::vector<std::string> order;               // keys in file order
  std::string suffix;                           // "bold"
  std::string extension;                        // ".nii.gz"

  std::string get(const std::string& key) const;  // "" when absent
};

// nullopt when the name is not key-value_..._suffix.ext.
std::optional<BidsName> parse_bids_name(const std::string& filename);

struct BoldRun {
  std::string bold;            // *_desc-preproc_bold.nii[.gz]
  std::string sidecar;         // *_desc-preproc_bold.json ("" if absent)
  std::string mask;            // *_desc-brain_mask.nii[.gz] of the same space ("" if absent)
  std::string confounds;       // *_desc-confounds_timeseries.tsv (or the older _regressors.tsv)
  std::string confounds_json;  // its sidecar ("" if absent)
  BidsName name;
  double repetition_time = 0;  // from the sidecar's RepetitionTime, 0 when unknown

  std::string subject() const { return name.get("sub"); }
  // Prefix for derivatives: the run's entities without space/res/desc, e.g.
  // "sub-01_task-rest_run-1".
  std::string stem(bool with_space = true) const;
};

struct BidsFilter {
  std::vector<std::string> subjects;  // without "sub-"; empty = all
  std::string task, space, session, run;
};

// Every preprocessed BOLD run under `root` (a BIDS derivatives folder such as fMRIPrep's
// output), sorted by file name. Throws DataError when `root` is not a folder; an empty result
// is not an error (the caller says what it looked for).
std::vector<BoldRun> find_bold_runs(const std::string& root, const BidsFilter& filter = {});

// participants.tsv as text: column name -> value per participant_id (without "sub-").
struct Participants {
  std::vector<std::string> columns;
  std::map<std::string, std::map<std::string, std::string>> rows;
};
Participants read_participants(const std::string& path);

}  // namespace brainenc::io
