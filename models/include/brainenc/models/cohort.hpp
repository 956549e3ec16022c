// A cohort: subjects with phenotype (id, site, binary label, age, sex, covariates) and a region
// time series each, as public releases ship them (ABIDE / ADHD-200: a phenotype table plus one
// .1D / CSV / TSV / NPY file per subject) or as `brainenc extract` writes them (TSV time series,
// found through a file-name pattern). Torch-free: the engine and the classical baselines share it.
//
// Missing or unreadable subjects never stop a load: they are left out and listed in
// Cohort::problems with the reason. Only a cohort with no subject left is an error (DataError).
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "brainenc/io/table.hpp"

namespace brainenc::models {

// A phenotype table of text cells: io::read_text_table (CSV/TSV with RFC 4180 quotes). ABIDE's
// first column has an empty name (a pandas index).
using PhenotypeTable = io::TextTable;
inline PhenotypeTable read_phenotype_table(const std::string& path) {
  return io::read_text_table(path);
}

struct Subject {
  static constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

  std::string id;
  std::string site;  // "" when there is no site column
  int label = -1;    // 1 positive, 0 negative, -1 unknown
  double age = kMissing;
  double sex = kMissing;  // the table's code (ABIDE: 1 male, 2 female); M/F -> 1/2
  std::map<std::string, double> covariates;  // CohortOptions::covariates, NaN when missing
  double target = kMissing;                  // CohortOptions::target_column (regression)
  Eigen::MatrixXd series;                    // time x regions (empty for a phenotype-only cohort)
  std::string source;                        // the series file
  // Regions whose series is constant (e.g. ABIDE's all-zero columns outside the field of view),
  // ascending column indices. Connectivity gives them zero rows (preprocessing/connectivity.hpp).
  std::vector<Eigen::Index> constant_regions;
  // LengthPolicy::Segment: the first sample of each segment of Cohort::segment_length samples.
  std::vector<Eigen::Index> segment_starts;
};

// Why a subject was left out.
struct Problem {
  std::string subject;
  std::string reason;
};

// What to do with series of different lengths.
enum class LengthPolicy {
  Keep,          // as they are
  CropShortest,  // the first T_min samples of every subject (T_min over the loaded cohort)
  CropFirst,     // the first `length` samples; shorter subjects become problems
  Segment,       // non-overlapping windows of `length` samples starting every `step` samples;
                 // the series stay whole, Subject::segment_starts lists the windows; the samples
                 // after the last full window are unused (reported); subjects shorter than one
                 // window become problems
};

struct LengthOptions {
  LengthPolicy policy = LengthPolicy::Keep;
  Eigen::Index length = 0;  // CropFirst, Segment
  Eigen::Index step = 0;    // Segment; 0 = length (no overlap)
};

struct LengthReport {
  Eigen::Index min_length = 0, max_length = 0;  // before the policy
  Eigen::Index cropped_to = 0;                  // CropShortest, CropFirst
  Eigen::Index segment_length = 0;              // Segment
  Eigen::Index segments = 0;                    // Segment: total over subjects
  Eigen::Index unused_samples = 0;              // Segment: total samples after the last window
};

struct CohortOptions {
  std::string phenotype;   // CSV or TSV with a header row
  std::string series_dir;  // where the series files are
  // File of one subject relative to series_dir: {id} is replaced by the id, '*' matches any run
  // of characters within a file name (exactly one file must match), e.g. "{id}_rois_cc200.1D"
  // or "{id}/func/{id}_*_timeseries.tsv". Series are read with io::read_table (.1D, .tsv,
  // .csv, .txt, .npy).
  std::string file_pattern = "{id}_rois_cc200.1D";
  std::string id_column = "FILE_ID";
  std::string label_column = "DX_GROUP";   // "" = no labels (all -1)
  std::string positive_label = "1";        // ABIDE DX_GROUP 1 = autism
  std::string negative_label = "";         // "" = every other non-missing value is negative
  std::string site_column = "SITE_ID";     // "" = none
  std::string age_column = "AGE_AT_SCAN";  // "" = none
  std::string sex_column = "SEX";          // "" = none
  std::vector<std::string> covariates;     // numeric columns kept by name (UsageError if absent)
  // Cells read as missing (label -1, covariate NaN). ABIDE codes missing values as -9999.
  std::vector<std::string> missing_values = {"", "n/a", "N/A", "NA", "nan", "NaN", "-9999"};
  bool require_label = true;  // subjects with an unknown label become problems
  // The numeric column a regression predicts (e.g. AGE_AT_SCAN), read into Subject::target;
  // "" = none. UsageError when absent from the table, DataError naming the file and the column
  // when none of its cells is a number (a categorical column such as SITE_ID).
  std::string target_column;
  bool require_target = false;  // subjects without a finite number there become problems
  LengthOptions length;
};

struct Cohort {
  std::vector<Subject> subjects;
  std::vector<std::string> region_names;  // from the first series file (empty without series)
  std::vector<Problem> problems;
  LengthReport lengths;
  Eigen::Index segment_length = 0;  // LengthPolicy::Segment

