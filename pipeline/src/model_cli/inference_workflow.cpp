// brainenc evaluate and predict: a trained checkpoint over a data set.
#include <filesystem>
#include <limits>
#include <map>

#include "brainenc/io/atomic_file.hpp"
#include "brainenc/io/error.hpp"
#include "brainenc/io/table.hpp"
#include "brainenc/models/checkpoint.hpp"
#include "brainenc/models/trainer.hpp"
#include "interpretation_export.hpp"
#include "model_registry.hpp"
#include "workflow.hpp"
#include "workflow_support.hpp"

namespace brainenc::pipeline {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct LoadedModel {
  models::Checkpoint checkpoint;  // the first member's
  json run;
  std::string task_name;  // classification or regression
  std::unique_ptr<ModelData> data;
  // One per model: an ensemble's members (train --ensemble), or the one model.
  std::vector<std::unique_ptr<models::TrainingTask>> tasks;
};

// --checkpoint: a checkpoint.pt; a folder holding one (train's split-<k>); or the split folder of
// train --ensemble, whose member-<m>/checkpoint.pt are the models (in member order).
std::vector<std::string> checkpoint_paths(const std::string& given) {
  std::error_code ec;
  if (!fs::is_directory(given, ec)) return {given};
  const fs::path single = fs::path(given) / "checkpoint.pt";
  if (fs::exists(single, ec)) return {single.string()};
  std::vector<std::string> members;
  for (size_t m = 0;; ++m) {
    const fs::path p = fs::path(given) / ("member-" + std::to_string(m)) / "checkpoint.pt";
    if (!fs::exists(p, ec)) break;
    members.push_back(p.string());
  }
  if (members.empty())
    throw DataError(given,
                    "--checkpoint: the folder holds neither checkpoint.pt nor the "
                    "member-<m>/checkpoint.pt of an ensemble");
  return members;
}

// The run a checkpoint belongs to, without the member index (the same for every member).
json run_without_member(json run) {
  run.erase("member");
  return run;
}

// A trained checkpoint (or an ensemble's), its model rebuilt over the data set (stored data
// options, overridden by the ones given).
LoadedModel load_trained(const json& cfg, bool need_labels) {
  LoadedModel m;
  const std::vector<std::string> paths = checkpoint_paths(cfg.at("checkpoint").get<std::string>());
  const std::string& path = paths.front();
  m.checkpoint = models::read_checkpoint(path);
  m.run = m.checkpoint.options.value("run", json::object());
  if (m.run.value("command", "") != "train")
    throw UsageError(
        "--checkpoint " + path + " was not written by brainenc train" +
        (m.run.value("command", "") == "pretrain" ? " (it is a pretraining checkpoint)" : ""));
  const std::string model = m.run.at("model").get<std::string>();
  const ModelAdapter& adapter = find_model(model);
  // Checkpoints written before --task existed hold classifications.
  m.task_name = m.run.value("task", "classification");
  if (cfg.contains("task") && cfg["task"] != m.task_name)
    throw UsageError("--task " + cfg["task"].get<std::string>() + ": --checkpoint " + path +
                     " was trained for " + m.task_name);
  const bool regression = m.task_name == "regression";
  json data = m.run.at("data");
  for (const auto& [key, value] : cfg.at("data").items()) data[key] = value;
  if (!regression && !data.value("target", "").empty())
    throw UsageError("--target: --checkpoint " + path + " was trained for classification");
  if (regression && data.value("target", "").empty()) {
    if (need_labels)
      throw UsageError("--target '': --checkpoint " + path +
                       " is a regression; evaluating it needs its target column");
    data["label_column"] = "";  // predict without targets: nothing but the subjects
  }
  m.data = adapter.open(data_options_from_json(data), m.run.at("model_options"), need_labels);
  const auto all = all_samples(m.data->cohort().size());
  const json run = run_without_member(m.run);
  for (const auto& p : paths) {
    const models::Checkpoint c = p == path ? m.checkpoint : models::read_checkpoint(p);
    if (run_without_member(c.options.value("run", json::object())) != run)
      throw DataError(p, "this ensemble member belongs to another run than " + path);
    m.tasks.push_back(regression ? m.data->regression_task(all) : m.data->classification_task(all));
    models::load_module_state(m.tasks.back()->module(), c.best_weights(), p);
  }
  return m;
}

// Scores of every subject: the model's, or the mean of an ensemble's members'.
std::vector<double> score_all(LoadedModel& m, const json& cfg) {
  const models::TrainerOptions t =
      models::trainer_options_from_json(m.checkpoint.options.at("trainer"));
  const torch::Device device = models::parse_device(cfg.at("device").get<std::string>());
  std::vector<double> mean;
  for (auto& task : m.tasks) {
    task->module().to(device);
    const std::vector<double> s = score_vector(models::predict_scores(
        *task, all_samples(m.data->cohort().size()), device, t.batch_size, t.bf16_autocast));
    if (mean.empty()) mean.assign(s.size(), 0.0);
    for (size_t i = 0; i < s.size(); ++i) mean[i] += s[i] / double(m.tasks.size());
  }
  return mean;
}

// The part of the training run each subject was in ("none": not in that run).
std::vector<std::string> stored_parts(const json& run, const std::vector<std::string>& ids) {
  std::map<std::string, std::string> part;
  const json subjects = run.value("subjects", json::object());
  for (const char* p : {"train", "val", "test"})
    for (const auto& id : subjects.value(p, json::array())) part[id.get<std::string>()] = p;
  std::vector<std::string> out;
  for (const auto& id : ids) out.push_back(part.count(id) ? part[id] : "none");
  return out;
}

}  // namespace

