// The options of the training engine (trainer.hpp), torch-free so that the command line can
// declare them with their defaults without parsing torch headers.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace brainenc::models {

enum class ScheduleKind { Constant, Cosine, Step };
ScheduleKind parse_schedule_kind(const std::string& name);  // UsageError naming --schedule
std::string schedule_kind_name(ScheduleKind kind);

struct TrainerOptions {
  int64_t epochs = 100;
  int64_t batch_size = 32;
  bool drop_last = false;  // drop the last incomplete training batch of each epoch
  // AdamW (Loshchilov & Hutter): decoupled weight decay, PyTorch's defaults otherwise.
  double lr = 1e-3;
  double weight_decay = 1e-2;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double adam_eps = 1e-8;
  ScheduleKind schedule = ScheduleKind::Constant;
  double warmup_epochs = 0;  // converted to steps: round(warmup_epochs * steps per epoch)
  double min_lr_ratio = 0.0;
  double step_epochs = 30;  // Step: decay every step_epochs epochs
  double gamma = 0.1;
  // Early stopping: stop after `patience` epochs without a better validation metric (0 = never)
  // and, in every case, end with the weights of the best validation epoch.
  int64_t patience = 0;
  double min_delta = 0.0;       // an improvement must exceed this
  double clip_grad_norm = 0.0;  // max total L2 norm of the gradients (0 = no clipping)
  std::string device = "cpu";   // cpu, cuda or cuda:N
  bool bf16_autocast = true;    // on CUDA; CPU always trains in fp32
  uint64_t seed = 0;
  // Metrics log, one record per epoch ("" = none): CSV with a header row when the path ends in
  // .csv, JSON Lines otherwise.
  std::string log_path;
  std::string checkpoint_path;  // "" = none; see checkpoint_seconds
  // While training, the checkpoint is rewritten after an epoch only when this many seconds have
  // passed since the last one (0 = after every epoch); always at the end and on interruption.
  // A killed run loses at most this much work; small models on a GPU train an epoch in tens of
  // milliseconds, and writing weights + best + AdamW state every epoch would dominate.
  double checkpoint_seconds = 30;
  bool progress = true;  // progress with ETA on stderr
};
// UsageError naming the command-line option (--lr, ...) of the first value out of range.
void check_trainer_options(const TrainerOptions& options);
nlohmann::json to_json(const TrainerOptions& options);
// Missing keys keep their defaults; DataError naming `source` for a malformed value.
TrainerOptions trainer_options_from_json(const nlohmann::json& j,
                                         const std::string& source = "options");

}  // namespace brainenc::models
