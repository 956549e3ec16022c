#include "workflow_support.hpp"

#include <cmath>
#include <filesystem>
#include <limits>
#include <numeric>

#include "brainenc/io/error.hpp"
#include "brainenc/io/table.hpp"

namespace brainenc::pipeline {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::vector<std::string> kRunKeys = {
    "command", "model", "model_options", "data", "split", "task", "val_metric", "init", "ensemble"};

}  // namespace

json run_identity(const json& cfg, const std::string& command) {
  json run = {{"command", command}};
  for (const auto& k : kRunKeys)
    if (k != "command" && cfg.contains(k)) run[k] = cfg[k];
  return run;
}

void report_problems(const models::Cohort& cohort, const Reporter& say) {
  if (cohort.problems.empty()) return;
  std::string line = "  left out " + std::to_string(cohort.problems.size()) + " subject(s):";
  for (size_t i = 0; i < cohort.problems.size() && i < 5; ++i)
    line += (i ? "; " : " ") + cohort.problems[i].subject + " (" + cohort.problems[i].reason + ")";
  if (cohort.problems.size() > 5) line += "; ...";
  say(line);
}

void check_out_dir(const std::string& dir, const std::vector<std::string>& outputs, bool force,
                   bool resume, bool resumable) {
  if (force || resume) return;
  for (const auto& name : outputs) {
    std::error_code ec;
    if (fs::exists(fs::path(dir) / name, ec))
      throw UsageError("--out-dir " + dir + " already holds " + name +
                       " (use --force to overwrite" +
                       (resumable ? ", --resume to continue)" : ")"));
  }
}

std::vector<int64_t> to_samples(const std::vector<Eigen::Index>& indices) {
  return std::vector<int64_t>(indices.begin(), indices.end());
}

std::vector<int64_t> all_samples(Eigen::Index n) {
  std::vector<int64_t> all(static_cast<size_t>(n));
  std::iota(all.begin(), all.end(), 0);
  return all;
}

json ids_json(const std::vector<Eigen::Index>& indices, const std::vector<std::string>& ids) {
  json out = json::array();
  for (auto i : indices) out.push_back(ids[size_t(i)]);
  return out;
}

models::SplitSet make_splits(const json& s, const models::Cohort& cohort,
                             const std::string& site_column) {
  const std::string file = s.value("splits_file", "");
  if (!file.empty()) return models::reindex_splits(models::load_splits(file), cohort.ids());
  const models::SplitInput input = models::split_input(cohort);
  const bool by_site = s.at("by_site").get<bool>() && !site_column.empty();
  const std::string protocol = s.at("protocol").get<std::string>();
  const auto seed = s.at("seed").get<uint64_t>();
  if (protocol == "stratified_shuffle") {
    models::ShuffleSplitOptions o;
    o.repeats = s.at("repeats").get<int>();
    o.val = s.at("val").get<double>();
    o.test = s.at("test").get<double>();
    o.by_site = by_site;
    o.seed = seed;
    return models::stratified_shuffle_splits(input, o);
  }
  if (protocol == "stratified_kfold") {
    models::KFoldOptions o;
    o.folds = s.at("folds").get<int>();
    o.repeats = s.at("repeats").get<int>();
    o.val = s.at("val").get<double>();
    o.by_site = by_site;
    o.seed = seed;
    return models::stratified_kfold(input, o);
  }
  if (protocol == "leave_one_site_out") {
    if (site_column.empty()) throw UsageError("--protocol leave_one_site_out needs --site-column");
    models::LeaveOneSiteOutOptions o;
    o.val = s.at("val").get<double>();
    o.seed = seed;
    return models::leave_one_site_out(input, o);
  }
  throw UsageError("--protocol: '" + protocol +
                   "' is not stratified_shuffle, stratified_kfold or leave_one_site_out");
}

std::vector<std::string> parts_of(size_t n, const models::Split& split) {
  std::vector<std::string> part(n, "none");
  for (auto i : split.train) part[size_t(i)] = "train";
  for (auto i : split.val) part[size_t(i)] = "val";
  for (auto i : split.test) part[size_t(i)] = "test";
  return part;
}

std::string split_dir(const std::string& out_dir, size_t k) {
  return (fs::path(out_dir) / ("split-" + std::to_string(k))).string();
}