int run_evaluate(const json& cfg) {
  const Reporter say(cfg.at("quiet").get<bool>());
  models::parse_device(cfg.at("device").get<std::string>());
  const std::string out_dir = cfg.at("out_dir").get<std::string>();
  check_out_dir(out_dir, {"metrics.json", "predictions.tsv"}, cfg.at("force").get<bool>(), false,
                false);
  LoadedModel m = load_trained(cfg, /*need_labels=*/true);
  const models::Cohort& cohort = m.data->cohort();
  report_problems(cohort, say);
  const std::vector<double> scores = score_all(m, cfg);
  const Outcome outcome(m.task_name, cohort);
  const auto ids = cohort.ids();
  const auto parts = stored_parts(m.run, ids);
  json metrics = json::object();
  for (const char* p : {"train", "val", "test", "none"}) {
    std::vector<int64_t> samples;
    for (size_t i = 0; i < ids.size(); ++i)
      if (parts[i] == p) samples.push_back(int64_t(i));
    if (!samples.empty()) metrics[p] = outcome.metrics_json(scores, samples);
  }
  metrics["all"] = outcome.metrics_json(scores, all_samples(cohort.size()));
  json out = {{"command", "evaluate"},
              {"checkpoint", cfg.at("checkpoint")},
              {"model", m.run.at("model")},
              {"task", m.task_name},
              {"best_epoch", m.checkpoint.state.best_epoch},
              {"metrics", metrics}};
  if (m.tasks.size() > 1) out["ensemble"] = m.tasks.size();
  io::OutputSet outputs;
  outputs.add((fs::path(out_dir) / "metrics.json").string(), out.dump(2) + "\n");
  outputs.add((fs::path(out_dir) / "predictions.tsv").string(),
              outcome.predictions_tsv(ids, parts, scores));
  outputs.commit();
  for (const auto& [part, value] : metrics.items())
    if (!value.is_null())
      say("  " + part + ": n " + value["n"].dump() + ", " + outcome.describe(value));
  return 0;
}

int run_predict(const json& cfg) {
  const Reporter say(cfg.at("quiet").get<bool>());
  models::parse_device(cfg.at("device").get<std::string>());
  const std::string out_dir = cfg.at("out_dir").get<std::string>();
  check_out_dir(out_dir, {"predictions.tsv"}, cfg.at("force").get<bool>(), false, false);
  // Labels are optional here: the stored label file is only used when given again.
  json c = cfg;
  if (!c["data"].contains("labels")) c["data"]["labels"] = "";
  LoadedModel m = load_trained(c, /*need_labels=*/false);
  const models::Cohort& cohort = m.data->cohort();
  report_problems(cohort, say);
  const std::vector<double> scores = score_all(m, cfg);
  const auto ids = cohort.ids();
  io::OutputSet outputs;
  outputs.add((fs::path(out_dir) / "predictions.tsv").string(),
              Outcome(m.task_name, cohort).predictions_tsv(ids, stored_parts(m.run, ids), scores));
  if (cfg.value("export_interpretation", false)) {
    if (m.tasks.size() > 1)
      throw UsageError("--export-interpretation: --checkpoint " +
                       cfg.at("checkpoint").get<std::string>() + " is an ensemble of " +
                       std::to_string(m.tasks.size()) +
                       " models; give one member's checkpoint (member-<m>/checkpoint.pt)");
    const models::TrainerOptions t =
        models::trainer_options_from_json(m.checkpoint.options.at("trainer"));
    for (auto& [name, npy] : interpretation_npy(
             *m.tasks.front(), m.run.at("model").get<std::string>(), all_samples(cohort.size()),
             models::parse_device(cfg.at("device").get<std::string>()), t.batch_size))
      outputs.add((fs::path(out_dir) / (name + ".npy")).string(), std::move(npy));
  }
  outputs.commit();
  say("  " + std::to_string(ids.size()) + " subjects scored");
  return 0;
}

}  // namespace brainenc::pipeline
