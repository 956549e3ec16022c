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
  models::Checkpoint checkpoint;
  json run;
  std::string task_name;  // classification or regression
  std::unique_ptr<ModelData> data;
  std::unique_ptr<models::TrainingTask> task;
};

// A trained checkpoint, its model rebuilt over the data set (stored data options, overridden by
// the ones given).
LoadedModel load_trained(const json& cfg, bool need_labels) {
  LoadedModel m;
  const std::string path = cfg.at("checkpoint").get<std::string>();
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
  m.task = regression ? m.data->regression_task(all) : m.data->classification_task(all);
  models::load_module_state(m.task->module(), m.checkpoint.best_weights(), path);
  return m;
}

torch::Tensor score_all(LoadedModel& m, const json& cfg) {
  const models::TrainerOptions t =
      models::trainer_options_from_json(m.checkpoint.options.at("trainer"));
  const torch::Device device = models::parse_device(cfg.at("device").get<std::string>());
  m.task->module().to(device);
  return models::predict_scores(*m.task, all_samples(m.data->cohort().size()), device, t.batch_size,
                                t.bf16_autocast);
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
  const std::vector<double> scores = score_vector(score_all(m, cfg));
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
  const std::vector<double> scores = score_vector(score_all(m, cfg));
  const auto ids = cohort.ids();
  io::OutputSet outputs;
  outputs.add((fs::path(out_dir) / "predictions.tsv").string(),
              Outcome(m.task_name, cohort).predictions_tsv(ids, stored_parts(m.run, ids), scores));
  if (cfg.value("export_interpretation", false)) {
    const models::TrainerOptions t =
        models::trainer_options_from_json(m.checkpoint.options.at("trainer"));
    for (auto& [name, npy] : interpretation_npy(
             *m.task, m.run.at("model").get<std::string>(), all_samples(cohort.size()),
             models::parse_device(cfg.at("device").get<std::string>()), t.batch_size))
      outputs.add((fs::path(out_dir) / (name + ".npy")).string(), std::move(npy));
  }
  outputs.commit();
  say("  " + std::to_string(ids.size()) + " subjects scored");
  return 0;
}

}  // namespace brainenc::pipeline