  Eigen::Index size() const { return static_cast<Eigen::Index>(subjects.size()); }
  Eigen::Index regions() const { return static_cast<Eigen::Index>(region_names.size()); }
  std::vector<std::string> ids() const;
  std::vector<int> labels() const;
  std::vector<double> targets() const;  // NaN where unknown
  std::vector<std::string> sites() const;
  // Index of a subject by id, -1 when absent.
  Eigen::Index find(const std::string& id) const;
  // Window k of subject i (LengthPolicy::Segment): segment_length x regions.
  Eigen::MatrixXd segment(Eigen::Index subject, Eigen::Index k) const;
};

// Subjects with phenotype only (no series). Rows with an empty id, a duplicated id, (with
// require_label) an unknown label or (with require_target) no number in the target column
// become problems. UsageError naming the column when a configured column is absent.
Cohort load_phenotype(const CohortOptions& options);

// load_phenotype, then each subject's series through file_pattern. Problems: no file, several
// files, unreadable file, < 2 time points, NaN / infinite values, a number of regions different
// from the cohort's (the most common count, ties to the smaller), shorter than the length
// policy needs. DataError when no subject is left (listing the first problems).
Cohort load_cohort(const CohortOptions& options);

// Applies a length policy to a loaded cohort (load_cohort does this with options.length).
void apply_length_policy(Cohort& cohort, const LengthOptions& options);

// The series file of `id` under `dir` for `pattern` ("" when none; DataError when several).
std::string find_series_file(const std::string& dir, const std::string& pattern,
                             const std::string& id);

// Ascending indices of the columns of `series` whose values are all equal.
std::vector<Eigen::Index> constant_columns(const Eigen::MatrixXd& series);

// ---- Features for the classical baselines -------------------------------------------------

// One subject's connectivity matrix (regions x regions). The models library does not depend on
// preprocessing (DESIGN.md), so the caller passes the estimator, e.g. nilearn's default
// Ledoit-Wolf correlation, optionally Fisher z:
//   [](const Subject& s) { return preprocessing::fisher_z(
//       preprocessing::connectivity_matrix(s.series, {}, nullptr, s.source)); }
using ConnectivityFunction = std::function<Eigen::MatrixXd(const Subject&)>;

// subjects x n(n-1)/2: each subject's matrix, lower triangle without the diagonal, row by row
// ((1,0), (2,0), (2,1), ...), as nilearn sym_matrix_to_vec(discard_diagonal=True). Each
// subject's matrix depends on that subject only, so computing it before splitting leaks nothing.
// DataError naming the subject when a matrix is not regions x regions or not finite.
Eigen::MatrixXd fc_features(const Cohort& cohort, const ConnectivityFunction& connectivity);

// The lower triangle of a square matrix without the diagonal, row by row.
Eigen::VectorXd lower_triangle(const Eigen::MatrixXd& m);

// A table of precomputed features, one row per subject (`brainenc connectome --vectorize`'s
// connectome_features.tsv: first column "subject" = the time series file's stem).
struct FeatureTable {
  std::vector<std::string> ids;
  std::vector<std::string> names;
  Eigen::MatrixXd values;  // ids x names
};
// The first column holds the ids; the others must be numbers (DataError naming line and column).
FeatureTable read_feature_table(const std::string& path);

// Rows of `table` in cohort order. A subject's row is the one whose id matches `id_pattern`
// ({id} = the subject id, '*' = any characters; "{id}_*" matches the file stems that
// connectome writes). Subjects without exactly one matching row move to cohort.problems and are
// removed. DataError when no subject is left.
Eigen::MatrixXd match_features(Cohort& cohort, const FeatureTable& table,
                               const std::string& id_pattern = "{id}");

// Whether `name` matches `pattern` (only '*' is special).
bool wildcard_match(const std::string& pattern, const std::string& name);

}  // namespace brainenc::models
