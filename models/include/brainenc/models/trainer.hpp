// The training engine: one loop for every brainenc model. A model plugs in as a TrainingTask
// (its module, a training loss over a batch of sample indices, per-sample scores); the Trainer
// owns the optimiser (AdamW), the learning-rate schedule, early stopping on a validation metric
// chosen by the caller, gradient clipping, bf16 autocast on CUDA, seeding, progress, the metrics
// log (JSONL or CSV) and checkpoints that resume bit for bit (checkpoint.hpp).
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "brainenc/models/checkpoint.hpp"
#include "brainenc/models/trainer_options.hpp"

namespace brainenc::models {

// What a model gives the Trainer. Samples are named by their index in the task's data; the task
// moves what it needs to `device` itself. Randomness inside the task (dropout, masking) must come
// from torch's default generators, which the Trainer seeds and checkpoints.
class TrainingTask {
 public:
  virtual ~TrainingTask() = default;
  virtual torch::nn::Module& module() = 0;
  // Mean loss over `batch` (a 0-dim tensor with a graph). Called in train mode for training and,
  // for the validation loss, in eval mode under NoGradGuard.
  virtual torch::Tensor loss(const std::vector<int64_t>& batch, const torch::Device& device) = 0;
  // Per-sample outputs for evaluation: [batch.size()] or [batch.size(), k]. Called in eval mode
  // under NoGradGuard.
  virtual torch::Tensor scores(const std::vector<int64_t>& batch, const torch::Device& device) = 0;
};

// Learning rate per optimiser step (0-based). Every kind starts with an optional linear warm-up
// from base_lr / warmup_steps to base_lr over the first warmup_steps steps (as timm / BNT do).
// Cosine then decays to base_lr * min_lr_ratio at total_steps (Loshchilov & Hutter, SGDR, no
// restarts); Step multiplies by gamma every step_size steps after the warm-up (PyTorch StepLR).
struct LrSchedule {
  ScheduleKind kind = ScheduleKind::Constant;
  double base_lr = 1e-3;
  int64_t warmup_steps = 0;
  int64_t total_steps = 1;    // Cosine
  double min_lr_ratio = 0.0;  // Cosine
  int64_t step_size = 1;      // Step
  double gamma = 0.1;         // Step
  double at(int64_t step) const;
};

// "cpu", "cuda", "cuda:N". UsageError naming --device when malformed or when CUDA is requested
// but not available.
torch::Device parse_device(const std::string& name);

// Seeds torch's CPU and CUDA generators: call before building a model so its initial weights
// depend on `seed` only.
void seed_torch(uint64_t seed);

class Trainer;

// The validation metric that drives early stopping and best-epoch selection.
struct ValidationMetric {
  std::string name = "loss";
  bool maximize = false;
  std::function<double(Trainer&, const std::vector<int64_t>& samples)> compute;
};
// The task's mean loss over the samples (minimised).
ValidationMetric validation_loss();
// A metric of Trainer::predict(samples), e.g. AUROC (maximise).
ValidationMetric validation_score(
    std::string name, bool maximize,
    std::function<double(const torch::Tensor& scores, const std::vector<int64_t>& samples)> metric);

struct EpochRecord {
  int64_t epoch = 0;  // 1-based
  int64_t step = 0;   // optimiser steps so far
  double lr = 0.0;    // at the epoch's last step
  double train_loss = 0.0;
  double val_metric = std::numeric_limits<double>::quiet_NaN();
  double grad_norm = std::numeric_limits<double>::quiet_NaN();  // mean before clipping (when on)
  double seconds = 0.0;
  bool best = false;
};
nlohmann::json to_json(const EpochRecord& r, const std::string& metric_name);
// The metrics log of `history` (to_json records): JSON Lines, one record a line, or CSV (a header
// row of the records' fields: epoch, step, lr, train_loss, val_<metric>, grad_norm when clipping,
// seconds, best; then one row per record, numbers as in the JSON, a missing value empty).
std::string metrics_log_jsonl(const nlohmann::json& history);
std::string metrics_log_csv(const nlohmann::json& history);

struct TrainResult {
  std::vector<EpochRecord> history;  // every epoch, the resumed-from ones included
  int64_t best_epoch = 0;            // 0 when no epoch had a finite validation metric
  double best_metric = std::numeric_limits<double>::quiet_NaN();
  bool stopped_early = false;
  bool interrupted = false;  // on_epoch_end returned false: resumable, best weights not restored
};

class Trainer {
 public:
  // Moves the task's module to options.device and builds the optimiser. `run_options` (the
  // model, data and split options of the caller) is stored in checkpoints next to the trainer
  // options, so that a checkpoint alone can rebuild the run.
  Trainer(TrainingTask& task, TrainerOptions options, ValidationMetric metric = validation_loss(),
          nlohmann::json run_options = nlohmann::json::object());

