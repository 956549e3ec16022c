#include "brainenc/models/splits.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "brainenc/io/error.hpp"
#include "brainenc/models/cohort.hpp"
#include "test_support.hpp"

using namespace brainenc::models;
using Index = Eigen::Index;

namespace {

// Sites A: 14 positive + 16 negative, B: 9 + 8, C: 3 + 5, D: 1 + 0 (a one-subject stratum).
SplitInput small_cohort() {
  SplitInput in;
  auto add = [&](const std::string& site, int pos, int neg) {
    for (int k = 0; k < pos + neg; ++k) {
      in.ids.push_back(site + std::to_string(k));
      in.labels.push_back(k < pos ? 1 : 0);
      in.sites.push_back(site);
    }
  };
  add("A", 14, 16);
  add("B", 9, 8);
  add("C", 3, 5);
  add("D", 1, 0);
  // Interleave so that strata are not contiguous index ranges.
  std::mt19937_64 rng(1);
  std::vector<size_t> perm(in.ids.size());
  for (size_t i = 0; i < perm.size(); ++i) perm[i] = i;
  for (size_t i = perm.size(); i > 1; --i) std::swap(perm[i - 1], perm[rng() % i]);
  SplitInput out;
  for (size_t i : perm) {
    out.ids.push_back(in.ids[i]);
    out.labels.push_back(in.labels[i]);
    out.sites.push_back(in.sites[i]);
  }
  return out;
}

// Each part is sorted, the parts are disjoint, and together they are `expected`.
void expect_partition(const Split& s, std::vector<Index> expected) {
  for (const auto* part : {&s.train, &s.val, &s.test})
    EXPECT_TRUE(std::is_sorted(part->begin(), part->end()));
  std::vector<Index> all = s.train;
  all.insert(all.end(), s.val.begin(), s.val.end());
  all.insert(all.end(), s.test.begin(), s.test.end());
  std::sort(all.begin(), all.end());
  EXPECT_TRUE(std::adjacent_find(all.begin(), all.end()) == all.end())
      << "a subject is in two parts";
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(all, expected);
}

std::vector<Index> all_indices(size_t n) {
  std::vector<Index> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = Index(i);
  return v;
}

// Count of `part` members in each (label, site) stratum.
std::map<std::pair<int, std::string>, Index> per_stratum(const SplitInput& in,
                                                         const std::vector<Index>& part) {
  std::map<std::pair<int, std::string>, Index> c;
  for (Index i : part) ++c[{in.labels[size_t(i)], in.sites[size_t(i)]}];
  return c;
}

// |count - share * size| < 1 for every stratum.
void expect_proportional(const SplitInput& in, const std::vector<Index>& part, double share,
                         const std::vector<Index>& of) {
  const auto got = per_stratum(in, part), total = per_stratum(in, of);
  for (const auto& [key, n] : total) {
    const Index c = got.count(key) ? got.at(key) : 0;
    EXPECT_LT(std::abs(double(c) - share * double(n)), 1.0 - 1e-9)
        << "stratum (" << key.first << ", " << key.second << "): " << c << " of " << n
        << " for share " << share;
  }
}

}  // namespace

TEST(Apportion, ControlledRoundingHoldsForRandomTables) {
  std::mt19937_64 rng(5);
  const std::vector<std::vector<double>> fraction_sets = {{0.7, 0.1, 0.2},
                                                          {0.2, 0.2, 0.2, 0.2, 0.2},
                                                          {1 / 3.0, 1 / 3.0, 1 / 3.0},
                                                          {0.9, 0.1},
                                                          {1.0, 0.0}};
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<Index> sizes(1 + rng() % 30);
    Index N = 0;
    for (auto& s : sizes) N += (s = Index(rng() % 60));
    const auto& f = fraction_sets[size_t(trial) % fraction_sets.size()];
    const auto counts = apportion(sizes, f, uint64_t(trial));
    std::vector<Index> col(f.size(), 0);
    for (size_t s = 0; s < sizes.size(); ++s) {
      Index row = 0;
      for (size_t p = 0; p < f.size(); ++p) {
        EXPECT_LT(std::abs(double(counts[s][p]) - double(sizes[s]) * f[p]), 1.0 - 1e-9);
        row += counts[s][p];
        col[p] += counts[s][p];
      }
      EXPECT_EQ(row, sizes[s]);
    }
    for (size_t p = 0; p < f.size(); ++p)
      EXPECT_LT(std::abs(double(col[p]) - double(N) * f[p]), 1.0 - 1e-9);
  }
}

