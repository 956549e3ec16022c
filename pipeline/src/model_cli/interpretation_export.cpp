#include "interpretation_export.hpp"

#include <algorithm>

#include "brainenc/io/error.hpp"
#include "brainenc/io/npy.hpp"
#include "brainenc/models/brain_mae.hpp"
#include "brainenc/models/fc_transformer.hpp"

namespace brainenc::pipeline {
namespace {

std::string npy_of(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  return io::format_npy(std::vector<int64_t>(c.sizes().begin(), c.sizes().end()),
                        c.data_ptr<double>());
}

// Cluster assignment [R, K] and each layer's node attention [R, R] (mean over heads), averaged
// over `samples`: the forward passes of the scores, with the attention recorded.
std::vector<std::pair<std::string, std::string>> fc_transformer_npy(
    models::FcTransformerImpl& model, models::TrainingTask& task,
    const std::vector<int64_t>& samples, const torch::Device& device, int64_t batch_size) {
  const bool was_training = model.is_training();
  model.eval();
  model.set_record_attention(true);
  torch::NoGradGuard no_grad;
  torch::Tensor assignment;
  std::vector<torch::Tensor> attention;
  for (size_t start = 0; start < samples.size(); start += size_t(batch_size)) {
    const std::vector<int64_t> batch(
        samples.begin() + int64_t(start),
        samples.begin() + int64_t(std::min(samples.size(), start + size_t(batch_size))));
    task.scores(batch, device);
    const auto a = model.last_assignment().to(torch::kFloat64).sum(0);  // [R, K]
    assignment = assignment.defined() ? assignment + a : a;
    const auto layers = model.node_attention();  // [B, heads, R, R] each
    attention.resize(layers.size());
    for (size_t l = 0; l < layers.size(); ++l) {
      const auto w = layers[l].to(torch::kFloat64).mean(1).sum(0);  // [R, R]
      attention[l] = attention[l].defined() ? attention[l] + w : w;
    }
  }
  model.set_record_attention(false);
  model.train(was_training);
  const double n = double(samples.size());
  std::vector<std::pair<std::string, std::string>> out = {
      {"cluster_centers", npy_of(model.cluster_centers())},
      {"cluster_assignment", npy_of(assignment / n)}};
  for (size_t l = 0; l < attention.size(); ++l)
    out.emplace_back("node_attention_layer" + std::to_string(l), npy_of(attention[l] / n));
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> interpretation_npy(
    models::TrainingTask& task, const std::string& model_name, const std::vector<int64_t>& samples,
    const torch::Device& device, int64_t batch_size) {
  if (auto* mae = dynamic_cast<models::BrainMAEImpl*>(&task.module()))
    return {{"roi_embeddings", npy_of(mae->roi_embeddings())},
            {"graph_attention", npy_of(mae->graph_attention())}};
  if (auto* fct = dynamic_cast<models::FcTransformerImpl*>(&task.module())) {
    if (samples.empty())
      throw DataError("--export-interpretation", "no subject to average the attention over");
    return fc_transformer_npy(*fct, task, samples, device, std::max<int64_t>(1, batch_size));
  }
  throw UsageError("--export-interpretation: --model " + model_name +
                   " has nothing to export (brainmae and fc_transformer do)");
}

}  // namespace brainenc::pipeline
