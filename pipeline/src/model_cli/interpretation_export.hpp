// What a trained model learned, for interpretation (`brainenc predict --export-interpretation`):
// BrainMAE's ROI embeddings and static graph attention; the FC transformer's cluster centres and
// its cluster assignment and node attention averaged over the scored subjects.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "brainenc/models/trainer.hpp"

namespace brainenc::pipeline {

// (name, .npy file contents) pairs, float64 arrays. UsageError naming --export-interpretation for
// a model with nothing to export (logistic, mlp). Runs the model in eval mode, without gradients,
// over `samples` in batches (FC transformer) and restores its training mode.
std::vector<std::pair<std::string, std::string>> interpretation_npy(
    models::TrainingTask& task, const std::string& model_name, const std::vector<int64_t>& samples,
    const torch::Device& device, int64_t batch_size);

}  // namespace brainenc::pipeline
