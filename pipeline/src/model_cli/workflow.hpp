// What the model commands do, given the run configuration of model_options.hpp. Torch-free
// header: the command files declare options only; the torch code is in workflow.cpp.
#pragma once

#include <nlohmann/json.hpp>

namespace brainenc::pipeline {

// Self-supervised pretraining on the training part of each split:
// <out-dir>/splits.json, metrics.json, split-<k>/{checkpoint.pt, log.jsonl or log.csv}.
int run_pretrain(const nlohmann::json& config);

// Training (classification or regression: "task") with early stopping on the validation part and
// testing on the test part of each split: <out-dir>/splits.json, metrics.json (per split and
// mean +- sd over splits), split-<k>/{checkpoint.pt, log.jsonl or log.csv, predictions.tsv,
// metrics.json}.
int run_train(const nlohmann::json& config);

// Metrics of a trained checkpoint on a cohort: <out-dir>/metrics.json, predictions.tsv.
int run_evaluate(const nlohmann::json& config);

// Scores of a trained checkpoint for every subject of a data set: <out-dir>/predictions.tsv.
int run_predict(const nlohmann::json& config);

}  // namespace brainenc::pipeline
