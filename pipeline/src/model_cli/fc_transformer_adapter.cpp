// --model fc_transformer: a Brain-Network-Transformer-style classifier (models/fc_transformer.hpp)
// on each subject's Pearson correlation matrix of its region time series (--series-dir).
#include "brainenc/io/error.hpp"
#include "brainenc/models/fc_transformer.hpp"
#include "brainenc/models/mlp.hpp"
#include "brainenc/models/tensor_convert.hpp"
#include "brainenc/models/trainer.hpp"
#include "model_registry.hpp"
#include "series_data.hpp"

namespace brainenc::pipeline {
namespace {

// Cross-entropy over two logits; score = P(positive). Unlabelled subjects are never trained on.
class FcClassificationTask : public models::TrainingTask {
 public:
  FcClassificationTask(models::FcTransformer model, torch::Tensor fc, torch::Tensor labels)
      : model_(std::move(model)), fc_(std::move(fc)), labels_(std::move(labels)) {}
  torch::nn::Module& module() override { return *model_; }
  torch::Tensor loss(const std::vector<int64_t>& batch, const torch::Device& device) override {
    const auto y = models::gather_rows(labels_, batch, device);
    const auto logits = model_->forward(models::gather_rows(fc_, batch, device)).to(torch::kFloat32);
    return torch::nn::functional::cross_entropy(logits, y);
  }
  torch::Tensor scores(const std::vector<int64_t>& batch, const torch::Device& device) override {
    const auto logits = model_->forward(models::gather_rows(fc_, batch, device)).to(torch::kFloat32);
    return torch::softmax(logits, 1).select(1, 1);
  }

 private:
  models::FcTransformer model_;
  torch::Tensor fc_, labels_;
};

class FcData : public ModelData {
 public:
  FcData(models::Cohort cohort, const nlohmann::json& options) : cohort_(std::move(cohort)), options_(options) {
    const auto matrices = pearson_matrices(cohort_);
    const int64_t n = int64_t(matrices.size()), r = cohort_.regions();
    fc_ = torch::empty({n, r, r}, torch::kFloat32);
    for (int64_t i = 0; i < n; ++i) fc_[i].copy_(models::to_tensor(matrices[size_t(i)]));
    std::vector<int64_t> labels;
    for (const auto& s : cohort_.subjects) labels.push_back(s.label == 1 ? 1 : 0);
    labels_ = torch::tensor(labels, torch::kLong);
  }
  const models::Cohort& cohort() const override { return cohort_; }
  std::unique_ptr<models::TrainingTask> classification_task(const std::vector<int64_t>&) override {
    models::FcTransformerOptions o(cohort_.regions());
    o.d_model(options_.at("d_model").get<int64_t>())
        .heads(options_.at("heads").get<int64_t>())
        .layers(options_.at("layers").get<int64_t>())
        .n_clusters(options_.at("clusters").get<int64_t>())
        .dropout(options_.at("dropout").get<double>());
    return std::make_unique<FcClassificationTask>(models::FcTransformer(o), fc_, labels_);
  }
  std::unique_ptr<models::TrainingTask> pretraining_task(const std::vector<int64_t>&) override {
    throw UsageError("--model fc_transformer has no self-supervised pretraining (use brainmae)");
  }
  std::vector<std::string> pretrained_prefixes() const override { return {}; }

 private:
  models::Cohort cohort_;
  nlohmann::json options_;
  torch::Tensor fc_, labels_;
};

}  // namespace

ModelAdapter fc_transformer_adapter() {
  ModelAdapter a;
  a.name = "fc_transformer";
  a.summary = "Brain Network Transformer style classifier on Pearson FC of --series-dir series";
  a.declare = [](po::options_description& o) {
    const models::FcTransformerOptions d(1);
    o.add_options()("fc_transformer.d-model", po::value<int64_t>()->default_value(d.d_model()),
                    "node feature size (0 = the FC row itself, R values, as BNT)")(
        "fc_transformer.heads", po::value<int64_t>()->default_value(d.heads()), "attention heads")(
        "fc_transformer.layers", po::value<int64_t>()->default_value(d.layers()), "attention layers")(
        "fc_transformer.clusters", po::value<int64_t>()->default_value(d.n_clusters()),
        "orthonormal cluster readout: clusters")(
        "fc_transformer.dropout", po::value<double>()->default_value(d.dropout(), "0.1"), "dropout");
  };
  a.options_json = [](const po::variables_map& vm) {
    const double dropout = vm["fc_transformer.dropout"].as<double>();
    if (!(dropout >= 0.0 && dropout < 1.0)) throw UsageError("--fc_transformer.dropout must be in [0, 1)");
    for (const char* k : {"fc_transformer.heads", "fc_transformer.layers", "fc_transformer.clusters"})
      if (vm[k].as<int64_t>() < 1) throw UsageError(std::string("--") + k + " must be >= 1");
    return nlohmann::json{{"d_model", vm["fc_transformer.d-model"].as<int64_t>()},
                          {"heads", vm["fc_transformer.heads"].as<int64_t>()},
                          {"layers", vm["fc_transformer.layers"].as<int64_t>()},
                          {"clusters", vm["fc_transformer.clusters"].as<int64_t>()},
                          {"dropout", dropout}};
  };
  a.open = [](const DataOptions& d, const nlohmann::json& options, bool need_labels) -> std::unique_ptr<ModelData> {
    return std::make_unique<FcData>(load_series_cohort(d, need_labels), options);
  };
  return a;
}

}  // namespace brainenc::pipeline
