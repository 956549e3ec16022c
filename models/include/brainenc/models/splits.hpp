// Seeded train / validation / test splits of a cohort, stratified by label and optionally site:
//   - repeated stratified shuffle splits 70/10/20 (the Brain Network Transformer protocol),
//   - (site-)stratified k-fold,
//   - leave-one-site-out,
// each with a validation part carved from the training subjects. Randomness is std::mt19937_64
// with our own shuffles and allocation (no std:: distributions, whose output is
// implementation-defined), so a seed gives the same splits on every platform. Splits are saved
// with the results as JSON.
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <string>
#include <vector>

namespace brainenc::models {

struct Cohort;

// What the splitters see of a cohort.
struct SplitInput {
  std::vector<std::string> ids;
  std::vector<int> labels;         // stratification label (e.g. 1 / 0 / -1); one stratum each
  std::vector<std::string> sites;  // "" everywhere when there is no site
};
SplitInput split_input(const Cohort& cohort);

struct Split {
  int repeat = 0;
  int fold = 0;
  std::string test_site;  // leave-one-site-out
  // Ascending subject indices into SplitInput / the cohort; disjoint.
  std::vector<Eigen::Index> train, val, test;
};

struct SplitSet {
  std::string protocol;  // "stratified_shuffle", "stratified_kfold", "leave_one_site_out"
  uint64_t seed = 0;
  bool by_site = false;
  double val_fraction = 0, test_fraction = 0;  // as requested (kfold: test = 1 / folds)
  std::vector<std::string> ids;                // the subjects the indices refer to
  std::vector<Split> splits;
};

struct ShuffleSplitOptions {
  int repeats = 5;
  double val = 0.1, test = 0.2;  // of all subjects; train is the rest
  bool by_site = true;           // strata label x site (false: label only)
  uint64_t seed = 0;
};
// Every stratum s of n_s subjects puts floor or ceil of n_s * f in each part f, and the part
// sizes over the cohort are floor or ceil of N * f (a controlled rounding of the strata x parts
// table, so both per-stratum and overall proportions hold within one subject). Repeat r uses its
// own stream derived from (seed, r): the first repeats do not depend on how many are asked.
SplitSet stratified_shuffle_splits(const SplitInput& input, const ShuffleSplitOptions& options);

struct KFoldOptions {
  int folds = 5;
  int repeats = 1;
  double val = 0.1;     // of each fold's training subjects, carved out stratified
  bool by_site = true;  // site-stratified: strata label x site
  uint64_t seed = 0;
};
// Each subject is in the test part of exactly one fold per repeat; folds hold floor or ceil of
// n_s / folds of each stratum.
SplitSet stratified_kfold(const SplitInput& input, const KFoldOptions& options);

struct LeaveOneSiteOutOptions {
  double val = 0.1;  // of the training sites' subjects, stratified by label x site
  uint64_t seed = 0;
};
// One split per site (sorted by name): that site is the test part. UsageError for < 2 sites.
SplitSet leave_one_site_out(const SplitInput& input, const LeaveOneSiteOutOptions& options);

// Counts per part for each stratum: counts[s][p] is floor or ceil of sizes[s] * fractions[p],
// sum_p counts[s][p] = sizes[s], and sum_s counts[s][p] is floor or ceil of N * fractions[p].
// Fractions must sum to 1. Which cells round up is decided by the largest remainders, ties by
// `rng_seed` (deterministic).
std::vector<std::vector<Eigen::Index>> apportion(const std::vector<Eigen::Index>& sizes,
                                                 const std::vector<double>& fractions,
                                                 uint64_t rng_seed);

// Writes the splits as JSON (atomically): protocol, seed, options, subject ids and per split
// repeat, fold, test_site and the train / val / test ids.
void save_splits(const std::string& path, const SplitSet& splits);
// Reads what save_splits wrote. DataError naming the file for a malformed file.
SplitSet load_splits(const std::string& path);
// Re-indexes saved splits onto `ids` (e.g. a cohort loaded again). DataError naming the first
// saved subject that `ids` lacks.
SplitSet reindex_splits(const SplitSet& splits, const std::vector<std::string>& ids);

}  // namespace brainenc::models
