// What the training and inference workflows share: reporting, output folders, splits, metrics
// and predictions tables. Torch-free (scores arrive as std::vector<double>).
#pragma once

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <iostream>
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
models::SplitSet make_splits(const nlohmann::json& split_options, const models::Cohort& cohort,
                             const std::string& site_column);
// The part of the split each subject is in: train, val, test, or none.
std::vector<std::string> parts_of(size_t n, const models::Split& split);
// <out-dir>/split-<k>
std::string split_dir(const std::string& out_dir, size_t k);

// Binary metrics over the labelled subjects among `samples` (null when none is labelled).
nlohmann::json binary_metrics_json(const std::vector<double>& scores,
                                   const std::vector<int>& labels,
                                   const std::vector<int64_t>& samples,
                                   models::BinaryMetrics* out = nullptr);
// predictions.tsv: subject, split, score, label (n/a when unknown).
std::string predictions_tsv(const std::vector<std::string>& ids,
                            const std::vector<std::string>& parts,
                            const std::vector<double>& scores, const std::vector<int>& labels);
// Per-sample scores ([n] tensor, any device) as doubles (training_workflow.cpp).
std::vector<double> score_vector(const at::Tensor& scores);

// Mean +- sd over splits of each test metric.
nlohmann::json summary_json(const std::vector<models::BinaryMetrics>& test);

}  // namespace brainenc::pipeline
