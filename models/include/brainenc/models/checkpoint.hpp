// Checkpoints: one torch archive (torch::serialize::OutputArchive, a zip file) holding everything
// a run needs to continue exactly where it stopped — module weights and buffers, the best
// validation weights, the optimiser state, the options (JSON), epoch and step, early-stopping
// counters, the metrics history and every random generator (the shuffling std::mt19937_64 and
// torch's CPU and CUDA generators) — plus a format version. Written atomically: a temporary
// name in the destination folder, renamed when complete.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace brainenc::models {

inline constexpr int64_t kCheckpointFormatVersion = 1;

// Parameters then buffers, in named_parameters() / named_buffers() order, names as there.
using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// Detached copies (clones) of a module's parameters and buffers.
NamedTensors module_state(const torch::nn::Module& module);
// Copies `state` into the module's parameters and buffers in place (device and dtype converted),
// so optimisers keep their references. The names and shapes must match exactly: DataError naming
// `source` and the first parameter at fault otherwise.
void load_module_state(torch::nn::Module& module, const NamedTensors& state,
                       const std::string& source);
// Copies the tensors of `state` whose name starts with one of `prefixes` (all when empty) and
// whose name and shape match a parameter or buffer of `module` (fine-tuning from a pretrained
// encoder). Returns the names copied; DataError naming `source` when none matched.
std::vector<std::string> load_matching_state(torch::nn::Module& module, const NamedTensors& state,
                                             const std::vector<std::string>& prefixes,
                                             const std::string& source);

// Where a run stands after its last completed epoch.
struct TrainingState {
  int64_t epoch = 0;  // epochs completed
  int64_t step = 0;   // optimiser steps taken
  int64_t best_epoch = 0;
  double best_metric = std::numeric_limits<double>::quiet_NaN();
  int64_t epochs_since_best = 0;
  bool finished = false;  // the run ended (epochs done or early stop); model = best weights
  bool stopped_early = false;
  std::string shuffle_rng;  // std::mt19937_64 state, as written by operator<<
  nlohmann::json history = nlohmann::json::array();  // one object per epoch (trainer.hpp)
};

struct Checkpoint {
  int64_t format_version = kCheckpointFormatVersion;
  nlohmann::json options = nlohmann::json::object();  // {"trainer": ..., "run": ...}
  TrainingState state;
  NamedTensors model;           // weights at the end of state.epoch
  NamedTensors best;            // best-validation weights; empty when they are `model`
  torch::Tensor cpu_generator;  // torch's default CPU generator state (undefined: not saved)
  std::vector<std::pair<int64_t, torch::Tensor>> cuda_generators;  // (device index, state)

  // The weights to evaluate with: best when stored, else model.
  const NamedTensors& best_weights() const { return best.empty() ? model : best; }
};

// The states of torch's default CPU generator and, when `cuda_device` >= 0, of that CUDA
// device's default generator.
void capture_generators(Checkpoint& checkpoint, int64_t cuda_device = -1);
// Restores the generator states stored in `checkpoint`.
void restore_generators(const Checkpoint& checkpoint);

// Writes `checkpoint` (and, when given, the optimiser's state) to `path` atomically.
// RuntimeError naming the file when it cannot be written.
void write_checkpoint(const std::string& path, const Checkpoint& checkpoint,
                      const torch::optim::Optimizer* optimizer = nullptr);

// Reads a checkpoint; tensors are loaded onto `device`, generator states onto the CPU. When
// `optimizer` is given its state is loaded too (it must have been built over the same
// parameters). DataError naming the file when it is missing, truncated, not a brainenc
// checkpoint or of another format version.
Checkpoint read_checkpoint(const std::string& path, torch::optim::Optimizer* optimizer = nullptr,
                           const torch::Device& device = torch::kCPU);

}  // namespace brainenc::models
