// --model fc_transformer: a Brain-Network-Transformer-style classifier or regressor
// (models/fc_transformer.hpp) on each subject's Pearson correlation matrix of its region time
// series (--series-dir).
#include <cmath>

#include "brainenc/io/error.hpp"
#include "brainenc/models/fc_transformer.hpp"
#include "brainenc/models/mixup.hpp"
#include "brainenc/models/mlp.hpp"
#include "brainenc/models/regression_task.hpp"
#include "brainenc/models/tensor_convert.hpp"
#include "brainenc/models/trainer.hpp"
#include "model_registry.hpp"
#include "series_data.hpp"

namespace brainenc::pipeline {
namespace {

// Cross-entropy over two logits; score = P(positive). Unlabelled subjects are never trained on.
// Training batches are mixed up as BNT does (Zhang et al. 2018: a random pairing within the
// batch, x = l x_i + (1 - l) x_j, the loss mixed with the same l ~ Beta(alpha, alpha)).
class FcClassificationTask : public models::TrainingTask {
 public:
  FcClassificationTask(models::FcTransformer model, torch::Tensor fc, torch::Tensor labels,
                       double mixup_alpha)
      : model_(std::move(model)),
        fc_(std::move(fc)),
        labels_(std::move(labels)),
        mixup_alpha_(mixup_alpha) {}
  torch::nn::Module& module() override { return *model_; }
  torch::Tensor loss(const std::vector<int64_t>& batch, const torch::Device& device) override {
    const auto y = models::gather_rows(labels_, batch, device);
    auto x = models::gather_rows(fc_, batch, device);
    if (!model_->is_training() || mixup_alpha_ <= 0.0 || batch.size() < 2)
      return torch::nn::functional::cross_entropy(model_->forward(x).to(torch::kFloat32), y);
    const double lambda = models::sample_beta(mixup_alpha_);
    const auto partner = torch::randperm(int64_t(batch.size()), torch::kLong).to(device);
    x = lambda * x + (1.0 - lambda) * x.index_select(0, partner);
    const auto logits = model_->forward(x).to(torch::kFloat32);
    return lambda * torch::nn::functional::cross_entropy(logits, y) +
           (1.0 - lambda) *
               torch::nn::functional::cross_entropy(logits, y.index_select(0, partner));
  }
  torch::Tensor scores(const std::vector<int64_t>& batch, const torch::Device& device) override {
    const auto logits =
        model_->forward(models::gather_rows(fc_, batch, device)).to(torch::kFloat32);
    return torch::softmax(logits, 1).select(1, 1);
  }

 private:
  models::FcTransformer model_;
  torch::Tensor fc_, labels_;
  double mixup_alpha_;
};

// A head with one output predicts the target standardised on the training subjects (MSE); scores
// are predictions in the target's units (models/regression_task.hpp). No mixup.
class FcRegressionTask : public models::RegressionTask {
 public:
  FcRegressionTask(models::FcTransformer model, torch::Tensor fc, torch::Tensor targets,
                   const std::vector<int64_t>& train)
      : RegressionTask(model.ptr(), std::move(targets), train),
        model_(std::move(model)),
        fc_(std::move(fc)) {}

 protected:
  torch::Tensor output(const std::vector<int64_t>& batch, const torch::Device& device) override {
    return model_->forward(models::gather_rows(fc_, batch, device));
  }

 private:
  models::FcTransformer model_;
  torch::Tensor fc_;
};

class FcData : public ModelData {
 public:
  FcData(models::Cohort cohort, const nlohmann::json& options)
      : cohort_(std::move(cohort)), options_(options) {
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
    const models::FcTransformerOptions o = transformer_options();
    return std::make_unique<FcClassificationTask>(models::FcTransformer(o), fc_, labels_,
                                                  options_.value("mixup", 0.0));
  }
  std::unique_ptr<models::TrainingTask> regression_task(
      const std::vector<int64_t>& train) override {
    models::FcTransformerOptions o = transformer_options();
    o.n_outputs(1);
    return std::make_unique<FcRegressionTask>(
        models::FcTransformer(o), fc_, torch::tensor(cohort_.targets(), torch::kFloat64), train);
  }
  std::unique_ptr<models::TrainingTask> pretraining_task(const std::vector<int64_t>&) override {
    throw UsageError("--model fc_transformer has no self-supervised pretraining (use brainmae)");
  }
  std::vector<std::string> pretrained_prefixes() const override { return {}; }