Outcome::Outcome(const std::string& task, const models::Cohort& cohort)
    : task_(task),
      regression_(task == "regression"),
      labels_(cohort.labels()),
      targets_(cohort.targets()) {
  if (task != "classification" && task != "regression")
    throw UsageError("task '" + task + "' is not classification or regression");
}

json Outcome::metrics_json(const std::vector<double>& scores,
                           const std::vector<int64_t>& samples) const {
  std::vector<double> s;
  for (auto i : samples) s.push_back(scores[size_t(i)]);
  return metrics_of(s, samples);
}

json Outcome::metrics_of(const std::vector<double>& sample_scores,
                         const std::vector<int64_t>& samples) const {
  std::vector<double> s, y;
  std::vector<int> l;
  for (size_t k = 0; k < samples.size(); ++k) {
    const auto i = size_t(samples[k]);
    if (regression_ ? !std::isfinite(targets_[i]) : labels_[i] != 0 && labels_[i] != 1) continue;
    s.push_back(sample_scores[k]);
    if (regression_)
      y.push_back(targets_[i]);
    else
      l.push_back(labels_[i]);
  }
  if (s.empty()) return nullptr;
  const Eigen::Map<const Eigen::VectorXd> scores(s.data(), Eigen::Index(s.size()));
  if (regression_) {
    const models::RegressionMetrics m = models::regression_metrics(
        scores, Eigen::Map<const Eigen::VectorXd>(y.data(), scores.size()));
    json j = {{"n", m.n}};
    for (const auto& [name, value] : models::to_map(m)) j[name] = value;  // NaN -> null
    return j;
  }
  const models::BinaryMetrics m =
      models::binary_metrics(scores, Eigen::Map<const Eigen::VectorXi>(l.data(), scores.size()));
  json j = {{"n", m.n},  {"positives", m.positives}, {"tp", m.tp}, {"fp", m.fp}, {"tn", m.tn},
            {"fn", m.fn}};
  for (const auto& [name, value] : models::to_map(m)) j[name] = value;  // NaN -> null
  return j;
}

namespace {

double number_or_nan(const json& metrics, const std::string& name) {
  return metrics.is_object() && metrics.contains(name) && metrics[name].is_number()
             ? metrics[name].get<double>()
             : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

double Outcome::metric(const std::string& name, const std::vector<double>& sample_scores,
                       const std::vector<int64_t>& samples) const {
  return number_or_nan(metrics_of(sample_scores, samples), name);
}

std::map<std::string, models::MeanSd> Outcome::summarize(const std::vector<json>& per_split) const {
  const auto names = regression_ ? models::to_map(models::RegressionMetrics{})
                                 : models::to_map(models::BinaryMetrics{});
  std::map<std::string, models::MeanSd> out;
  for (const auto& [name, unused] : names) {
    std::vector<double> values;
    for (const auto& m : per_split) values.push_back(number_or_nan(m, name));
    out[name] = models::mean_sd(values);
  }
  return out;
}

json summary_json(const std::map<std::string, models::MeanSd>& summary) {
  json out = json::object();
  for (const auto& [name, ms] : summary)
    out[name] = {{"mean", ms.mean}, {"sd", ms.sd}, {"n", ms.n}};
  return out;
}

std::vector<std::string> Outcome::headline() const {
  return regression_ ? std::vector<std::string>{"mae", "pearson_r"}
                     : std::vector<std::string>{"auroc", "accuracy"};
}

std::string Outcome::describe(const json& metrics) const {
  std::string out;
  for (const auto& name : headline())
    out += (out.empty() ? "" : ", ") + name + " " + io::format_number(number_or_nan(metrics, name));
  return out;
}

std::string Outcome::predictions_tsv(const std::vector<std::string>& ids,
                                     const std::vector<std::string>& parts,
                                     const std::vector<double>& scores) const {
  std::string out =
      regression_ ? "subject\tsplit\tprediction\ttarget\n" : "subject\tsplit\tscore\tlabel\n";
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::string known = regression_ ? io::format_number(targets_[i])  // n/a when NaN
                              : labels_[i] == 0 || labels_[i] == 1 ? std::to_string(labels_[i])
                                                                   : "n/a";
    out += ids[i] + "\t" + parts[i] + "\t" + io::format_number(scores[i]) + "\t" + known + "\n";
  }
  return out;
}

}  // namespace brainenc::pipeline
