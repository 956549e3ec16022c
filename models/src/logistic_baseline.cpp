// Logistic-regression baseline over saved splits: inner-CV C, train-only scaling, pooled metrics.
#include "brainenc/models/logistic_baseline.hpp"

#include <algorithm>
#include <chrono>

#include "brainenc/io/error.hpp"

namespace brainenc::models {
namespace {

// The labelled members of a split part.
std::vector<Eigen::Index> labelled(const std::vector<Eigen::Index>& part,
                                   const std::vector<int>& labels, Eigen::Index& skipped) {
  std::vector<Eigen::Index> out;
  for (auto i : part) {
    if (labels.at(size_t(i)) == 0 || labels.at(size_t(i)) == 1)
      out.push_back(i);
    else
      ++skipped;
  }
  return out;
}

Eigen::VectorXi labels_of(const std::vector<Eigen::Index>& rows, const std::vector<int>& labels) {
  Eigen::VectorXi y(static_cast<Eigen::Index>(rows.size()));
  for (size_t k = 0; k < rows.size(); ++k) y(Eigen::Index(k)) = labels[size_t(rows[k])];
  return y;
}

}  // namespace

BaselineResult run_logistic_baseline(const Eigen::MatrixXd& features,
                                     const std::vector<int>& labels, const SplitSet& splits,
                                     const LogisticBaselineOptions& options) {
  if (features.rows() != static_cast<Eigen::Index>(labels.size()) ||
      labels.size() != splits.ids.size())
    throw DataError("logistic baseline: " + std::to_string(features.rows()) + " feature rows, " +
                    std::to_string(labels.size()) + " labels and " +
                    std::to_string(splits.ids.size()) + " split subjects");
  BaselineResult result;
  std::map<int, PredictionPool> pools;
  for (size_t k = 0; k < splits.splits.size(); ++k) {
    const auto start = std::chrono::steady_clock::now();
    const Split& split = splits.splits[k];
    std::vector<Eigen::Index> train = labelled(split.train, labels, result.unlabeled_skipped);
    const std::vector<Eigen::Index> val = labelled(split.val, labels, result.unlabeled_skipped);
    const std::vector<Eigen::Index> test = labelled(split.test, labels, result.unlabeled_skipped);
    if (options.train_on_val) {
      train.insert(train.end(), val.begin(), val.end());
      std::sort(train.begin(), train.end());
    }
    LogisticCvOptions cv = options.cv;
    cv.seed = options.cv.seed + k;
    // Scaling and C see the training subjects only (fit_logistic_cv fits the scaler on them).
    const LogisticCvResult fit =
        fit_logistic_cv(features(train, Eigen::all), labels_of(train, labels), cv);

    BaselineSplitResult r;
    r.repeat = split.repeat;
    r.fold = split.fold;
    r.test_site = split.test_site;
    r.C = fit.best_C;
    const Eigen::VectorXd p = fit.model.predict_proba(features(test, Eigen::all));
    const Eigen::VectorXi y_test = labels_of(test, labels);
    r.test = binary_metrics(p, y_test, options.threshold);
    if (!options.train_on_val && !val.empty())
      r.val = binary_metrics(fit.model.predict_proba(features(val, Eigen::all)),
                             labels_of(val, labels), options.threshold);
    for (size_t i = 0; i < test.size(); ++i) {
      result.predictions.push_back({test[i], k, p(Eigen::Index(i)), y_test(Eigen::Index(i))});
      pools[split.repeat].add(p(Eigen::Index(i)), y_test(Eigen::Index(i)));
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.splits.push_back(r);
    if (options.progress) options.progress(k + 1, splits.splits.size());
  }
  std::vector<BinaryMetrics> per_split;
  for (const auto& r : result.splits) per_split.push_back(r.test);
  result.summary = summarize(per_split);
  for (const auto& [repeat, pool] : pools)
    result.pooled_per_repeat.push_back(pool.binary(options.threshold));
  return result;
}

BaselineResult run_logistic_baseline(const Cohort& cohort, const ConnectivityFunction& connectivity,
                                     const SplitSet& splits,
                                     const LogisticBaselineOptions& options) {
  if (cohort.ids() != splits.ids)
    throw DataError(
        "logistic baseline: the splits were made for other subjects (reindex_splits maps them)");
  return run_logistic_baseline(fc_features(cohort, connectivity), cohort.labels(), splits, options);
}

}  // namespace brainenc::models
