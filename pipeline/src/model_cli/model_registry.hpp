// The models the model commands (pretrain, train, evaluate, predict) can run, keyed by --model.
// The commands are written against this interface only: a model plugs in with an adapter that
// declares its options, reads its data and builds its TrainingTasks (models/trainer.hpp); the
// engine, the splits, the metrics and the outputs are shared.
#pragma once

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "brainenc/models/cohort.hpp"

namespace brainenc::models {
class TrainingTask;
}

namespace brainenc::pipeline {

namespace po = boost::program_options;

// One model over one data set: the subjects in a fixed order (the sample indices of the tasks),
// and the tasks the Trainer runs on them.
class ModelData {
 public:
  virtual ~ModelData() = default;
  // Subjects with labels (1 / 0 / -1 unknown) or, for a regression, targets (NaN unknown),
  // sites and what was left out (problems).
  virtual const models::Cohort& cohort() const = 0;
  // Binary classification; scores are P(positive). Input statistics (standardisation) are fitted
  // on the `train` subjects only.
  virtual std::unique_ptr<models::TrainingTask> classification_task(
      const std::vector<int64_t>& train) = 0;
  // Regression of the cohort's targets (models/regression_task.hpp): a head with one output, MSE
  // on the target standardised with the `train` subjects' mean and sd; scores are predictions in
  // the target's units. UsageError for a model without a regression head.
  virtual std::unique_ptr<models::TrainingTask> regression_task(const std::vector<int64_t>& train);
  // Self-supervised pretraining on the subjects' inputs (no labels). UsageError for a model
  // without one.
  virtual std::unique_ptr<models::TrainingTask> pretraining_task(
      const std::vector<int64_t>& train) = 0;
  // Names (prefixes) of the tensors that fine-tuning takes from a pretrained checkpoint.
  virtual std::vector<std::string> pretrained_prefixes() const = 0;
  // Models fitted in closed form (no gradient steps: logistic regression) return true and set
  // the task's weights from the `fit` subjects; the Trainer is then not run.
  virtual bool fit_closed_form(models::TrainingTask& /*task*/, const std::vector<int64_t>& /*fit*/,
                               uint64_t /*seed*/) {
    return false;
  }
};

// Data options shared by the models, as the commands store them (JSON, in every checkpoint).
struct DataOptions {
  std::string features;   // one row per subject, first column the id
  std::string labels;     // phenotype table (CSV/TSV)
  std::string id_column;  // in `labels`
  std::string label_column;
  std::string positive_label;
  // Regression (--task regression): the numeric column of `labels` to predict; the cohort then
  // holds targets instead of labels (label_column and positive_label are not read).
  std::string target;
  std::string site_column;         // "" = none
  std::string feature_id_pattern;  // feature-table id of a subject: {id} = its id, '*' = any
  // Region time series (brainmae, fc_transformer, logistic): one file per subject.
  std::string series_dir;
  std::string series_pattern;  // {id} = the subject's id, '*' = any characters
  double tr = 0;               // repetition time of every subject (s); 0 = from site_tr
  std::string site_tr;         // "SITE=TR,...", longest matching site prefix wins
};
DataOptions data_options_from_json(const nlohmann::json& j);
nlohmann::json to_json(const DataOptions& d);
// What a cohort reads from the phenotype besides the subjects: the numeric target column when
// d.target is set (regression; the label column is then not read), else the binary label.
// `required`: subjects without one become problems.
void set_outcome(models::CohortOptions& options, const DataOptions& d, bool required);

struct ModelAdapter {
  std::string name;
  std::string summary;
  // Empty when the model runs; otherwise why it cannot yet (shown by --help, UsageError).
  std::string unavailable;
  // Empty when the model has a regression head (ModelData::regression_task); otherwise why not:
  // --task regression is then refused before any data is read.
  std::string no_regression;
  // Fitted in closed form (ModelData::fit_closed_form: no seed changes the fit), so that
  // --ensemble is refused.
  bool closed_form = false;
  // The model's own options, named "<name>.<option>" (a [<name>] section in --config files).
  std::function<void(po::options_description&)> declare;
  // Those options as JSON (stored in checkpoints, given back to `open`).
  std::function<nlohmann::json(const po::variables_map&)> options_json;
  // Reads the data. need_labels: every subject must have a label, or a target when data.target
  // is set (train, evaluate); otherwise (pretrain, predict) subjects without one are kept (label
  // -1, target NaN) and `labels` may be empty.
  std::function<std::unique_ptr<ModelData>(const DataOptions& data,
                                           const nlohmann::json& model_options, bool need_labels)>
      open;
};

// Every --model, the planned ones included (unavailable set).
const std::vector<ModelAdapter>& model_adapters();
// UsageError naming --model and listing the models when unknown or unavailable.
const ModelAdapter& find_model(const std::string& name);

// The adapters (one file each).
ModelAdapter mlp_adapter();
ModelAdapter fc_transformer_adapter();
ModelAdapter brainmae_adapter();
ModelAdapter logistic_adapter();

}  // namespace brainenc::pipeline
