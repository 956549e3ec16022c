// Evaluation metrics, computed per subject on pooled predictions (never averaged over batches),
// and mean +- sd over folds and repeats.
//
// Binary labels are 1 (positive) / 0 (negative); scores are any monotone confidence of the
// positive class (probabilities for the thresholded metrics).
#pragma once

#include <Eigen/Core>

#include <map>
#include <string>
#include <vector>

namespace brainenc::models {

// Area under the ROC curve: the Mann-Whitney U statistic / (n_pos n_neg), ties counted 1/2
// through average ranks; equals sklearn.metrics.roc_auc_score. DataError when one class is
// absent (AUROC is undefined, sklearn raises too) or a label is not 0 / 1.
double roc_auc(const Eigen::VectorXd& scores, const Eigen::VectorXi& labels);

struct BinaryMetrics {
  Eigen::Index n = 0, positives = 0;
  Eigen::Index tp = 0, fp = 0, tn = 0, fn = 0;
  double auroc = 0;  // NaN when one class is absent
  double accuracy = 0;
  double balanced_accuracy = 0;  // (sensitivity + specificity) / 2
  double sensitivity = 0;        // recall, tp / (tp + fn); NaN without positives
  double specificity = 0;        // tn / (tn + fp); NaN without negatives
  double f1 = 0;                 // 2tp / (2tp + fp + fn); 0 when that is 0/0 (sklearn)
};

// A subject is predicted positive when score > threshold, as sklearn's predict()
// (decision_function > 0, i.e. probability > 0.5). DataError on a size mismatch.
BinaryMetrics binary_metrics(const Eigen::VectorXd& scores, const Eigen::VectorXi& labels,
                             double threshold = 0.5);

// Name -> value: auroc, accuracy, balanced_accuracy, sensitivity, specificity, f1.
std::map<std::string, double> to_map(const BinaryMetrics& m);

// Collects per-subject predictions batch by batch; metrics are computed once on the pool.
class PredictionPool {
 public:
  void add(const Eigen::VectorXd& scores, const Eigen::VectorXi& labels);
  void add(double score, int label);
  Eigen::Index size() const { return static_cast<Eigen::Index>(scores_.size()); }
  Eigen::VectorXd scores() const;
  Eigen::VectorXi labels() const;
  BinaryMetrics binary(double threshold = 0.5) const;

 private:
  std::vector<double> scores_;
  std::vector<int> labels_;
};

struct RegressionMetrics {
  Eigen::Index n = 0;
  double mae = 0;
  double pearson_r = 0;  // NaN when either side is constant
};
RegressionMetrics regression_metrics(const Eigen::VectorXd& predicted,
                                     const Eigen::VectorXd& target);
// Name -> value: mae, pearson_r.
std::map<std::string, double> to_map(const RegressionMetrics& m);

struct MeanSd {
  double mean = 0;
  double sd = 0;  // sample sd (ddof 1); NaN for one value
  Eigen::Index n = 0;
};
// NaN values are left out (e.g. AUROC of a fold with one class).
MeanSd mean_sd(const std::vector<double>& values);
// Per metric name, mean +- sd over the folds / repeats.
std::map<std::string, MeanSd> summarize(const std::vector<BinaryMetrics>& folds);
// "0.742 +- 0.015"
std::string format_mean_sd(const MeanSd& m, int decimals = 3);

}  // namespace brainenc::models
