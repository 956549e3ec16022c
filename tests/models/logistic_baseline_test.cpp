#include "brainenc/models/logistic_baseline.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>

#include "brainenc/io/error.hpp"

using namespace brainenc::models;

namespace {

// 120 subjects at 3 sites, 20 features; the label depends on the first 5 features.
struct Synthetic {
  Eigen::MatrixXd X;
  std::vector<int> labels;
  SplitInput input;
};

Synthetic synthetic() {
  Synthetic s;
  const int n = 120, d = 20;
  s.X.resize(n, d);
  std::mt19937_64 rng(9);
  for (int i = 0; i < n; ++i) {
    double score = 0;
    for (int j = 0; j < d; ++j) {
      s.X(i, j) = double(rng() % 20001) / 10000.0 - 1.0;
      if (j < 5) score += s.X(i, j);
    }
    score += 0.2 * (double(rng() % 20001) / 10000.0 - 1.0);
    s.labels.push_back(score > 0 ? 1 : 0);
    s.input.ids.push_back("sub" + std::to_string(i));
    s.input.labels.push_back(s.labels.back());
    s.input.sites.push_back(std::string(1, char('A' + i % 3)));
  }
  return s;
}

}  // namespace

TEST(LogisticBaseline, ShuffleSplitsGiveTestMetricsAndPredictions) {
  const Synthetic s = synthetic();
  ShuffleSplitOptions so;
  so.repeats = 3;
  const SplitSet splits = stratified_shuffle_splits(s.input, so);
  LogisticBaselineOptions o;
  size_t calls = 0;
  o.progress = [&](size_t done, size_t total) {
    ++calls;
    EXPECT_EQ(total, 3u);
    EXPECT_EQ(done, calls);
  };
  const BaselineResult r = run_logistic_baseline(s.X, s.labels, splits, o);
  ASSERT_EQ(r.splits.size(), 3u);
  EXPECT_EQ(calls, 3u);
  EXPECT_EQ(r.predictions.size(), 3 * splits.splits[0].test.size());
  const auto grid = logspace(-4, 4, 10);
  for (size_t k = 0; k < 3; ++k) {
    const auto& sr = r.splits[k];
    EXPECT_EQ(sr.test.n, Eigen::Index(splits.splits[k].test.size()));
    EXPECT_GT(sr.test.auroc, 0.8);  // a strong linear signal
    EXPECT_TRUE(std::count(grid.begin(), grid.end(), sr.C));
    // One split per repeat: pooling over the repeat's folds is the split itself.
    EXPECT_DOUBLE_EQ(r.pooled_per_repeat[k].auroc, sr.test.auroc);
  }
  EXPECT_EQ(r.summary.at("auroc").n, 3);
  EXPECT_NEAR(r.summary.at("auroc").mean,
              (r.splits[0].test.auroc + r.splits[1].test.auroc + r.splits[2].test.auroc) / 3,
              1e-15);
  // Predictions are the test subjects of their split, with their labels.
  for (const auto& p : r.predictions) {
    const auto& test = splits.splits[p.split].test;
    EXPECT_TRUE(std::binary_search(test.begin(), test.end(), p.subject));
    EXPECT_EQ(p.label, s.labels[size_t(p.subject)]);
  }
}

TEST(LogisticBaseline, KFoldPoolsEverySubjectOnceAndSkipsUnlabelled) {
  Synthetic s = synthetic();
  s.labels[0] = -1;
  s.input.labels[0] = -1;
  const SplitSet splits = stratified_kfold(s.input, KFoldOptions{4});
  LogisticBaselineOptions o;
  o.train_on_val = false;
  const BaselineResult r = run_logistic_baseline(s.X, s.labels, splits, o);
  ASSERT_EQ(r.pooled_per_repeat.size(), 1u);
  EXPECT_EQ(r.pooled_per_repeat[0].n, 119);                // all labelled subjects, once
  EXPECT_EQ(r.unlabeled_skipped, 4);                       // subject 0 in each of the 4 folds
  for (const auto& sr : r.splits) EXPECT_GT(sr.val.n, 0);  // validation metrics when not trained on
  EXPECT_THROW(run_logistic_baseline(s.X.topRows(10), s.labels, splits, o), brainenc::DataError);
}

TEST(LogisticBaseline, DeterministicForASeed) {
  const Synthetic s = synthetic();
  const SplitSet splits = stratified_shuffle_splits(s.input, {});
  const BaselineResult a = run_logistic_baseline(s.X, s.labels, splits),
                       b = run_logistic_baseline(s.X, s.labels, splits);
  for (size_t k = 0; k < a.splits.size(); ++k) {
    EXPECT_EQ(a.splits[k].C, b.splits[k].C);
    EXPECT_EQ(a.splits[k].test.auroc, b.splits[k].test.auroc);
  }
}