 private:
  // The model of --fc_transformer.* as classification_task builds it (two outputs).
  models::FcTransformerOptions transformer_options() const {
    models::FcTransformerOptions o(cohort_.regions());
    o.d_model(options_.at("d_model").get<int64_t>())
        .heads(options_.at("heads").get<int64_t>())
        .layers(options_.at("layers").get<int64_t>())
        .n_clusters(options_.at("clusters").get<int64_t>())
        .dropout(options_.at("dropout").get<double>())
        // Keys missing in checkpoints written before these options: the model as it was then.
        .head_dropout(options_.value("head_dropout", options_.at("dropout").get<double>()))
        .post_norm(options_.value("post_norm", false))
        .readout(models::parse_readout(options_.value("readout", std::string("simple"))));
    return o;
  }

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
        "fc_transformer.layers", po::value<int64_t>()->default_value(d.layers()),
        "attention layers")("fc_transformer.clusters",
                            po::value<int64_t>()->default_value(d.n_clusters()),
                            "orthonormal cluster readout: clusters")(
        "fc_transformer.dropout", po::value<double>()->default_value(d.dropout(), "0.1"),
        "dropout inside the attention layers")("fc_transformer.head-dropout",
                                               po::value<double>()->default_value(0.0, "0"),
                                               "dropout between the MLP head's layers")(
        "fc_transformer.norm", po::value<std::string>()->default_value("post"),
        "attention layers: post (post-LN, ReLU: BNT) or pre (pre-LN, GELU)")(
        "fc_transformer.readout", po::value<std::string>()->default_value("dec"),
        "cluster readout: dec (BNT's code: bottleneck + squared projection) or simple "
        "(softmax of node . centre)")(
        "fc_transformer.mixup", po::value<double>()->default_value(1.0, "1"),
        "mixup of training batches, Beta(alpha, alpha) (BNT: 1; 0 = off)");
  };
  a.options_json = [](const po::variables_map& vm) {
    const double dropout = vm["fc_transformer.dropout"].as<double>();
    if (!(dropout >= 0.0 && dropout < 1.0))
      throw UsageError("--fc_transformer.dropout must be in [0, 1)");
    const double head_dropout = vm["fc_transformer.head-dropout"].as<double>();
    if (!(head_dropout >= 0.0 && head_dropout < 1.0))
      throw UsageError("--fc_transformer.head-dropout must be in [0, 1)");
    const double mixup = vm["fc_transformer.mixup"].as<double>();
    if (!(mixup >= 0.0 && std::isfinite(mixup)))
      throw UsageError("--fc_transformer.mixup must be >= 0");
    const std::string norm = vm["fc_transformer.norm"].as<std::string>();
    if (norm != "post" && norm != "pre")
      throw UsageError("--fc_transformer.norm must be post or pre, got '" + norm + "'");
    const auto readout = models::parse_readout(vm["fc_transformer.readout"].as<std::string>());
    for (const char* k :
         {"fc_transformer.heads", "fc_transformer.layers", "fc_transformer.clusters"})
      if (vm[k].as<int64_t>() < 1) throw UsageError(std::string("--") + k + " must be >= 1");
    return nlohmann::json{{"d_model", vm["fc_transformer.d-model"].as<int64_t>()},
                          {"heads", vm["fc_transformer.heads"].as<int64_t>()},
                          {"layers", vm["fc_transformer.layers"].as<int64_t>()},
                          {"clusters", vm["fc_transformer.clusters"].as<int64_t>()},
                          {"dropout", dropout},
                          {"head_dropout", head_dropout},
                          {"post_norm", norm == "post"},
                          {"readout", models::readout_name(readout)},
                          {"mixup", mixup}};
  };
  a.open = [](const DataOptions& d, const nlohmann::json& options,
              bool need_labels) -> std::unique_ptr<ModelData> {
    return std::make_unique<FcData>(load_series_cohort(d, need_labels), options);
  };
  return a;
}

}  // namespace brainenc::pipeline
