// The classical baseline every learned model must beat: L2 logistic regression on vectorised
// connectomes, evaluated on saved splits (e.g. 5 repeats of the site-stratified 70/10/20 protocol).
#pragma once

#include <Eigen/Core>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "brainenc/models/cohort.hpp"
#include "brainenc/models/logistic_regression.hpp"
#include "brainenc/models/metrics.hpp"
#include "brainenc/models/splits.hpp"

namespace brainenc::models {

struct LogisticBaselineOptions {
  LogisticCvOptions
      cv;  // grid, inner folds, standardisation; cv.seed + split number seeds each split
  // Fit on train + val (C from inner CV on them): logistic regression has no epochs to stop, so
  // the inner CV does the validation part's job and the model sees the same subjects as one
  // that uses val for early stopping. false: fit on train only and also report val metrics.
  bool train_on_val = true;
  double threshold = 0.5;                                   // on the predicted probability
  std::function<void(size_t done, size_t total)> progress;  // after each split (optional)
};

struct BaselineSplitResult {
  int repeat = 0, fold = 0;
  std::string test_site;
  double C = 0;  // chosen by inner CV
  BinaryMetrics test;
  BinaryMetrics val;  // train_on_val == false only
  double seconds = 0;
};

struct BaselinePrediction {
  Eigen::Index subject;  // index into the cohort / features
  size_t split;          // index into BaselineResult::splits
  double probability;    // P(label = 1)
  int label;
};

struct BaselineResult {
  std::vector<BaselineSplitResult> splits;
  std::vector<BaselinePrediction> predictions;  // every split's test subjects
  std::map<std::string, MeanSd> summary;        // test metrics, mean +- sd over splits
  // Test predictions pooled per subject over the folds of each repeat (k-fold, leave-one-site-
  // out: every subject once per repeat); for shuffle splits the same as the split's metrics.
  std::vector<BinaryMetrics> pooled_per_repeat;
  Eigen::Index unlabeled_skipped = 0;  // memberships of label -1 subjects left out, over all splits
};

// features: subjects x features (rows in split order); labels 1 / 0 (-1 = unknown, left out).
BaselineResult run_logistic_baseline(const Eigen::MatrixXd& features,
                                     const std::vector<int>& labels, const SplitSet& splits,
                                     const LogisticBaselineOptions& options = {});

// fc_features(cohort, connectivity), then the above with the cohort's labels.
BaselineResult run_logistic_baseline(const Cohort& cohort, const ConnectivityFunction& connectivity,
                                     const SplitSet& splits,
                                     const LogisticBaselineOptions& options = {});

}  // namespace brainenc::models
