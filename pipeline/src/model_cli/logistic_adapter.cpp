// --model logistic: the classical baseline every learned model must beat. L2 logistic regression
// (sklearn's objective, models/logistic_regression.hpp) on Ledoit-Wolf FC (Fisher z, lower
// triangle), standardised on the fitting subjects, C chosen by inner stratified CV on AUROC.
// Fitted in closed form (no Trainer); stored as a linear layer + the scaler, so that evaluate
// and predict read its checkpoint like any other model's.
#include "brainenc/io/error.hpp"
#include "brainenc/models/logistic_regression.hpp"
#include "brainenc/models/mlp.hpp"
#include "brainenc/models/tensor_convert.hpp"
#include "brainenc/models/trainer.hpp"
#include "model_registry.hpp"
#include "series_data.hpp"

namespace brainenc::pipeline {
namespace {

// sigmoid(w . (x - mean) / scale + b), with the scaler as buffers.
struct LogisticModuleImpl : torch::nn::Module {
  explicit LogisticModuleImpl(int64_t features) {
    linear = register_module("linear", torch::nn::Linear(features, 1));
    mean = register_buffer("mean", torch::zeros({features}, torch::kFloat64));
    scale = register_buffer("scale", torch::ones({features}, torch::kFloat64));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    const auto z = (x.to(torch::kFloat64) - mean) / scale;
    return torch::sigmoid(torch::nn::functional::linear(z, linear->weight.to(torch::kFloat64),
                                                        linear->bias.to(torch::kFloat64)))
        .squeeze(1);
  }
  torch::nn::Linear linear{nullptr};
  torch::Tensor mean, scale;
};
TORCH_MODULE(LogisticModule);

class LogisticTask : public models::TrainingTask {
 public:
  LogisticTask(torch::Tensor features) : features_(std::move(features)), model_(features_.size(1)) {
    model_->to(torch::kFloat64);
  }
  torch::nn::Module& module() override { return *model_; }
  torch::Tensor loss(const std::vector<int64_t>&, const torch::Device&) override {
    throw RuntimeError("logistic regression is fitted in closed form, not by gradient steps");
  }
  torch::Tensor scores(const std::vector<int64_t>& batch, const torch::Device& device) override {
    return model_->forward(models::gather_rows(features_, batch, device));
  }
  LogisticModule& model() { return model_; }
  const torch::Tensor& features() const { return features_; }

 private:
  torch::Tensor features_;
  LogisticModule model_;
};

class LogisticData : public ModelData {
 public:
  LogisticData(models::Cohort cohort, const nlohmann::json& options)
      : cohort_(std::move(cohort)), options_(options) {
    x_ = lw_fisher_features(cohort_);
    features_ = models::to_tensor(x_, torch::kFloat64);
  }
  const models::Cohort& cohort() const override { return cohort_; }
  std::unique_ptr<models::TrainingTask> classification_task(const std::vector<int64_t>&) override {
    return std::make_unique<LogisticTask>(features_);
  }
  std::unique_ptr<models::TrainingTask> pretraining_task(const std::vector<int64_t>&) override {
    throw UsageError("--model logistic has no pretraining");
  }
  std::vector<std::string> pretrained_prefixes() const override { return {}; }

  bool fit_closed_form(models::TrainingTask& task, const std::vector<int64_t>& fit,
                       uint64_t seed) override {
    Eigen::MatrixXd x(Eigen::Index(fit.size()), x_.cols());
    Eigen::VectorXi y(Eigen::Index(fit.size()));
    for (size_t k = 0; k < fit.size(); ++k) {
      x.row(Eigen::Index(k)) = x_.row(Eigen::Index(fit[k]));
      y[Eigen::Index(k)] = cohort_.subjects[size_t(fit[k])].label == 1 ? 1 : 0;
    }
    models::LogisticCvOptions o;
    o.seed = seed;
    o.folds = options_.at("inner_folds").get<int>();
    o.Cs =
        models::logspace(options_.at("log10_c_min").get<double>(),
                         options_.at("log10_c_max").get<double>(), options_.at("n_c").get<int>());
    const models::LogisticCvResult r = models::fit_logistic_cv(x, y, o);
    auto& m = dynamic_cast<LogisticTask&>(task).model();
    torch::NoGradGuard no_grad;
    const Eigen::VectorXd w = r.model.model.coef();
    m->linear->weight.copy_(models::to_tensor(w.transpose(), torch::kFloat64));
    m->linear->bias.fill_(r.model.model.intercept());
    if (r.model.standardize) {
      m->mean.copy_(models::to_tensor(r.model.scaler.mean(), torch::kFloat64).squeeze(0));
      m->scale.copy_(models::to_tensor(r.model.scaler.scale(), torch::kFloat64).squeeze(0));
    }
    chosen_C_ = r.best_C;
    return true;
  }
  double chosen_C() const { return chosen_C_; }

 private:
  models::Cohort cohort_;
  nlohmann::json options_;
  Eigen::MatrixXd x_;
  torch::Tensor features_;
  double chosen_C_ = 0;
};

}  // namespace

ModelAdapter logistic_adapter() {
  ModelAdapter a;
  a.name = "logistic";
  a.closed_form = true;
  a.summary = "L2 logistic regression on Ledoit-Wolf FC (Fisher z), C by inner CV (closed form)";
  a.no_regression = "L2 logistic regression is a classifier; use mlp, fc_transformer or brainmae";
  a.declare = [](po::options_description& o) {
    o.add_options()("logistic.inner-folds", po::value<int>()->default_value(5),
                    "inner CV folds for C")("logistic.log10-c-min",
                                            po::value<double>()->default_value(-4.0, "-4"),
                                            "smallest C = 10^this")(
        "logistic.log10-c-max", po::value<double>()->default_value(4.0, "4"),
        "largest C = 10^this")("logistic.n-c", po::value<int>()->default_value(10),
                               "C values, log-spaced (sklearn LogisticRegressionCV)");
  };
  a.options_json = [](const po::variables_map& vm) {
    if (vm["logistic.inner-folds"].as<int>() < 2)
      throw UsageError("--logistic.inner-folds must be >= 2");
    if (vm["logistic.n-c"].as<int>() < 1) throw UsageError("--logistic.n-c must be >= 1");
    return nlohmann::json{{"inner_folds", vm["logistic.inner-folds"].as<int>()},
                          {"log10_c_min", vm["logistic.log10-c-min"].as<double>()},
                          {"log10_c_max", vm["logistic.log10-c-max"].as<double>()},
                          {"n_c", vm["logistic.n-c"].as<int>()}};
  };
  a.open = [](const DataOptions& d, const nlohmann::json& options,
              bool need_labels) -> std::unique_ptr<ModelData> {
    return std::make_unique<LogisticData>(load_series_cohort(d, need_labels), options);
  };
  return a;
}

}  // namespace brainenc::pipeline
