// --model mlp: an Mlp (models/mlp.hpp) on a feature table, e.g. vectorized connectomes.
#include <sstream>

#include "brainenc/io/error.hpp"
#include "brainenc/models/mlp.hpp"
#include "brainenc/models/tensor_convert.hpp"
#include "model_registry.hpp"

namespace brainenc::pipeline {
namespace {

std::vector<int64_t> parse_widths(const std::string& text) {
  std::vector<int64_t> widths;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.find_first_not_of(" ") == std::string::npos) continue;
    try {
      size_t used = 0;
      const long long w = std::stoll(item, &used);
      if (item.find_first_not_of(" ", used) != std::string::npos || w < 1)
        throw std::invalid_argument(item);
      widths.push_back(w);
    } catch (const std::exception&) {
      throw UsageError("--mlp.hidden: '" + text +
                       "' is not a list of positive widths (e.g. 64,32)");
    }
  }
  return widths;
}

class MlpData : public ModelData {
 public:
  MlpData(models::Cohort cohort, const Eigen::MatrixXd& features, const nlohmann::json& options)
      : cohort_(std::move(cohort)),
        features_(models::to_tensor(features)),
        hidden_(options.at("hidden").get<std::vector<int64_t>>()),
        dropout_(options.at("dropout").get<double>()),
        mask_ratio_(options.at("mask_ratio").get<double>()) {
    std::vector<float> labels;
    for (const auto& s : cohort_.subjects) labels.push_back(static_cast<float>(s.label));
    labels_ = torch::tensor(labels);
    targets_ = torch::tensor(cohort_.targets(), torch::kFloat64);
  }

  const models::Cohort& cohort() const override { return cohort_; }

  std::unique_ptr<models::TrainingTask> classification_task(
      const std::vector<int64_t>& train) override {
    models::Mlp model(models::MlpOptions(features_.size(1), 1).hidden(hidden_).dropout(dropout_));
    model->fit_standardization(models::gather_rows(features_, train, torch::kCPU));
    return std::make_unique<models::MlpClassificationTask>(model, features_, labels_);
  }

  std::unique_ptr<models::TrainingTask> regression_task(
      const std::vector<int64_t>& train) override {
    models::Mlp model(models::MlpOptions(features_.size(1), 1).hidden(hidden_).dropout(dropout_));
    model->fit_standardization(models::gather_rows(features_, train, torch::kCPU));
    return std::make_unique<models::MlpRegressionTask>(model, features_, targets_, train);
  }

  std::unique_ptr<models::TrainingTask> pretraining_task(
      const std::vector<int64_t>& train) override {
    models::Mlp model(
        models::MlpOptions(features_.size(1), features_.size(1)).hidden(hidden_).dropout(dropout_));
    model->fit_standardization(models::gather_rows(features_, train, torch::kCPU));
    return std::make_unique<models::MlpReconstructionTask>(model, features_, mask_ratio_);
  }

  // The hidden layers and the input standardisation they were trained with; not the head.
  std::vector<std::string> pretrained_prefixes() const override { return {"encoder.", "input_"}; }

 private:
  models::Cohort cohort_;
  torch::Tensor features_, labels_, targets_;
  std::vector<int64_t> hidden_;
  double dropout_, mask_ratio_;
};

std::unique_ptr<ModelData> open_mlp(const DataOptions& d, const nlohmann::json& options,
                                    bool need_labels) {
  if (d.features.empty()) throw UsageError("--features is required for --model mlp");
  const models::FeatureTable table = models::read_feature_table(d.features);
  models::Cohort cohort;
  Eigen::MatrixXd x;
  if (!d.labels.empty()) {
    models::CohortOptions co;
    co.phenotype = d.labels;
    co.id_column = d.id_column;
    set_outcome(co, d, need_labels);
    co.site_column = d.site_column;
    co.age_column = "";
    co.sex_column = "";
    cohort = models::load_phenotype(co);
    x = models::match_features(cohort, table, d.feature_id_pattern);
  } else {
    if (need_labels)
      throw UsageError(std::string("--labels is required (a phenotype table with ") +
                       (d.target.empty() ? "--label-column)" : "the --target column)"));
    for (const auto& id : table.ids) {
      models::Subject s;
      s.id = id;
      cohort.subjects.push_back(s);
    }
    x = table.values;
  }
  if (!x.allFinite()) throw DataError(d.features, "contains missing or infinite values");
  return std::make_unique<MlpData>(std::move(cohort), x, options);
}

}  // namespace

ModelAdapter mlp_adapter() {
  ModelAdapter a;
  a.name = "mlp";
  a.summary = "multilayer perceptron on a feature table (--features)";
  a.declare = [](po::options_description& o) {
    o.add_options()("mlp.hidden", po::value<std::string>()->default_value("64"),
                    "hidden layer widths, comma-separated ('' = a linear model)")(
        "mlp.dropout", po::value<double>()->default_value(0.1, "0.1"),
        "dropout after each hidden layer")(
        "mlp.mask-ratio", po::value<double>()->default_value(0.8, "0.8"),
        "pretrain: each sample hides a fraction ~ U(0, mask-ratio) of its features to reconstruct");
  };
  a.options_json = [](const po::variables_map& vm) {
    const double dropout = vm["mlp.dropout"].as<double>();
    if (!(dropout >= 0.0 && dropout < 1.0)) throw UsageError("--mlp.dropout must be in [0, 1)");
    const double mask_ratio = vm["mlp.mask-ratio"].as<double>();
    if (!(mask_ratio > 0.0 && mask_ratio <= 1.0))
      throw UsageError("--mlp.mask-ratio must be in (0, 1]");
    return nlohmann::json{{"hidden", parse_widths(vm["mlp.hidden"].as<std::string>())},
                          {"dropout", dropout},
                          {"mask_ratio", mask_ratio}};
  };
  a.open = open_mlp;
  return a;
}

}  // namespace brainenc::pipeline
