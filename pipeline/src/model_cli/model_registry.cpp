#include "model_registry.hpp"

#include "brainenc/io/error.hpp"
#include "brainenc/io/table.hpp"

namespace brainenc::pipeline {

std::unique_ptr<models::TrainingTask> ModelData::regression_task(const std::vector<int64_t>&) {
  throw UsageError("--task regression: this model has no regression head");
}

DataOptions data_options_from_json(const nlohmann::json& j) {
  DataOptions d;
  d.features = j.value("features", "");
  d.labels = j.value("labels", "");
  d.id_column = j.value("id_column", "");
  d.label_column = j.value("label_column", "");
  d.positive_label = j.value("positive_label", "");
  d.target = j.value("target", "");
  d.site_column = j.value("site_column", "");
  d.feature_id_pattern = j.value("feature_id_pattern", "{id}");
  d.series_dir = j.value("series_dir", "");
  d.series_pattern = j.value("series_pattern", models::CohortOptions{}.file_pattern);
  const std::string tr = j.value("tr", "");
  if (!tr.empty()) {
    try {
      d.tr = std::stod(tr);
    } catch (const std::exception&) {
      d.tr = -1;
    }
    if (!(d.tr > 0)) throw UsageError("--tr: '" + tr + "' is not a repetition time > 0 (s)");
  }
  d.site_tr = j.value("site_tr", "");
  return d;
}

nlohmann::json to_json(const DataOptions& d) {
  return {{"features", d.features},
          {"labels", d.labels},
          {"id_column", d.id_column},
          {"label_column", d.label_column},
          {"positive_label", d.positive_label},
          {"target", d.target},
          {"site_column", d.site_column},
          {"feature_id_pattern", d.feature_id_pattern},
          {"series_dir", d.series_dir},
          {"series_pattern", d.series_pattern},
          {"tr", d.tr > 0 ? io::format_number(d.tr) : std::string()},
          {"site_tr", d.site_tr}};
}

void set_outcome(models::CohortOptions& co, const DataOptions& d, bool required) {
  co.target_column = d.target;
  co.require_target = required && !d.target.empty();
  co.label_column = d.target.empty() ? d.label_column : "";
  co.positive_label = d.positive_label;
  co.require_label = required && d.target.empty();
}

const std::vector<ModelAdapter>& model_adapters() {
  // A model plugs in with an adapter (a ModelData over its inputs, with its tasks) written in
  // src/model_cli/<name>_adapter.cpp and listed here.
  static const std::vector<ModelAdapter> all = {mlp_adapter(), logistic_adapter(),
                                                fc_transformer_adapter(), brainmae_adapter()};
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