TEST(ShuffleSplits, PartitionAndStratumProportions) {
  const SplitInput in = small_cohort();  // 56 subjects
  ShuffleSplitOptions o;
  o.seed = 42;
  const SplitSet set = stratified_shuffle_splits(in, o);
  ASSERT_EQ(set.splits.size(), 5u);
  EXPECT_EQ(set.protocol, "stratified_shuffle");
  const auto all = all_indices(in.ids.size());
  for (const auto& s : set.splits) {
    expect_partition(s, all);
    expect_proportional(in, s.train, 0.7, all);
    expect_proportional(in, s.val, 0.1, all);
    expect_proportional(in, s.test, 0.2, all);
    // Overall sizes: 56 * (0.7, 0.1, 0.2) = 39.2, 5.6, 11.2 -> floor or ceil.
    EXPECT_LT(std::abs(double(s.test.size()) - 11.2), 1.0);
    EXPECT_LT(std::abs(double(s.val.size()) - 5.6), 1.0);
    EXPECT_LT(std::abs(double(s.train.size()) - 39.2), 1.0);
  }
  EXPECT_NE(set.splits[0].test, set.splits[1].test);  // repeats differ
}

TEST(ShuffleSplits, DeterministicPerSeedAndRepeat) {
  const SplitInput in = small_cohort();
  ShuffleSplitOptions o;
  o.seed = 7;
  const SplitSet a = stratified_shuffle_splits(in, o), b = stratified_shuffle_splits(in, o);
  for (size_t k = 0; k < a.splits.size(); ++k) {
    EXPECT_EQ(a.splits[k].train, b.splits[k].train);
    EXPECT_EQ(a.splits[k].test, b.splits[k].test);
  }
  o.repeats = 2;  // the first repeats do not depend on how many are asked for
  const SplitSet prefix = stratified_shuffle_splits(in, o);
  EXPECT_EQ(prefix.splits[1].test, a.splits[1].test);
  o.seed = 8;
  EXPECT_NE(stratified_shuffle_splits(in, o).splits[0].test, a.splits[0].test);
}

TEST(ShuffleSplits, LabelOnlyStrata) {
  const SplitInput in = small_cohort();
  ShuffleSplitOptions o;
  o.by_site = false;
  SplitInput label_only = in;
  std::fill(label_only.sites.begin(), label_only.sites.end(), "");
  for (const auto& s : stratified_shuffle_splits(in, o).splits)
    expect_proportional(label_only, s.test, 0.2, all_indices(in.ids.size()));
  o.test = 0.95;
  EXPECT_THROW(stratified_shuffle_splits(in, o), brainenc::UsageError);
}

TEST(KFold, EverySubjectTestedOnceAndValidationFromTraining) {
  const SplitInput in = small_cohort();
  KFoldOptions o;
  o.folds = 5;
  o.repeats = 2;
  o.seed = 3;
  const SplitSet set = stratified_kfold(in, o);
  ASSERT_EQ(set.splits.size(), 10u);
  const auto all = all_indices(in.ids.size());
  for (int r = 0; r < 2; ++r) {
    std::vector<int> tested(in.ids.size(), 0);
    for (const auto& s : set.splits) {
      if (s.repeat != r) continue;
      expect_partition(s, all);
      expect_proportional(in, s.test, 0.2, all);
      for (Index i : s.test) ++tested[size_t(i)];
      // Validation: ~10% of the fold's training subjects, stratified among them.
      std::vector<Index> rest = s.train;
      rest.insert(rest.end(), s.val.begin(), s.val.end());
      std::sort(rest.begin(), rest.end());
      expect_proportional(in, s.val, 0.1, rest);
      EXPECT_LT(std::abs(double(s.test.size()) - 56 / 5.0), 1.0);
    }
    EXPECT_TRUE(std::all_of(tested.begin(), tested.end(), [](int t) { return t == 1; }));
  }
  EXPECT_NE(set.splits[0].test, set.splits[5].test);  // repeats reshuffle
  EXPECT_THROW(stratified_kfold(in, KFoldOptions{1}), brainenc::UsageError);
}

