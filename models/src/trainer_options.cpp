#include "brainenc/models/trainer_options.hpp"

#include <sstream>

#include "brainenc/io/error.hpp"

namespace brainenc::models {
namespace {

std::string format_value(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

void require(bool ok, const std::string& option, const std::string& rule, double value) {
  if (!ok)
    throw UsageError("--" + option + " must be " + rule + " (got " + format_value(value) + ")");
}

}  // namespace

ScheduleKind parse_schedule_kind(const std::string& name) {
  if (name == "constant") return ScheduleKind::Constant;
  if (name == "cosine") return ScheduleKind::Cosine;
  if (name == "step") return ScheduleKind::Step;
  throw UsageError("--schedule: '" + name + "' is not one of constant, cosine, step");
}

std::string schedule_kind_name(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::Cosine:
      return "cosine";
    case ScheduleKind::Step:
      return "step";
    case ScheduleKind::Constant:
      break;
  }
  return "constant";
}

void check_trainer_options(const TrainerOptions& o) {
  require(o.epochs >= 1, "epochs", ">= 1", static_cast<double>(o.epochs));
  require(o.batch_size >= 1, "batch-size", ">= 1", static_cast<double>(o.batch_size));
  require(o.lr > 0, "lr", "> 0", o.lr);
  require(o.weight_decay >= 0, "weight-decay", ">= 0", o.weight_decay);
  require(o.beta1 >= 0 && o.beta1 < 1, "beta1", "in [0, 1)", o.beta1);
  require(o.beta2 >= 0 && o.beta2 < 1, "beta2", "in [0, 1)", o.beta2);
  require(o.adam_eps > 0, "adam-eps", "> 0", o.adam_eps);
  require(o.warmup_epochs >= 0, "warmup-epochs", ">= 0", o.warmup_epochs);
  require(o.min_lr_ratio >= 0 && o.min_lr_ratio <= 1, "min-lr-ratio", "in [0, 1]", o.min_lr_ratio);
  require(o.step_epochs > 0, "step-epochs", "> 0", o.step_epochs);
  require(o.gamma > 0, "gamma", "> 0", o.gamma);
  require(o.patience >= 0, "patience", ">= 0", static_cast<double>(o.patience));
  require(o.min_delta >= 0, "min-delta", ">= 0", o.min_delta);
  require(o.clip_grad_norm >= 0, "clip-grad-norm", ">= 0", o.clip_grad_norm);
  require(o.checkpoint_seconds >= 0, "checkpoint-every", ">= 0", o.checkpoint_seconds);
}

nlohmann::json to_json(const TrainerOptions& o) {
  return {{"epochs", o.epochs},
          {"batch_size", o.batch_size},
          {"drop_last", o.drop_last},
          {"lr", o.lr},
          {"weight_decay", o.weight_decay},
          {"beta1", o.beta1},
          {"beta2", o.beta2},
          {"adam_eps", o.adam_eps},
          {"schedule", schedule_kind_name(o.schedule)},
          {"warmup_epochs", o.warmup_epochs},
          {"min_lr_ratio", o.min_lr_ratio},
          {"step_epochs", o.step_epochs},
          {"gamma", o.gamma},
          {"patience", o.patience},
          {"min_delta", o.min_delta},
          {"clip_grad_norm", o.clip_grad_norm},
          {"device", o.device},
          {"bf16_autocast", o.bf16_autocast},
          {"seed", o.seed},
          {"log_path", o.log_path},
          {"checkpoint_path", o.checkpoint_path},
          {"checkpoint_seconds", o.checkpoint_seconds},
          {"progress", o.progress}};
}

TrainerOptions trainer_options_from_json(const nlohmann::json& j, const std::string& source) {
  TrainerOptions o;
  try {
    o.epochs = j.value("epochs", o.epochs);
    o.batch_size = j.value("batch_size", o.batch_size);
    o.drop_last = j.value("drop_last", o.drop_last);
    o.lr = j.value("lr", o.lr);
    o.weight_decay = j.value("weight_decay", o.weight_decay);
    o.beta1 = j.value("beta1", o.beta1);
    o.beta2 = j.value("beta2", o.beta2);
    o.adam_eps = j.value("adam_eps", o.adam_eps);
    o.schedule = parse_schedule_kind(j.value("schedule", schedule_kind_name(o.schedule)));
    o.warmup_epochs = j.value("warmup_epochs", o.warmup_epochs);
    o.min_lr_ratio = j.value("min_lr_ratio", o.min_lr_ratio);
    o.step_epochs = j.value("step_epochs", o.step_epochs);
    o.gamma = j.value("gamma", o.gamma);
    o.patience = j.value("patience", o.patience);
    o.min_delta = j.value("min_delta", o.min_delta);
    o.clip_grad_norm = j.value("clip_grad_norm", o.clip_grad_norm);
    o.device = j.value("device", o.device);
    o.bf16_autocast = j.value("bf16_autocast", o.bf16_autocast);
    o.seed = j.value("seed", o.seed);
    o.log_path = j.value("log_path", o.log_path);
    o.checkpoint_path = j.value("checkpoint_path", o.checkpoint_path);
    o.checkpoint_seconds = j.value("checkpoint_seconds", o.checkpoint_seconds);
    o.progress = j.value("progress", o.progress);
  } catch (const nlohmann::json::exception& e) {
    throw DataError(source, std::string("malformed trainer options: ") + e.what());
  } catch (const UsageError& e) {
    throw DataError(source, e.what());
  }
  return o;
}

}  // namespace brainenc::models
