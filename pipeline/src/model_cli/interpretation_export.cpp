#include "interpretation_export.hpp"

#include <algorithm>
#include <limits>

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

// Scores `samples` batch by batch in eval mode, without gradients, with `model` recording its
// attention; `each_batch` reads what the batch's forward pass recorded. The model's mode is
// restored afterwards.
template <class Model, class EachBatch>
void record_batches(Model& model, models::TrainingTask& task, const std::vector<int64_t>& samples,
                    const torch::Device& device, int64_t batch_size, EachBatch each_batch) {
  const bool was_training = model.is_training();
  model.eval();
  model.set_record_attention(true);
  torch::NoGradGuard no_grad;
  for (size_t start = 0; start < samples.size(); start += size_t(batch_size)) {
    const std::vector<int64_t> batch(
        samples.begin() + int64_t(start),
        samples.begin() + int64_t(std::min(samples.size(), start + size_t(batch_size))));
    task.scores(batch, device);
    each_batch();
  }
  model.set_record_attention(false);
  model.train(was_training);
}

// Cluster assignment [R, K] and each layer's node attention [R, R] (mean over heads), averaged
// over `samples`: the forward passes of the scores, with the attention recorded.
std::vector<std::pair<std::string, std::string>> fc_transformer_npy(
    models::FcTransformerImpl& model, models::TrainingTask& task,
    const std::vector<int64_t>& samples, const torch::Device& device, int64_t batch_size) {
  torch::Tensor assignment;
  std::vector<torch::Tensor> attention;
  record_batches(model, task, samples, device, batch_size, [&] {
    const auto a = model.last_assignment().to(torch::kFloat64).sum(0);  // [R, K]
    assignment = assignment.defined() ? assignment + a : a;
    const auto layers = model.node_attention();  // [B, heads, R, R] each
    attention.resize(layers.size());
    for (size_t l = 0; l < layers.size(); ++l) {
      const auto w = layers[l].to(torch::kFloat64).mean(1).sum(0);  // [R, R]
      attention[l] = attention[l].defined() ? attention[l] + w : w;
    }
  });
  const double n = double(samples.size());
  std::vector<std::pair<std::string, std::string>> out = {
      {"cluster_centers", npy_of(model.cluster_centers())},
      {"cluster_assignment", npy_of(assignment / n)}};
  for (size_t l = 0; l < attention.size(); ++l)
    out.emplace_back("node_attention_layer" + std::to_string(l), npy_of(attention[l] / n));
  return out;
}

// Each subject's segment attention per transformer layer, mean over heads: [N, S, S] with S the
// most segments of any subject; the rows and columns past a subject's own segments are NaN.
// segment_counts [N]: each subject's segments. Subjects in `samples` order.
std::vector<std::pair<std::string, std::string>> brainmae_segment_npy(
    models::BrainMAEImpl& model, models::TrainingTask& task, const std::vector<int64_t>& samples,
    const torch::Device& device, int64_t batch_size) {
  std::vector<std::vector<torch::Tensor>> per_layer;  // [layer][batch]: [B, S_b, S_b]
  std::vector<torch::Tensor> counts;
  int64_t most = 0;
  record_batches(model, task, samples, device, batch_size, [&] {
    const auto layers = model.segment_attention();  // [B, heads, S_b, S_b] each
    per_layer.resize(layers.size());
    for (size_t l = 0; l < layers.size(); ++l)
      per_layer[l].push_back(layers[l].to(torch::kCPU, torch::kFloat64).mean(1));
    // A subject's padded segments are masked keys: no query gives them any weight, while every
    // real segment gets some (softmax weights are > 0). Its segments: the columns with weight.
    counts.push_back(per_layer[0].back().sum(1).gt(0).sum(1));
    most = std::max(most, per_layer[0].back().size(1));
  });
  const torch::Tensor count = torch::cat(counts);  // [N]
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t l = 0; l < per_layer.size(); ++l) {
    torch::Tensor all = torch::full({int64_t(samples.size()), most, most},
                                    std::numeric_limits<double>::quiet_NaN(), torch::kFloat64);
    int64_t row = 0;
    for (const auto& b : per_layer[l])
      for (int64_t i = 0; i < b.size(0); ++i, ++row) {
        const int64_t n = count[row].item<int64_t>();
        all[row].narrow(0, 0, n).narrow(1, 0, n).copy_(b[i].narrow(0, 0, n).narrow(1, 0, n));
      }
    out.emplace_back("segment_attention_layer" + std::to_string(l), npy_of(all));
  }
  out.emplace_back("segment_counts", npy_of(count));
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> interpretation_npy(
    models::TrainingTask& task, const std::string& model_name, const std::vector<int64_t>& samples,
    const torch::Device& device, int64_t batch_size) {
  if (samples.empty())
    throw DataError("--export-interpretation", "no subject to export the attention of");
  if (auto* mae = dynamic_cast<models::BrainMAEImpl*>(&task.module())) {
    std::vector<std::pair<std::string, std::string>> out = {
        {"roi_embeddings", npy_of(mae->roi_embeddings())},
        {"graph_attention", npy_of(mae->graph_attention())}};
    for (auto& f :
         brainmae_segment_npy(*mae, task, samples, device, std::max<int64_t>(1, batch_size)))
      out.push_back(std::move(f));
    return out;
  }
  if (auto* fct = dynamic_cast<models::FcTransformerImpl*>(&task.module())) {
    return fc_transformer_npy(*fct, task, samples, device, std::max<int64_t>(1, batch_size));
  }
  throw UsageError("--export-interpretation: --model " + model_name +
                   " has nothing to export (brainmae and fc_transformer do)");
}

}  // namespace brainenc::pipeline
