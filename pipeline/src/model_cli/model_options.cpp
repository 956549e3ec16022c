#include "model_options.hpp"

#include <cstdint>
#include <string>

#include "brainenc/io/error.hpp"
#include "brainenc/io/table.hpp"
#include "brainenc/models/cohort.hpp"
#include "brainenc/models/splits.hpp"
#include "brainenc/models/trainer_options.hpp"
#include "model_registry.hpp"

namespace brainenc::pipeline {
namespace {

// A number option whose default prints as written (0.1, not 0.10000000000000001).
po::typed_value<double>* real(double v) {
  return po::value<double>()->default_value(v, io::format_number(v));
}

bool trains(ModelCommand c) { return c == ModelCommand::Pretrain || c == ModelCommand::Train; }

void declare_run(po::options_description& all, ModelCommand c) {
  po::options_description o("run options");
  o.add_options()(
      "config", po::value<std::string>(),
      "INI file with the same option names (the command line wins); model options go in a "
      "[<model>] section, e.g. [mlp] hidden = 64,32");
  if (trains(c)) {
    std::string models;
    for (const auto& a : model_adapters())
      models += (models.empty() ? "" : ", ") + a.name + (a.unavailable.empty() ? "" : " (planned)");
    o.add_options()("model", po::value<std::string>()->default_value("mlp"),
                    ("the model: " + models).c_str());
  } else {
    o.add_options()(
        "checkpoint", po::value<std::string>()->required(),
        "a checkpoint.pt written by train (its model, options and data are reused), or the "
        "split-<k> folder of a train --ensemble run (the mean of its members)")(
        "task", po::value<std::string>(),
        "classification or regression: must be the one the checkpoint was trained for");
  }
  if (c == ModelCommand::Train)
    o.add_options()("task", po::value<std::string>()->default_value("classification"),
                    "classification (of the binary --label-column) or regression (of the numeric "
                    "--target column; not --model logistic)");
  o.add_options()("out-dir", po::value<std::string>()->required(), "output folder")(
      "device", po::value<std::string>()->default_value("cpu"),
      "cpu, cuda or cuda:N (bf16 autocast on CUDA)");
  if (trains(c)) {
    o.add_options()(
        "seed", po::value<int64_t>()->default_value(0),
        "seed of the splits, the initial weights and the training (split k uses seed + k)")(
        "resume", "continue an interrupted run in --out-dir from its checkpoints (same options)");
  }
  if (c == ModelCommand::Train) {
    o.add_options()("init", po::value<std::string>(),
                    "start from pretrained weights: a checkpoint.pt, or a pretrain --out-dir whose "
                    "split-<k>/checkpoint.pt initialises split k")(
        "val-metric", po::value<std::string>(),
        "validation metric for early stopping and the best epoch: auroc (maximised; the default "
        "for classification), mae (minimised; the default for regression) or loss")(
        "ensemble", po::value<int64_t>()->default_value(1),
        "train this many models per split (member m of split k uses seed + k + m, as --seed "
        "seed + m with these splits would) and average their scores: split-<k>/member-<m>/ "
        "holds each one's checkpoint, log and predictions");
  }
  if (trains(c))
    o.add_options()("log-format", po::value<std::string>()->default_value("jsonl"),
                    "metrics log of each split, one record per epoch: jsonl (split-<k>/log.jsonl) "
                    "or csv (split-<k>/log.csv, with a header row)");
  if (c == ModelCommand::Predict)
    o.add_options()(
        "export-interpretation",
        "also write what the model learned, as .npy: brainmae roi_embeddings [R, e] "
        "and graph_attention [R, R], each subject's segment_attention_layer<l> "
        "[N, S, S] (NaN past its segment_counts [N]); fc_transformer cluster_centers [K, d] and, "
        "averaged over the scored subjects, cluster_assignment [R, K] and "
        "node_attention_layer<l> [R, R]");
  o.add_options()("force", "overwrite the results already in --out-dir")("quiet,q",
                                                                         "no progress on stderr");
  all.add(o);
}

void declare_data(po::options_description& all, ModelCommand c) {
  po::options_description o(trains(c) ? "data options"
                                      : "data options (default: those stored in the checkpoint)");
  const models::CohortOptions d;
  auto text = [&](const char* name, const std::string& def, const char* help) {
    if (trains(c))
      o.add_options()(name, po::value<std::string>()->default_value(def), help);
    else
      o.add_options()(name, po::value<std::string>(), help);
  };
  o.add_options()(
      "features", po::value<std::string>(),
      "feature table (TSV/CSV): one row per subject, first column the id (e.g. connectome "
      "--vectorize's connectome_features.tsv)");
  o.add_options()("labels", po::value<std::string>(),
                  c == ModelCommand::Predict || c == ModelCommand::Pretrain
                      ? "phenotype table with the labels (optional)"
                      : "phenotype table with the labels (CSV/TSV)");
  text("id-column", d.id_column, "subject id column of --labels");
  text("label-column", d.label_column, "label column of --labels");
  text("positive-label", d.positive_label,
       "value of the positive class; every other value is negative");
  if (c != ModelCommand::Pretrain)
    o.add_options()("target", po::value<std::string>(),
                    "--task regression: the numeric column of --labels to predict, e.g. "
                    "AGE_AT_SCAN (subjects without a number there are left out)");
  text("site-column", d.site_column,
       "site column of --labels for site-stratified splits ('' = none)");
  text("feature-id-pattern", "{id}",
       "id of a subject in --features: {id} = its id, '*' = any characters");
  o.add_options()("series-dir", po::value<std::string>(),
                  "folder of per-subject region time series (brainmae, fc_transformer, logistic)");
  text("series-pattern", d.file_pattern,
       "series file of a subject under --series-dir: {id} = its id, '*' = any characters");
  o.add_options()("tr", po::value<std::string>(), "repetition time of every subject, in s")(
      "site-tr", po::value<std::string>(),
      "repetition time per site, e.g. NYU=2,LEUVEN=1.656 (longest site prefix wins)");
  all.add(o);
}

void declare_split(po::options_description& all) {
  po::options_description o("split options");
  const models::ShuffleSplitOptions s;
  o.add_options()("splits", po::value<std::string>(),
                  "reuse saved splits (a splits.json) instead of making them")(
      "protocol", po::value<std::string>()->default_value("stratified_shuffle"),
      "stratified_shuffle (train/val/test), stratified_kfold or leave_one_site_out")(
      "repeats", po::value<int>()->default_value(1),
      "stratified_shuffle / stratified_kfold: repetitions")(
      "folds", po::value<int>()->default_value(5), "stratified_kfold: folds")(
      "val-fraction", real(s.val), "validation part (of all subjects)")(
      "test-fraction", real(s.test), "stratified_shuffle: test part")(
      "by-site", po::value<bool>()->default_value(s.by_site, s.by_site ? "true" : "false"),
      "stratify by label x site (needs --site-column)");
  all.add(o);
}

void declare_training(po::options_description& all) {
  po::options_description o("training options");
  const models::TrainerOptions t;
  o.add_options()("epochs", po::value<int64_t>()->default_value(t.epochs),
                  "maximum number of epochs")(
      "batch-size", po::value<int64_t>()->default_value(t.batch_size), "samples per batch")(
      "drop-last", "drop each epoch's last incomplete batch")(
      "lr", real(t.lr), "AdamW learning rate (peak)")("weight-decay", real(t.weight_decay),
                                                      "AdamW decoupled weight decay")(
      "beta1", real(t.beta1), "AdamW beta1")("beta2", real(t.beta2), "AdamW beta2")(
      "adam-eps", real(t.adam_eps), "AdamW epsilon")(
      "schedule", po::value<std::string>()->default_value(models::schedule_kind_name(t.schedule)),
      "learning-rate schedule: constant, cosine (to lr * min-lr-ratio) or step (x gamma every "
      "step-epochs)")("warmup-epochs", real(t.warmup_epochs), "linear warm-up, in epochs")(
      "min-lr-ratio", real(t.min_lr_ratio), "cosine: final lr / lr")(
      "step-epochs", real(t.step_epochs), "step: epochs between decays")("gamma", real(t.gamma),
                                                                         "step: decay factor")(
      "patience", po::value<int64_t>()->default_value(t.patience),
      "early stopping: epochs without a better validation metric (0 = off; the best epoch's "
      "weights are "
      "kept in any case)")("min-delta", real(t.min_delta), "smallest improvement that counts")(
      "clip-grad-norm", real(t.clip_grad_norm), "clip the gradients' total L2 norm (0 = off)")(
      "checkpoint-every", real(t.checkpoint_seconds),
      "seconds between checkpoints while training (0 = after every epoch; always written at the "
      "end): a killed run resumes (--resume) from its last checkpoint")("fp32",
                                                                        "no bf16 autocast on CUDA");
  all.add(o);
}

void declare_models(po::options_description& all) {
  for (const auto& a : model_adapters()) {
    if (!a.declare) continue;
    po::options_description o("model options (--model " + a.name + ")");
    a.declare(o);
    all.add(o);
  }
}

std::string str(const po::variables_map& vm, const char* name) {
  return vm.count(name) ? vm[name].as<std::string>() : std::string();
}

std::string checked_task(const std::string& task) {
  if (task != "classification" && task != "regression")
    throw UsageError("--task: '" + task + "' is not classification or regression");
  return task;
}

}  // namespace

void declare_model_command_options(po::options_description& options, ModelCommand command) {
  declare_run(options, command);
  declare_data(options, command);
  if (trains(command)) {
    declare_split(options);
    declare_training(options);
    declare_models(options);
  }
}

nlohmann::json model_command_config(const po::variables_map& vm, ModelCommand command) {
  nlohmann::json cfg;
  cfg["out_dir"] = str(vm, "out-dir");
  cfg["device"] = str(vm, "device");
  cfg["force"] = vm.count("force") > 0;
  cfg["quiet"] = vm.count("quiet") > 0;
  if (command == ModelCommand::Predict)
    cfg["export_interpretation"] = vm.count("export-interpretation") > 0;

  nlohmann::json data = nlohmann::json::object();
  for (const char* name :
       {"features", "labels", "id-column", "label-column", "positive-label", "target",
        "site-column", "feature-id-pattern", "series-dir", "series-pattern", "tr", "site-tr"}) {
    std::string key = name;
    for (auto& ch : key)
      if (ch == '-') ch = '_';
    if (vm.count(name)) data[key] = vm[name].as<std::string>();
  }
  cfg["data"] = data;

  if (!trains(command)) {
    cfg["checkpoint"] = str(vm, "checkpoint");
    if (vm.count("task")) cfg["task"] = checked_task(vm["task"].as<std::string>());
    return cfg;
  }
  const std::string log_format = vm["log-format"].as<std::string>();
  if (log_format != "jsonl" && log_format != "csv")
    throw UsageError("--log-format: '" + log_format + "' is not jsonl or csv");
  cfg["log_format"] = log_format;
  const int64_t seed = vm["seed"].as<int64_t>();
  if (seed < 0) throw UsageError("--seed must be >= 0 (got " + std::to_string(seed) + ")");
  cfg["seed"] = seed;
  cfg["resume"] = vm.count("resume") > 0;
  if (cfg["resume"].get<bool>() && cfg["force"].get<bool>())
    throw UsageError("--resume and --force exclude each other");
  const std::string model = vm["model"].as<std::string>();
  const ModelAdapter& adapter = find_model(model);
  cfg["model"] = model;
  cfg["model_options"] = adapter.options_json ? adapter.options_json(vm) : nlohmann::json::object();
  if (command == ModelCommand::Train) {
    cfg["init"] = str(vm, "init");
    const std::string task = checked_task(vm["task"].as<std::string>());
    const bool regression = task == "regression";
    if (regression && !adapter.no_regression.empty())
      throw UsageError("--task regression: --model " + model + " has no regression head (" +
                       adapter.no_regression + ")");
    if (regression && str(vm, "target").empty())
      throw UsageError("--task regression needs --target (the numeric column of --labels)");
    if (!regression && vm.count("target"))
      throw UsageError("--target is for --task regression (classification uses --label-column)");
    cfg["task"] = task;
    const std::string metric = vm.count("val-metric") ? vm["val-metric"].as<std::string>()
                               : regression           ? "mae"
                                                      : "auroc";
    if (metric != "loss" && metric != (regression ? "mae" : "auroc"))
      throw UsageError("--val-metric: '" + metric + "' is not " +
                       (regression ? "mae or loss (--task regression)"
                                   : "auroc or loss (--task classification)"));
    cfg["val_metric"] = metric;
    const int64_t ensemble = vm["ensemble"].as<int64_t>();
    if (ensemble < 1 || ensemble > 1000)
      throw UsageError("--ensemble must be 1 to 1000 (got " + std::to_string(ensemble) + ")");
    if (ensemble > 1 && adapter.closed_form)
      throw UsageError("--ensemble: --model " + model +
                       " is fitted in closed form; its members would all be the same model");
    cfg["ensemble"] = ensemble;
  }

  cfg["split"] = {
      {"splits_file", str(vm, "splits")},       {"protocol", vm["protocol"].as<std::string>()},
      {"repeats", vm["repeats"].as<int>()},     {"folds", vm["folds"].as<int>()},
      {"val", vm["val-fraction"].as<double>()}, {"test", vm["test-fraction"].as<double>()},
      {"by_site", vm["by-site"].as<bool>()},    {"seed", seed}};

  models::TrainerOptions t;
  t.epochs = vm["epochs"].as<int64_t>();
  t.batch_size = vm["batch-size"].as<int64_t>();
  t.drop_last = vm.count("drop-last") > 0;
  t.lr = vm["lr"].as<double>();
  t.weight_decay = vm["weight-decay"].as<double>();
  t.beta1 = vm["beta1"].as<double>();
  t.beta2 = vm["beta2"].as<double>();
  t.adam_eps = vm["adam-eps"].as<double>();
  t.schedule = models::parse_schedule_kind(vm["schedule"].as<std::string>());
  t.warmup_epochs = vm["warmup-epochs"].as<double>();
  t.min_lr_ratio = vm["min-lr-ratio"].as<double>();
  t.step_epochs = vm["step-epochs"].as<double>();
  t.gamma = vm["gamma"].as<double>();
  t.patience = vm["patience"].as<int64_t>();
  t.min_delta = vm["min-delta"].as<double>();
  t.clip_grad_norm = vm["clip-grad-norm"].as<double>();
  t.checkpoint_seconds = vm["checkpoint-every"].as<double>();
  t.bf16_autocast = vm.count("fp32") == 0;
  t.seed = static_cast<uint64_t>(seed);
  models::check_trainer_options(t);  // before any data is read or output written
  cfg["trainer"] = models::to_json(t);
  return cfg;
}

}  // namespace brainenc::pipeline