  // Continues the run saved in `path`: weights, optimiser, epoch, best weights, patience counter,
  // history and every random generator. Training options must equal the stored ones (UsageError
  // listing the differences); DataError naming the file for an unreadable checkpoint.
  void resume(const std::string& path);

  // Trains on `train`, validating on `val` after every epoch (with no validation samples the last
  // epoch counts as best). Ends with the best-validation weights in the module.
  TrainResult fit(const std::vector<int64_t>& train, const std::vector<int64_t>& val);

  // Called after every epoch, once the checkpoint is written; returning false stops the run
  // there as if killed (used to test resumption, and by callers that watch for signals).
  std::function<bool(const EpochRecord&)> on_epoch_end;

  // Per-sample scores of the task, in batches, eval mode, no gradients, autocast as in training;
  // float32 on the CPU, rows in the order of `samples`. Restores the module's training mode.
  torch::Tensor predict(const std::vector<int64_t>& samples);
  // Mean task loss over `samples` (weighted by batch size), eval mode, no gradients.
  double evaluate_loss(const std::vector<int64_t>& samples);

  // Writes the current state (as after the last completed epoch) to `path`, atomically.
  void save_checkpoint(const std::string& path) const;

  const TrainerOptions& options() const { return options_; }
  const torch::Device& device() const { return device_; }
  torch::optim::AdamW& optimizer() { return *optimizer_; }
  TrainingTask& task() { return task_; }

 private:
  double train_epoch(const std::vector<int64_t>& train, const LrSchedule& schedule, int64_t epoch,
                     double* lr, double* grad_norm);
  void shuffle(std::vector<int64_t>& order);
  nlohmann::json stored_options() const;
  void write_log() const;
  void report_epoch(const EpochRecord& r, bool validated, double elapsed, int64_t epochs_left,
                    int64_t epochs_run) const;

  TrainingTask& task_;
  TrainerOptions options_;
  ValidationMetric metric_;
  nlohmann::json run_options_;
  torch::Device device_;
  bool autocast_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::mt19937_64 shuffle_rng_;
  TrainingState state_;
  NamedTensors best_;  // best-validation weights (valid while state_.best_epoch > 0)
  std::unique_ptr<Checkpoint> pending_generators_;  // resume(): restored when fit() starts
  bool resumed_ = false;
};

// Per-sample scores of `task` for `samples` without a Trainer (evaluation of a saved model):
// batches of `batch_size`, eval mode, no gradients, bf16 autocast on CUDA when asked; float32 on
// the CPU, rows in the order of `samples`. Restores the module's training mode.
torch::Tensor predict_scores(TrainingTask& task, const std::vector<int64_t>& samples,
                             const torch::Device& device, int64_t batch_size,
                             bool bf16_autocast = true);

// Scales the gradients of `parameters` so that their total L2 norm is at most `max_norm`;
// returns the norm before scaling (torch.nn.utils.clip_grad_norm_).
double clip_gradients(const std::vector<torch::Tensor>& parameters, double max_norm);

// Total L2 norm of the gradients of `parameters` (those without a gradient are skipped).
double gradient_norm(const std::vector<torch::Tensor>& parameters);

}  // namespace brainenc::models