TEST(LeaveOneSiteOut, TestIsOneSiteValidationFromTheOthers) {
  const SplitInput in = small_cohort();
  const SplitSet set = leave_one_site_out(in, {});
  ASSERT_EQ(set.splits.size(), 4u);
  const std::vector<std::string> order = {"A", "B", "C", "D"};
  for (size_t k = 0; k < 4; ++k) {
    const Split& s = set.splits[k];
    EXPECT_EQ(s.test_site, order[k]);
    EXPECT_EQ(s.fold, int(k));
    expect_partition(s, all_indices(in.ids.size()));
    for (Index i : s.test) EXPECT_EQ(in.sites[size_t(i)], s.test_site);
    for (Index i : s.train) EXPECT_NE(in.sites[size_t(i)], s.test_site);
    for (Index i : s.val) EXPECT_NE(in.sites[size_t(i)], s.test_site);
    std::vector<Index> rest = s.train;
    rest.insert(rest.end(), s.val.begin(), s.val.end());
    std::sort(rest.begin(), rest.end());
    expect_proportional(in, s.val, 0.1, rest);
  }
  SplitInput one_site = in;
  std::fill(one_site.sites.begin(), one_site.sites.end(), "X");
  EXPECT_THROW(leave_one_site_out(one_site, {}), brainenc::UsageError);
}

TEST(SplitsJson, RoundTripAndReindex) {
  const SplitInput in = small_cohort();
  KFoldOptions o;
  o.seed = 11;
  const SplitSet set = stratified_kfold(in, o);
  const std::string path = brainenc::test::scratch_dir() + "/splits.json";
  save_splits(path, set);
  const SplitSet back = load_splits(path);
  EXPECT_EQ(back.protocol, "stratified_kfold");
  EXPECT_EQ(back.seed, 11u);
  EXPECT_EQ(back.ids, set.ids);
  ASSERT_EQ(back.splits.size(), set.splits.size());
  for (size_t k = 0; k < set.splits.size(); ++k) {
    EXPECT_EQ(back.splits[k].train, set.splits[k].train);
    EXPECT_EQ(back.splits[k].val, set.splits[k].val);
    EXPECT_EQ(back.splits[k].test, set.splits[k].test);
    EXPECT_EQ(back.splits[k].fold, set.splits[k].fold);
  }
  // The same subjects in another order: indices follow the ids.
  std::vector<std::string> reversed(set.ids.rbegin(), set.ids.rend());
  const SplitSet re = reindex_splits(back, reversed);
  for (Index i : re.splits[2].test)
    EXPECT_TRUE(std::count(set.splits[2].test.begin(), set.splits[2].test.end(),
                           Index(set.ids.size()) - 1 - i));
  EXPECT_THROW(reindex_splits(back, {"A0"}), brainenc::DataError);
  std::ofstream(brainenc::test::scratch_dir() + "/bad.json") << "{\"format\": \"other\"}";
  EXPECT_THROW(load_splits(brainenc::test::scratch_dir() + "/bad.json"), brainenc::DataError);
}

// The ABIDE development sites (shared/data/abide_cc200/dev_subjects.tsv: 749 subjects, 14 sites,
// 356 autism / 393 control): the 70/10/20 protocol stratified by site x diagnosis.
TEST(ShuffleSplits, AbideDevelopmentSites) {
  const std::string path = brainenc::test::shared_file("data/abide_cc200/dev_subjects.tsv");
  BRAINENC_SKIP_IF_EMPTY(path);
  const PhenotypeTable t = read_phenotype_table(path);
  SplitInput in;
  for (const auto& row : t.rows) {
    in.ids.push_back(row[size_t(t.find("FILE_ID"))]);
    in.sites.push_back(row[size_t(t.find("SITE_ID"))]);
    in.labels.push_back(row[size_t(t.find("DX_GROUP"))] == "1" ? 1 : 0);
  }
  ASSERT_EQ(in.ids.size(), 749u);
  const SplitSet set = stratified_shuffle_splits(in, {});
  for (const auto& s : set.splits) {
    // 749 * (0.7, 0.1, 0.2) = 524.3, 74.9, 149.8
    EXPECT_EQ(s.train.size(), 524u);
    EXPECT_EQ(s.val.size(), 75u);
    EXPECT_EQ(s.test.size(), 150u);
    expect_proportional(in, s.test, 0.2, all_indices(749));
    expect_proportional(in, s.val, 0.1, all_indices(749));
  }
}
