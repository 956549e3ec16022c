#include "workflow_support.hpp"

#include <filesystem>
#include <numeric>

#include "brainenc/io/error.hpp"
#include "brainenc/io/table.hpp"

namespace brainenc::pipeline {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::vector<std::string> kRunKeys = {"command", "model",      "model_options", "data",
                                           "split",   "val_metric", "init"};

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

json binary_metrics_json(const std::vector<double>& scores, const std::vector<int>& labels,
                         const std::vector<int64_t>& samples, models::BinaryMetrics* out) {
  std::vector<double> s;
  std::vector<int> l;
  for (auto i : samples)
    if (labels[size_t(i)] == 0 || labels[size_t(i)] == 1) {
      s.push_back(scores[size_t(i)]);
      l.push_back(labels[size_t(i)]);
    }
  if (s.empty()) return nullptr;
  const models::BinaryMetrics m =
      models::binary_metrics(Eigen::Map<const Eigen::VectorXd>(s.data(), Eigen::Index(s.size())),
                             Eigen::Map<const Eigen::VectorXi>(l.data(), Eigen::Index(l.size())));
  if (out != nullptr) *out = m;
  json j = {{"n", m.n},  {"positives", m.positives}, {"tp", m.tp}, {"fp", m.fp}, {"tn", m.tn},
            {"fn", m.fn}};
  for (const auto& [name, value] : models::to_map(m)) j[name] = value;  // NaN -> null
  return j;
}

std::string predictions_tsv(const std::vector<std::string>& ids,
                            const std::vector<std::string>& parts,
                            const std::vector<double>& scores, const std::vector<int>& labels) {
  std::string out = "subject\tsplit\tscore\tlabel\n";
  for (size_t i = 0; i < ids.size(); ++i)
    out += ids[i] + "\t" + parts[i] + "\t" + io::format_number(scores[i]) + "\t" +
           (labels[i] == 0 || labels[i] == 1 ? std::to_string(labels[i]) : std::string("n/a")) +
           "\n";
  return out;
}

std::string split_dir(const std::string& out_dir, size_t k) {
  return (fs::path(out_dir) / ("split-" + std::to_string(k))).string();
}

json summary_json(const std::vector<models::BinaryMetrics>& test) {
  json out = json::object();
  for (const auto& [name, ms] : models::summarize(test))
    out[name] = {{"mean", ms.mean}, {"sd", ms.sd}, {"n", ms.n}};
  return out;
}

}  // namespace brainenc::pipeline
