#include "model_registry.hpp"

#include "brainenc/io/error.hpp"

namespace brainenc::pipeline {
namespace {

// A model that is designed but not yet wired to the commands: listed, refused with the reason.
ModelAdapter planned(std::string name, std::string summary, std::string reason) {
  ModelAdapter a;
  a.name = std::move(name);
  a.summary = std::move(summary);
  a.unavailable = std::move(reason);
  return a;
}

}  // namespace

DataOptions data_options_from_json(const nlohmann::json& j) {
  DataOptions d;
  d.features = j.value("features", "");
  d.labels = j.value("labels", "");
  d.id_column = j.value("id_column", "");
  d.label_column = j.value("label_column", "");
  d.positive_label = j.value("positive_label", "");
  d.site_column = j.value("site_column", "");
  d.feature_id_pattern = j.value("feature_id_pattern", "{id}");
  return d;
}

nlohmann::json to_json(const DataOptions& d) {
  return {{"features", d.features},
          {"labels", d.labels},
          {"id_column", d.id_column},
          {"label_column", d.label_column},
          {"positive_label", d.positive_label},
          {"site_column", d.site_column},
          {"feature_id_pattern", d.feature_id_pattern}};
}

const std::vector<ModelAdapter>& model_adapters() {
  // Extension points: each planned model becomes ready when its adapter (a ModelData over its
  // inputs, with its tasks) is written in src/model_cli/<name>_adapter.cpp and listed here.
  static const std::vector<ModelAdapter> all = {
      mlp_adapter(),
      planned("brainmae",
              "BrainMAE on region time series (masked-autoencoder pretraining, fine-tuning)",
              "its adapter (time series cohort -> segments, BrainMAE classification and "
              "masked-autoencoding "
              "tasks) is not written yet"),
      planned("fc_transformer", "Brain Network Transformer style classifier on FC matrices",
              "its adapter (cohort -> FC matrices, FcTransformer classification task) is not "
              "written yet"),
      planned(
          "logistic", "L2 logistic regression on vectorized FC, C chosen by inner CV",
          "it fits in closed loop (fit_logistic_cv), not through the Trainer: the commands need a "
          "non-gradient fit path for it first"),
  };
  return all;
}

const ModelAdapter& find_model(const std::string& name) {
  std::string names;
  for (const auto& a : model_adapters()) {
    if (a.name == name) {
      if (!a.unavailable.empty())
        throw UsageError("--model " + name + " is not available yet: " + a.unavailable);
      return a;
    }
    names += (names.empty() ? "" : ", ") + a.name + (a.unavailable.empty() ? "" : " (planned)");
  }
  throw UsageError("--model: '" + name + "' is not a model (models: " + names + ")");
}

}  // namespace brainenc::pipeline
