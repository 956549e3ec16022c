// What the training and inference workflows share: reporting, output folders, splits, metrics
// and predictions tables. Torch-free (scores arrive as std::vector<double>).
#pragma once

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "brainenc/models/cohort.hpp"
#include "brainenc/models/metrics.hpp"
#include "brainenc/models/splits.hpp"

namespace at {
class Tensor;
}

namespace brainenc::pipeline {

// Keys of the configuration that define a run's results: stored in every checkpoint ("run") and
// compared when resuming.
nlohmann::json run_identity(const nlohmann::json& config, const std::string& command);

// Progress lines on stderr unless --quiet.
class Reporter {
 public:
  explicit Reporter(bool quiet) : quiet_(quiet) {}
  void operator()(const std::string& line) const {
    if (!quiet_) std::cerr << line << "\n";
  }

 private:
  bool quiet_;
};

// The subjects a data set left out, with the reasons (the first five).
void report_problems(const models::Cohort& cohort, const Reporter& say);

// Outputs of an earlier run in `dir` are only replaced with --force (or, for the training
// commands, continued with --resume): UsageError naming the first one found.
void check_out_dir(const std::string& dir, const std::vector<std::string>& outputs, bool force,
                   bool resume, bool resumable);

std::vector<int64_t> to_samples(const std::vector<Eigen::Index>& indices);
std::vector<int64_t> all_samples(Eigen::Index n);
nlohmann::json ids_json(const std::vector<Eigen::Index>& indices,
                        const std::vector<std::string>& ids);

// The splits of the "split" options (or the saved ones they name), over the cohort's subjects.
// Strata are label x site; a regression's cohort has no labels (all -1), so its strata are the
// sites.
models::SplitSet make_splits(const nlohmann::json& split_options, const models::Cohort& cohort,
                             const std::string& site_column);
// The part of the split each subject is in: train, val, test, or none.
std::vector<std::string> parts_of(size_t n, const models::Split& split);
// <out-dir>/split-<k>
std::string split_dir(const std::string& out_dir, size_t k);

// What a run predicts, from the cohort: its binary labels (task "classification"; scores are
// P(positive)) or its numeric targets ("regression"; scores are predictions in the target's
// units). The workflows differ by task only in what this computes.
class Outcome {
 public:
  // UsageError for another task.
  Outcome(const std::string& task, const models::Cohort& cohort);
  bool regression() const { return regression_; }
  const std::string& task() const { return task_; }

  // Metrics over the subjects among `samples` whose outcome is known (scores[i]: subject i);
  // null when none is. Classification: n, positives, tp, fp, tn, fn, auroc, accuracy,
  // balanced_accuracy, sensitivity, specificity, f1; regression: n, mae, pearson_r. An undefined
  // metric (AUROC of one class, r of a constant) is NaN, written as null.
  nlohmann::json metrics_json(const std::vector<double>& scores,
                              const std::vector<int64_t>& samples) const;
  // One metric of metrics_json by name, with the scores of `samples` in their order (the
  // validation metric); NaN when undefined.
  double metric(const std::string& name, const std::vector<double>& sample_scores,
                const std::vector<int64_t>& samples) const;
  // Mean +- sd over splits of each metric (auroc, accuracy, ... or mae, pearson_r) of the
  // metrics_json objects; NaN values are left out.
  std::map<std::string, models::MeanSd> summarize(
      const std::vector<nlohmann::json>& per_split) const;
  // The two metrics progress lines show: auroc and accuracy, or mae and pearson_r.
  std::vector<std::string> headline() const;
  // "auroc 0.91, accuracy 0.83" from a metrics_json object.
  std::string describe(const nlohmann::json& metrics) const;

  // predictions.tsv: subject, split, score, label (classification) or subject, split,
  // prediction, target (regression); n/a where unknown.
  std::string predictions_tsv(const std::vector<std::string>& ids,
                              const std::vector<std::string>& parts,
                              const std::vector<double>& scores) const;

 private:
  nlohmann::json metrics_of(const std::vector<double>& sample_scores,
                            const std::vector<int64_t>& samples) const;

  std::string task_;
  bool regression_;
  std::vector<int> labels_;
  std::vector<double> targets_;
};

// {name: {mean, sd, n}}
nlohmann::json summary_json(const std::map<std::string, models::MeanSd>& summary);

// Per-sample scores ([n] tensor, any device) as doubles (training_workflow.cpp).
std::vector<double> score_vector(const at::Tensor& scores);

}  // namespace brainenc::pipeline
