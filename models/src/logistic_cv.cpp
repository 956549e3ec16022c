// Standardisation and the choice of C by stratified inner cross-validation on AUROC.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "brainenc/io/error.hpp"
#include "brainenc/models/logistic_regression.hpp"
#include "brainenc/models/metrics.hpp"
#include "brainenc/models/splits.hpp"

namespace brainenc::models {
namespace {

Eigen::MatrixXd rows_of(const Eigen::MatrixXd& X, const std::vector<Eigen::Index>& rows) {
  return X(rows, Eigen::all);
}

Eigen::VectorXi rows_of(const Eigen::VectorXi& y, const std::vector<Eigen::Index>& rows) {
  return y(rows);
}

}  // namespace

void StandardScaler::fit(const Eigen::MatrixXd& X) {
  if (X.rows() == 0) throw DataError("StandardScaler: no subjects");
  const double n = double(X.rows()), eps = std::numeric_limits<double>::epsilon();
  mean_ = X.colwise().mean();
  const Eigen::RowVectorXd var = (X.rowwise() - mean_).array().square().colwise().sum() / n;
  scale_ = var.cwiseSqrt();
  // sklearn _is_constant_feature: var <= n eps var + (n mean eps)^2 (the rounding bound of the
  // two-pass variance) marks a constant feature, whose scale stays 1.
  for (Eigen::Index j = 0; j < X.cols(); ++j)
    if (var(j) <= n * eps * var(j) + std::pow(n * mean_(j) * eps, 2)) scale_(j) = 1.0;
}

Eigen::MatrixXd StandardScaler::transform(const Eigen::MatrixXd& X) const {
  if (X.cols() != mean_.size())
    throw DataError("StandardScaler was fitted on " + std::to_string(mean_.size()) +
                    " features, got " + std::to_string(X.cols()));
  return (X.rowwise() - mean_).array().rowwise() / scale_.array();
}

Eigen::MatrixXd StandardScaler::fit_transform(const Eigen::MatrixXd& X) {
  fit(X);
  return transform(X);
}

std::vector<double> logspace(double lo, double hi, int n) {
  std::vector<double> out;
  for (int i = 0; i < n; ++i)
    out.push_back(std::pow(10.0, n == 1 ? lo : lo + (hi - lo) * i / (n - 1)));
  return out;
}

Eigen::VectorXd LogisticModel::decision_function(const Eigen::MatrixXd& X) const {
  return model.decision_function(standardize ? scaler.transform(X) : X);
}

Eigen::VectorXd LogisticModel::predict_proba(const Eigen::MatrixXd& X) const {
  return model.predict_proba(standardize ? scaler.transform(X) : X);
}

LogisticCvResult fit_logistic_cv(const Eigen::MatrixXd& X, const Eigen::VectorXi& y,
                                 const LogisticCvOptions& o) {
  if (o.Cs.empty()) throw UsageError("the grid of C values is empty");
  LogisticCvResult result;
  std::vector<double> Cs = o.Cs;
  std::sort(Cs.begin(), Cs.end());

  SplitInput input;
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    input.ids.push_back(std::to_string(i));
    input.labels.push_back(y(i));
    input.sites.emplace_back();
  }
  KFoldOptions kfold;
  kfold.folds = o.folds;
  kfold.val = 0.0;
  kfold.by_site = false;
  kfold.seed = o.seed;
  const SplitSet folds = stratified_kfold(input, kfold);

  for (const Split& fold : folds.splits) {
    Eigen::MatrixXd train = rows_of(X, fold.train), test = rows_of(X, fold.test);
    if (o.standardize) {
      StandardScaler scaler;
      train = scaler.fit_transform(train);
      test = scaler.transform(test);
    }
    const Eigen::VectorXi y_test = rows_of(y, fold.test);
    const auto models = logistic_regression_path(train, rows_of(y, fold.train), Cs, o.solver);
    std::vector<double> auroc;
    const Eigen::Index pos = y_test.sum();
    for (const auto& m : models)
      auroc.push_back(pos > 0 && pos < y_test.size() ? roc_auc(m.decision_function(test), y_test)
                                                     : std::numeric_limits<double>::quiet_NaN());
    result.fold_auroc.push_back(std::move(auroc));
  }
  size_t best = 0;
  for (size_t c = 0; c < Cs.size(); ++c) {
    std::vector<double> column;
    for (const auto& f : result.fold_auroc) column.push_back(f[c]);
    result.mean_auroc.push_back(mean_sd(column).mean);
    if (result.mean_auroc[c] > result.mean_auroc[best] ||
        (std::isnan(result.mean_auroc[best]) && c > best))
      best = c;
  }
  if (std::isnan(result.mean_auroc[best]))
    throw DataError("inner cross-validation: no fold has both classes in its test part");
  result.best_C = Cs[best];
  result.Cs = Cs;

  result.model.standardize = o.standardize;
  LogisticRegressionOptions solver = o.solver;
  solver.C = result.best_C;
  result.model.model = LogisticRegression(solver);
  result.model.model.fit(o.standardize ? result.model.scaler.fit_transform(X) : X, y);
  return result;
}

}  // namespace brainenc::models
