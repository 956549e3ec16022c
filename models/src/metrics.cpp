// Binary and regression metrics on pooled per-subject predictions.
#include "brainenc/models/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

#include "brainenc/io/error.hpp"

namespace brainenc::models {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_sizes(Eigen::Index a, Eigen::Index b, const std::string& what) {
  if (a != b)
    throw DataError(what + ": " + std::to_string(a) + " predictions for " + std::to_string(b) +
                    " targets");
}

void check_binary(const Eigen::VectorXi& labels) {
  for (Eigen::Index i = 0; i < labels.size(); ++i)
    if (labels(i) != 0 && labels(i) != 1)
      throw DataError("label " + std::to_string(labels(i)) + " at position " + std::to_string(i) +
                      " is not 0 or 1");
}

}  // namespace

double roc_auc(const Eigen::VectorXd& scores, const Eigen::VectorXi& labels) {
  check_sizes(scores.size(), labels.size(), "roc_auc");
  check_binary(labels);
  if (!scores.allFinite()) throw DataError("roc_auc: scores contain NaN or infinite values");
  const Eigen::Index n = scores.size(), n_pos = labels.sum(), n_neg = n - n_pos;
  if (n_pos == 0 || n_neg == 0)
    throw DataError("roc_auc: only one class present (" + std::to_string(n_pos) + " positive, " +
                    std::to_string(n_neg) + " negative); AUROC is undefined");
  // Mann-Whitney: U = (sum of the positives' ranks) - n_pos (n_pos + 1) / 2, tied scores sharing
  // the average of their ranks; AUROC = U / (n_pos n_neg).
  std::vector<Eigen::Index> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](Eigen::Index a, Eigen::Index b) { return scores(a) < scores(b); });
  double rank_sum = 0;
  for (Eigen::Index i = 0; i < n;) {
    Eigen::Index j = i;
    while (j + 1 < n && scores(order[size_t(j + 1)]) == scores(order[size_t(i)])) ++j;
    const double average_rank = 0.5 * double(i + j) + 1.0;  // ranks are 1-based
    for (Eigen::Index k = i; k <= j; ++k)
      if (labels(order[size_t(k)]) == 1) rank_sum += average_rank;
    i = j + 1;
  }
  const double u = rank_sum - 0.5 * double(n_pos) * double(n_pos + 1);
  return u / (double(n_pos) * double(n_neg));
}

BinaryMetrics binary_metrics(const Eigen::VectorXd& scores, const Eigen::VectorXi& labels,
                             double threshold) {
  check_sizes(scores.size(), labels.size(), "binary_metrics");
  check_binary(labels);
  BinaryMetrics m;
  m.n = scores.size();
  m.positives = labels.sum();
  for (Eigen::Index i = 0; i < m.n; ++i) {
    const bool predicted = scores(i) > threshold;
    if (labels(i) == 1)
      (predicted ? m.tp : m.fn)++;
    else
      (predicted ? m.fp : m.tn)++;
  }
  m.auroc = m.positives > 0 && m.positives < m.n ? roc_auc(scores, labels) : kNaN;
  m.accuracy = m.n > 0 ? double(m.tp + m.tn) / double(m.n) : kNaN;
  m.sensitivity = m.tp + m.fn > 0 ? double(m.tp) / double(m.tp + m.fn) : kNaN;
  m.specificity = m.tn + m.fp > 0 ? double(m.tn) / double(m.tn + m.fp) : kNaN;
  m.balanced_accuracy = 0.5 * (m.sensitivity + m.specificity);
  const Eigen::Index f1_den = 2 * m.tp + m.fp + m.fn;
  m.f1 = f1_den > 0 ? double(2 * m.tp) / double(f1_den) : 0.0;
  return m;
}

std::map<std::string, double> to_map(const BinaryMetrics& m) {
  return {{"auroc", m.auroc},
          {"accuracy", m.accuracy},
          {"balanced_accuracy", m.balanced_accuracy},
          {"sensitivity", m.sensitivity},
          {"specificity", m.specificity},
          {"f1", m.f1}};
}

void PredictionPool::add(const Eigen::VectorXd& scores, const Eigen::VectorXi& labels) {
  check_sizes(scores.size(), labels.size(), "PredictionPool::add");
  for (Eigen::Index i = 0; i < scores.size(); ++i) add(scores(i), labels(i));
}

void PredictionPool::add(double score, int label) {
  scores_.push_back(score);
  labels_.push_back(label);
}

Eigen::VectorXd PredictionPool::scores() const {
  return Eigen::Map<const Eigen::VectorXd>(scores_.data(), size());
}

Eigen::VectorXi PredictionPool::labels() const {
  return Eigen::Map<const Eigen::VectorXi>(labels_.data(), size());
}

BinaryMetrics PredictionPool::binary(double threshold) const {
  return binary_metrics(scores(), labels(), threshold);
}

RegressionMetrics regression_metrics(const Eigen::VectorXd& predicted,
                                     const Eigen::VectorXd& target) {
  check_sizes(predicted.size(), target.size(), "regression_metrics");
  RegressionMetrics m;
  m.n = predicted.size();
  if (m.n == 0) return {0, kNaN, kNaN};
  m.mae = (predicted - target).cwiseAbs().mean();
  const Eigen::ArrayXd a = predicted.array() - predicted.mean(), b = target.array() - target.mean();
  const double den = std::sqrt((a * a).sum() * (b * b).sum());
  m.pearson_r = den > 0 ? (a * b).sum() / den : kNaN;
  return m;
}

std::map<std::string, double> to_map(const RegressionMetrics& m) {
  return {{"mae", m.mae}, {"pearson_r", m.pearson_r}};
}

MeanSd mean_sd(const std::vector<double>& values) {
  MeanSd r;
  double sum = 0;
  for (double v : values)
    if (!std::isnan(v)) {
      sum += v;
      ++r.n;
    }
  if (r.n == 0) return {kNaN, kNaN, 0};
  r.mean = sum / double(r.n);
  double ss = 0;
  for (double v : values)
    if (!std::isnan(v)) ss += (v - r.mean) * (v - r.mean);
  r.sd = r.n > 1 ? std::sqrt(ss / double(r.n - 1)) : kNaN;
  return r;
}

std::map<std::string, MeanSd> summarize(const std::vector<BinaryMetrics>& folds) {
  std::map<std::string, std::vector<double>> columns;
  for (const auto& f : folds)
    for (const auto& [name, v] : to_map(f)) columns[name].push_back(v);
  std::map<std::string, MeanSd> out;
  for (const auto& [name, v] : columns) out[name] = mean_sd(v);
  return out;
}

std::string format_mean_sd(const MeanSd& m, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f +- %.*f", decimals, m.mean, decimals, m.sd);
  return buf;
}

}  // namespace brainenc::models
