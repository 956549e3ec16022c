// brainenc train and pretrain: the Trainer over each split of a cohort.
#include <filesystem>
#include <iostream>
#include <limits>
#include <set>

#include "brainenc/io/atomic_file.hpp"
#include "brainenc/io/error.hpp"
#include "brainenc/io/table.hpp"
#include "brainenc/models/checkpoint.hpp"
#include "brainenc/models/trainer.hpp"
#include "model_registry.hpp"
#include "stop_signal.hpp"
#include "workflow.hpp"
#include "workflow_support.hpp"

namespace brainenc::pipeline {
namespace fs = std::filesystem;
using nlohmann::json;

std::vector<double> score_vector(const torch::Tensor& scores) {
  const torch::Tensor c = scores.to(torch::kCPU, torch::kFloat64).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

namespace {

models::ValidationMetric validation_metric(const std::string& name, const Outcome& outcome) {
  if (name == "loss") return models::validation_loss();
  return models::validation_score(
      name, name == "auroc",
      [name, outcome](const torch::Tensor& scores, const std::vector<int64_t>& samples) {
        try {
          return outcome.metric(name, score_vector(scores), samples);
        } catch (const DataError&) {
          return std::numeric_limits<double>::quiet_NaN();  // e.g. non-finite scores
        }
      });
}

std::string describe(const models::Split& s, size_t k, size_t n) {
  std::string d = "split " + std::to_string(k + 1) + "/" + std::to_string(n) + " (repeat " +
                  std::to_string(s.repeat) + ", fold " + std::to_string(s.fold) +
                  (s.test_site.empty() ? "" : ", test site " + s.test_site) + "): train " +
                  std::to_string(s.train.size()) + ", val " + std::to_string(s.val.size()) +
                  ", test " + std::to_string(s.test.size());
  return d;
}

json split_header(const models::Split& s, size_t k) {
  return {{"split_index", k},
          {"repeat", s.repeat},
          {"fold", s.fold},
          {"test_site", s.test_site},
          {"sizes", {{"train", s.train.size()}, {"val", s.val.size()}, {"test", s.test.size()}}}};
}

models::TrainerOptions trainer_options(const json& cfg, const std::string& dir, uint64_t seed) {
  models::TrainerOptions t = models::trainer_options_from_json(cfg.at("trainer"), "configuration");
  t.device = cfg.at("device").get<std::string>();
  t.seed = seed;
  t.progress = !cfg.at("quiet").get<bool>();
  t.checkpoint_path = (fs::path(dir) / "checkpoint.pt").string();
  t.log_path = (fs::path(dir) / ("log." + cfg.value("log_format", "jsonl"))).string();
  return t;
}

// --resume: the stored run must be this one.
void check_same_run(const models::Checkpoint& c, const json& run, const std::string& path) {
  json stored = c.options.value("run", json::object());
  // Checkpoints written before --task / --ensemble existed hold one classifier per split.
  if (run.contains("task") && !stored.contains("task")) stored["task"] = "classification";
  if (run.contains("ensemble") && !stored.contains("ensemble")) stored["ensemble"] = 1;
  for (const auto& [key, value] : run.items())
    if (!stored.contains(key) || stored[key] != value)
      throw UsageError("--resume: " + path + " belongs to another run (its " + key + " differs)");
}

// --init: a checkpoint file, or a pretrain --out-dir holding split-<k>/checkpoint.pt.
std::string init_checkpoint(const std::string& init, size_t k) {
  std::error_code ec;
  if (fs::is_directory(init, ec)) return (fs::path(split_dir(init, k)) / "checkpoint.pt").string();
  return init;
}

// Pretraining must not have seen the test subjects of the split it initialises (its train and
// val parts are fine). Checked for every split before anything is written.
void check_init(const std::string& init, const models::SplitSet& splits,
                const std::vector<std::string>& ids) {
  for (size_t k = 0; k < splits.splits.size(); ++k) {
    const std::string path = init_checkpoint(init, k);
    const models::Checkpoint c = models::read_checkpoint(path);
    // A pretraining stopped part-way (killed, or cut by a time limit) would hand over a partly
    // trained encoder without a word: refuse it.
    if (!c.state.finished)
      throw UsageError("--init " + path + ": its pretraining did not finish (stopped after epoch " +
                       std::to_string(c.state.epoch) +
                       "); complete it with 'brainenc pretrain --resume'");
    std::set<std::string> test_ids;
    for (auto i : splits.splits[k].test) test_ids.insert(ids[size_t(i)]);
    const json subjects = c.options.value("run", json::object()).value("subjects", json::object());
    size_t leaked = 0;
    std::string example;
    for (const char* part : {"train", "val"})
      for (const auto& id : subjects.value(part, json::array()))
        if (test_ids.count(id.get<std::string>()) && leaked++ == 0) example = id.get<std::string>();
    if (leaked > 0)
      throw UsageError("--init " + path + ": its pretraining used " + std::to_string(leaked) +
                       " subject(s) of the test part of split " + std::to_string(k) + " (e.g. " +
                       example + "); pretrain with the same --splits");
  }
}

void initialise_from(const std::string& path, models::TrainingTask& task, const ModelData& data,
                     const Reporter& say) {
  const models::Checkpoint c = models::read_checkpoint(path);
  const auto copied = models::load_matching_state(task.module(), c.best_weights(),
                                                  data.pretrained_prefixes(), path);
  say("  initialised " + std::to_string(copied.size()) + " tensors from " + path);
}

// What train and pretrain share: the output folder checked (and --init's existence), the data
// read, the splits made (or reread when resuming). The caller saves the splits.
struct SplitRun {
  std::string out_dir, saved_splits;
  std::unique_ptr<ModelData> data;
  models::SplitSet splits;
};

SplitRun open_split_run(const json& cfg, bool need_labels, const std::string& init,
                        const Reporter& say) {
  models::parse_device(cfg.at("device").get<std::string>());
  SplitRun r;
  r.out_dir = cfg.at("out_dir").get<std::string>();
  const bool resume = cfg.at("resume").get<bool>();
  check_out_dir(r.out_dir, {"metrics.json", "splits.json", "split-0"}, cfg.at("force").get<bool>(),
                resume, true);
  if (!init.empty() && !fs::exists(init))
    throw DataError(init, "--init: no such checkpoint or pretrain folder");
  const ModelAdapter& adapter = find_model(cfg.at("model").get<std::string>());
  const DataOptions data_options = data_options_from_json(cfg.at("data"));
  r.data = adapter.open(data_options, cfg.at("model_options"), need_labels);
  report_problems(r.data->cohort(), say);
  json split_cfg = cfg.at("split");
  r.saved_splits = (fs::path(r.out_dir) / "splits.json").string();
  if (resume && fs::exists(r.saved_splits)) split_cfg["splits_file"] = r.saved_splits;
  r.splits = make_splits(split_cfg, r.data->cohort(), data_options.site_column);
  return r;
}

// The identity of split k's run, stored in its checkpoint: the configuration and its subjects.
json split_identity(const json& cfg, const std::string& command, size_t k,
                    const models::Split& split, const std::vector<std::string>& ids) {
  json run = run_identity(cfg, command);
  run["split_index"] = k;
  run["subjects"] = {{"train", ids_json(split.train, ids)},
                     {"val", ids_json(split.val, ids)},
                     {"test", ids_json(split.test, ids)}};
  return run;
}

// --resume: continue from the split's checkpoint when there is one (it must be this run's).
void resume_if_present(models::Trainer& trainer, const json& run, const std::string& path,
                       const Reporter& say) {
  check_same_run(models::read_checkpoint(path), run, path);
  trainer.resume(path);
  say("  resuming from " + path);
}

// Training stops at the end of the epoch under way once SIGINT / SIGTERM came (stop_signal.hpp);
// the Trainer then writes the checkpoint, and the command ends with TrainingInterrupted.
void stop_on_signal(models::Trainer& trainer, const Reporter& say) {
  trainer.on_epoch_end = [say](const models::EpochRecord& r) {
    if (stop_signal() == 0) return true;
    say("  " + signal_name(stop_signal()) + ": stopping after epoch " + std::to_string(r.epoch));
    return false;
  };
}

void throw_if_stopped(const std::string& dir) {
  if (stop_signal() != 0) throw TrainingInterrupted(stop_signal(), "before " + dir);
}

void throw_if_interrupted(const models::TrainResult& r, const std::string& dir) {
  if (r.interrupted)
    throw TrainingInterrupted(stop_signal(), "in " + dir + " after epoch " +
                                                 std::to_string(r.history.size()) +
                                                 " (its checkpoint is saved)");
}

// The command's exit: 128 + the signal's number when training was interrupted, as a shell
// reports a process that a signal ended.
template <class Body>
int exit_code_of(const char* command, Body body) {
  const StopOnSignal handlers;
  try {
    return body();
  } catch (const TrainingInterrupted& e) {
    std::cerr << "brainenc " << command << ": " << e.what()
              << "; the same command with --resume continues the run\n";
    return 128 + e.signal;
  }
}

// One trained model of a split: its scores of every subject and how its training went.
struct MemberResult {
  std::vector<double> scores;
  models::TrainResult result;
};

// Trains (or fits in closed form) one model of split k in `dir` with `seed`: checkpoint and log
// there. `init_path`: pretrained weights ("" = none).
MemberResult train_member(const json& cfg, ModelData& data, const Outcome& outcome,
                          const std::string& dir, uint64_t seed, const json& run,
                          const models::Split& split, const std::string& init_path,
                          const Reporter& say) {
  throw_if_stopped(dir);
  const auto train = to_samples(split.train), val = to_samples(split.val);
  const models::TrainerOptions topt = trainer_options(cfg, dir, seed);
  models::seed_torch(seed);
  auto task = outcome.regression() ? data.regression_task(train) : data.classification_task(train);
  const auto all = all_samples(data.cohort().size());
  MemberResult r;
  // Closed-form models (logistic regression) fit on train + val at once: there is no epoch to
  // select on the validation part, which then only reports.
  std::vector<int64_t> fit = train;
  fit.insert(fit.end(), val.begin(), val.end());
  if (!outcome.regression() && data.fit_closed_form(*task, fit, seed)) {
    models::Checkpoint c;
    c.options = {{"trainer", models::to_json(topt)}, {"run", run}};
    c.state.finished = true;
    c.model = models::module_state(task->module());
    models::write_checkpoint(topt.checkpoint_path, c);
    const torch::Device device = models::parse_device(topt.device);
    task->module().to(device);
    r.scores = score_vector(models::predict_scores(*task, all, device, topt.batch_size, false));
    return r;
  }
  const bool resuming = cfg.at("resume").get<bool>() && fs::exists(topt.checkpoint_path);
  if (!resuming && !init_path.empty()) initialise_from(init_path, *task, data, say);
  models::Trainer trainer(*task, topt,
                          validation_metric(cfg.at("val_metric").get<std::string>(), outcome), run);
  if (resuming) resume_if_present(trainer, run, topt.checkpoint_path, say);
  stop_on_signal(trainer, say);
  r.result = trainer.fit(train, val);
  throw_if_interrupted(r.result, dir);
  r.scores = score_vector(trainer.predict(all));
  return r;
}

// The metrics of `scores` on each part of the split (metrics.json's "metrics").
json part_metrics(const Outcome& outcome, const std::vector<double>& scores,
                  const models::Split& split) {
  return {{"train", outcome.metrics_json(scores, to_samples(split.train))},
          {"val", outcome.metrics_json(scores, to_samples(split.val))},
          {"test", outcome.metrics_json(scores, to_samples(split.test))}};
}

// How a model's training went and its metrics on the split's parts (metrics.json).
json member_metrics(json m, const MemberResult& r, const std::string& metric_name,
                    const Outcome& outcome, const models::Split& split) {
  m["best_epoch"] = r.result.best_epoch;
  m["best_val_" + metric_name] = r.result.best_metric;
  m["epochs"] = r.result.history.size();
  m["stopped_early"] = r.result.stopped_early;
  m["metrics"] = part_metrics(outcome, r.scores, split);
  return m;
}

int train_all(const json& cfg) {
  const Reporter say(cfg.at("quiet").get<bool>());
  const std::string init = cfg.value("init", "");
  SplitRun sr = open_split_run(cfg, /*need_labels=*/true, init, say);
  const std::string& out_dir = sr.out_dir;
  ModelData* data = sr.data.get();
  const models::Cohort& cohort = data->cohort();
  const models::SplitSet& splits = sr.splits;
  const std::vector<std::string> ids = cohort.ids();
  if (!init.empty()) check_init(init, splits, ids);
  models::save_splits(sr.saved_splits, splits);

  const Outcome outcome(cfg.value("task", "classification"), cohort);
  const auto seed = cfg.at("seed").get<uint64_t>();
  const auto ensemble = size_t(cfg.value("ensemble", int64_t(1)));
  const std::string metric_name = cfg.at("val_metric").get<std::string>();
  json per_split = json::array();
  std::vector<json> test_metrics;
  for (size_t k = 0; k < splits.splits.size(); ++k) {
    const models::Split& split = splits.splits[k];
    say(describe(split, k, splits.splits.size()) +
        (ensemble > 1 ? ", " + std::to_string(ensemble) + " models" : ""));
    const std::string dir = split_dir(out_dir, k);
    const std::string init_path = init.empty() ? "" : init_checkpoint(init, k);
    const json run = split_identity(cfg, "train", k, split, ids);
    const auto parts = parts_of(ids.size(), split);
    json m = split_header(split, k);
    std::vector<double> scores;
    if (ensemble == 1) {
      const MemberResult r =
          train_member(cfg, *data, outcome, dir, seed + k, run, split, init_path, say);
      scores = r.scores;
      m = member_metrics(m, r, metric_name, outcome, split);
    } else {
      // Members: the runs --seed seed + i with these splits would train, each in its folder with
      // its checkpoint, log, predictions and metrics; the split's scores are their mean.
      json members = json::array();
      scores.assign(ids.size(), 0.0);
      for (size_t i = 0; i < ensemble; ++i) {
        const std::string member_dir = (fs::path(dir) / ("member-" + std::to_string(i))).string();
        json member_run = run;
        member_run["member"] = i;
        const MemberResult r = train_member(cfg, *data, outcome, member_dir, seed + k + i,
                                            member_run, split, init_path, say);
        for (size_t j = 0; j < scores.size(); ++j) scores[j] += r.scores[j] / double(ensemble);
        json mm =
            member_metrics({{"member", i}, {"seed", seed + k + i}}, r, metric_name, outcome, split);
        io::OutputSet outputs;
        outputs.add((fs::path(member_dir) / "predictions.tsv").string(),
                    outcome.predictions_tsv(ids, parts, r.scores));
        outputs.add((fs::path(member_dir) / "metrics.json").string(), mm.dump(2) + "\n");
        outputs.commit();
        if (!mm["metrics"]["test"].is_null())
          say("  member " + std::to_string(i + 1) + "/" + std::to_string(ensemble) + ": test " +
              outcome.describe(mm["metrics"]["test"]));
        members.push_back(mm);
      }
      m["ensemble"] = ensemble;
      m["metrics"] = part_metrics(outcome, scores, split);
      m["members"] = members;
    }
    if (!m["metrics"]["test"].is_null()) test_metrics.push_back(m["metrics"]["test"]);
    io::OutputSet outputs;
    outputs.add((fs::path(dir) / "predictions.tsv").string(),
                outcome.predictions_tsv(ids, parts, scores));
    outputs.add((fs::path(dir) / "metrics.json").string(), m.dump(2) + "\n");
    outputs.commit();
    if (!m["metrics"]["test"].is_null())
      say("  test " + std::string(ensemble > 1 ? "(mean of the models) " : "") +
          outcome.describe(m["metrics"]["test"]));
    per_split.push_back(m);
  }
  const auto test_summary = outcome.summarize(test_metrics);
  json summary = {{"command", "train"},
                  {"model", cfg.at("model")},
                  {"val_metric", metric_name},
                  {"protocol", splits.protocol},
                  {"test", summary_json(test_summary)},
                  {"splits", per_split}};
  summary["task"] = outcome.task();
  if (ensemble > 1) summary["ensemble"] = ensemble;
  if (outcome.regression()) summary["target"] = cfg.at("data").at("target");
  io::write_text_file((fs::path(out_dir) / "metrics.json").string(), summary.dump(2) + "\n");
  if (test_metrics.size() > 1)
    for (const auto& name : outcome.headline()) {
      const models::MeanSd& ms = test_summary.at(name);
      say("test " + name + " " + models::format_mean_sd(ms) + " over " + std::to_string(ms.n) +
          " splits");
    }
  return 0;
}

int pretrain_all(const json& cfg) {
  const Reporter say(cfg.at("quiet").get<bool>());
  const bool resume = cfg.at("resume").get<bool>();
  SplitRun sr = open_split_run(cfg, /*need_labels=*/false, "", say);
  const std::string& out_dir = sr.out_dir;
  ModelData* data = sr.data.get();
  const models::Cohort& cohort = data->cohort();
  const models::SplitSet& splits = sr.splits;
  models::save_splits(sr.saved_splits, splits);

  const std::vector<std::string> ids = cohort.ids();
  const auto seed = cfg.at("seed").get<uint64_t>();
  json per_split = json::array();
  for (size_t k = 0; k < splits.splits.size(); ++k) {
    const models::Split& split = splits.splits[k];
    say(describe(split, k, splits.splits.size()) + " (the test part is never seen)");
    const std::string dir = split_dir(out_dir, k);
    const auto train = to_samples(split.train), val = to_samples(split.val),
               test = to_samples(split.test);
    throw_if_stopped(dir);
    const models::TrainerOptions topt = trainer_options(cfg, dir, seed + k);
    models::seed_torch(seed + k);
    auto task = data->pretraining_task(train);
    const json run = split_identity(cfg, "pretrain", k, split, ids);
    models::Trainer trainer(*task, topt, models::validation_loss(), run);
    if (resume && fs::exists(topt.checkpoint_path))
      resume_if_present(trainer, run, topt.checkpoint_path, say);
    stop_on_signal(trainer, say);
    const models::TrainResult result = trainer.fit(train, val);
    throw_if_interrupted(result, dir);
    json m = split_header(split, k);
    m["best_epoch"] = result.best_epoch;
    m["best_val_loss"] = result.best_metric;
    m["epochs"] = result.history.size();
    m["stopped_early"] = result.stopped_early;
    m["final_train_loss"] =
        result.history.empty() ? json(nullptr) : json(result.history.back().train_loss);
    per_split.push_back(m);
  }
  json summary = {{"command", "pretrain"},
                  {"model", cfg.at("model")},
                  {"protocol", splits.protocol},
                  {"splits", per_split}};
  io::write_text_file((fs::path(out_dir) / "metrics.json").string(), summary.dump(2) + "\n");
  return 0;
}

}  // namespace

int run_train(const json& cfg) {
  return exit_code_of("train", [&] { return train_all(cfg); });
}

int run_pretrain(const json& cfg) {
  return exit_code_of("pretrain", [&] { return pretrain_all(cfg); });
}

}  // namespace brainenc::pipeline
