#include "brainenc/models/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "brainenc/io/error.hpp"

using namespace brainenc::models;

namespace {
Eigen::VectorXd vec(std::initializer_list<double> v) {
  Eigen::VectorXd out(static_cast<Eigen::Index>(v.size()));
  Eigen::Index i = 0;
  for (double x : v) out(i++) = x;
  return out;
}
Eigen::VectorXi ivec(std::initializer_list<int> v) {
  Eigen::VectorXi out(static_cast<Eigen::Index>(v.size()));
  Eigen::Index i = 0;
  for (int x : v) out(i++) = x;
  return out;
}
}  // namespace

TEST(Metrics, AurocByHand) {
  // Ascending: 0.1 (rank 1), 0.35 (2), 0.4 (3), 0.8 (4). Positives' ranks 2 + 4 = 6,
  // U = 6 - 2*3/2 = 3, AUROC = 3 / (2*2) = 0.75 (also sklearn's roc_auc_score doc example).
  EXPECT_DOUBLE_EQ(roc_auc(vec({0.1, 0.4, 0.35, 0.8}), ivec({0, 0, 1, 1})), 0.75);
  // Ties: 0.2 (rank 1), three 0.5 share ranks 2, 3, 4 -> 3 each. Positives 3 + 3 = 6,
  // U = 6 - 3 = 3, AUROC = 3/4: the tied positive-negative pairs count 1/2.
  EXPECT_DOUBLE_EQ(roc_auc(vec({0.5, 0.5, 0.5, 0.2}), ivec({1, 0, 1, 0})), 0.75);
  // Perfect and reversed ranking.
  EXPECT_DOUBLE_EQ(roc_auc(vec({0.1, 0.2, 0.8, 0.9}), ivec({0, 0, 1, 1})), 1.0);
  EXPECT_DOUBLE_EQ(roc_auc(vec({0.9, 0.8, 0.2, 0.1}), ivec({0, 0, 1, 1})), 0.0);
}

TEST(Metrics, ThresholdedByHand) {
  // threshold 0.5, predicted positive when score > 0.5: only 0.8.
  // tp = 1 (0.8), fn = 1 (0.35), tn = 2 (0.1, 0.4), fp = 0.
  const BinaryMetrics m = binary_metrics(vec({0.1, 0.4, 0.35, 0.8}), ivec({0, 0, 1, 1}));
  EXPECT_EQ(m.tp, 1);
  EXPECT_EQ(m.fn, 1);
  EXPECT_EQ(m.tn, 2);
  EXPECT_EQ(m.fp, 0);
  EXPECT_DOUBLE_EQ(m.accuracy, 0.75);           // 3 / 4
  EXPECT_DOUBLE_EQ(m.sensitivity, 0.5);         // 1 / 2
  EXPECT_DOUBLE_EQ(m.specificity, 1.0);         // 2 / 2
  EXPECT_DOUBLE_EQ(m.balanced_accuracy, 0.75);  // (0.5 + 1) / 2
  EXPECT_DOUBLE_EQ(m.f1, 2.0 / 3.0);            // 2*1 / (2*1 + 0 + 1)
  EXPECT_DOUBLE_EQ(m.auroc, 0.75);
  // A score equal to the threshold is negative (sklearn predict: decision_function > 0).
  EXPECT_EQ(binary_metrics(vec({0.5, 0.2}), ivec({1, 0})).tp, 0);
  // Lower threshold: 0.35 and 0.4 become positive: tp 2, fp 1, tn 1, fn 0.
  const BinaryMetrics low = binary_metrics(vec({0.1, 0.4, 0.35, 0.8}), ivec({0, 0, 1, 1}), 0.3);
  EXPECT_DOUBLE_EQ(low.f1, 0.8);  // 4 / (4 + 1 + 0)
}

// Reference: /usr/bin/python3, scikit-learn 1.2.1, on s = [(i*37 % 17)/16 for i in range(30)],
// l = [1 if (i*11 % 7) < 3 else 0 for i in range(30)], pred = s > 0.5:
//   roc_auc_score(l, s) = 0.5588235294117647, accuracy_score 0.5,
//   balanced_accuracy_score 0.49547511312217196, recall_score 0.46153846153846156,
//   recall_score(1 - l, 1 - pred) 0.5294117647058824, f1_score 0.4444444444444445.
TEST(Metrics, MatchSklearnWithTies) {
  Eigen::VectorXd s(30);
  Eigen::VectorXi l(30);
  for (int i = 0; i < 30; ++i) {
    s(i) = (i * 37 % 17) / 16.0;
    l(i) = (i * 11 % 7) < 3 ? 1 : 0;
  }
  const BinaryMetrics m = binary_metrics(s, l);
  EXPECT_EQ(m.positives, 13);
  EXPECT_NEAR(m.auroc, 0.5588235294117647, 1e-15);
  EXPECT_NEAR(m.accuracy, 0.5, 1e-15);
  EXPECT_NEAR(m.balanced_accuracy, 0.49547511312217196, 1e-15);
  EXPECT_NEAR(m.sensitivity, 0.46153846153846156, 1e-15);
  EXPECT_NEAR(m.specificity, 0.5294117647058824, 1e-15);
  EXPECT_NEAR(m.f1, 0.4444444444444445, 1e-15);
}

TEST(Metrics, PooledNotAveragedOverBatches) {
  // Batch 1 (0.9 pos, 0.1 neg) has AUROC 1, batch 2 (0.2 pos, 0.3 neg) AUROC 0: their mean is
  // 0.5. Pooled: pairs (0.9,0.1) (0.9,0.3) (0.2,0.1) win, (0.2,0.3) loses -> 3/4.
  PredictionPool pool;
  pool.add(vec({0.9, 0.1}), ivec({1, 0}));
  pool.add(vec({0.2, 0.3}), ivec({1, 0}));
  EXPECT_EQ(pool.size(), 4);
  EXPECT_DOUBLE_EQ(pool.binary().auroc, 0.75);
}

TEST(Metrics, UndefinedCases) {
  EXPECT_THROW(roc_auc(vec({0.1, 0.2}), ivec({1, 1})), brainenc::DataError);
  EXPECT_THROW(roc_auc(vec({0.1, 0.2}), ivec({1, 2})), brainenc::DataError);
  EXPECT_THROW(roc_auc(vec({0.1}), ivec({1, 0})), brainenc::DataError);
  const BinaryMetrics m = binary_metrics(vec({0.7, 0.2}), ivec({1, 1}));
  EXPECT_TRUE(std::isnan(m.auroc));
  EXPECT_TRUE(std::isnan(m.specificity));
  EXPECT_DOUBLE_EQ(m.sensitivity, 0.5);
  // No positive predicted and none present: f1 = 0/0 -> 0, as sklearn's zero_division.
  EXPECT_EQ(binary_metrics(vec({0.1}), ivec({0})).f1, 0.0);
}

TEST(Metrics, MeanSdIsSampleSd) {
  // mean 0.8; sd = sqrt((0.1^2 + 0 + 0.1^2) / (3 - 1)) = 0.1.
  const MeanSd a = mean_sd({0.7, 0.8, 0.9});
  EXPECT_NEAR(a.mean, 0.8, 1e-15);
  EXPECT_NEAR(a.sd, 0.1, 1e-15);
  EXPECT_EQ(a.n, 3);
  // NaN (a fold without both classes) is left out: sqrt((0.01 + 0.01) / 1).
  const MeanSd b = mean_sd({0.7, std::nan(""), 0.9});
  EXPECT_EQ(b.n, 2);
  EXPECT_NEAR(b.sd, std::sqrt(0.02), 1e-15);
  EXPECT_TRUE(std::isnan(mean_sd({0.5}).sd));
  EXPECT_EQ(format_mean_sd(a), "0.800 +- 0.100");
  const auto summary = summarize({binary_metrics(vec({0.1, 0.9}), ivec({0, 1})),
                                  binary_metrics(vec({0.9, 0.1}), ivec({0, 1}))});
  EXPECT_DOUBLE_EQ(summary.at("auroc").mean, 0.5);             // (1 + 0) / 2
  EXPECT_NEAR(summary.at("auroc").sd, std::sqrt(0.5), 1e-15);  // sqrt((0.25 + 0.25) / 1)
}

TEST(Metrics, RegressionByHand) {
  // |errors| 0, 1, 1, 1 -> MAE 0.75. Deviations: pred -1.5 -0.5 0.5 1.5 (ss 5),
  // target -1.75 0.25 -0.75 2.25 (ss 8.75), cross sum 2.625 - 0.125 - 0.375 + 3.375 = 5.5:
  // r = 5.5 / sqrt(5 * 8.75) = 0.8315218406202999.
  const RegressionMetrics m = regression_metrics(vec({1, 2, 3, 4}), vec({1, 3, 2, 5}));
  EXPECT_DOUBLE_EQ(m.mae, 0.75);
  EXPECT_NEAR(m.pearson_r, 0.8315218406202999, 1e-15);
  EXPECT_TRUE(std::isnan(regression_metrics(vec({1, 1}), vec({1, 2})).pearson_r));
  EXPECT_THROW(regression_metrics(vec({1}), vec({1, 2})), brainenc::DataError);
}
