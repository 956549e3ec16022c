// Binary L2 logistic regression with the objective of scikit-learn 1.2.1
// LogisticRegression(penalty='l2', C, fit_intercept=True):
//   minimise  sum_i [log(1 + exp(s_i)) - y_i s_i] + ||w||^2 / (2C),   s = X w + b,
// the intercept b not penalised (sklearn/linear_model/_logistic.py, LinearModelLoss with
// l2_reg_strength = 1 / C). Solved by damped Newton (Cholesky, Armijo backtracking) to a tight
// gradient tolerance, so the coefficients are the optimum itself rather than where sklearn's
// L-BFGS stopped. With more features than subjects (vectorised connectomes: ~20k features,
// hundreds of subjects) the optimum lies in the row space of X, so Newton runs in the n-dim
// coordinates of X's singular vectors and w is recovered exactly from stationarity,
// w = C X^T (y - p).
//
// Also: StandardScaler (fit on training subjects only) and C chosen by stratified inner
// cross-validation on AUROC, as LogisticRegressionCV(Cs=10, scoring='roc_auc').
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <vector>

namespace brainenc::models {

struct LogisticRegressionOptions {
  double C = 1.0;  // inverse regularisation strength (> 0)
  bool fit_intercept = true;
  double tol = 1e-10;  // stop when max |gradient of the objective| <= tol * max(1, n)
  int max_iter = 200;  // Newton iterations
};

struct LogisticFitInfo {
  int iterations = 0;
  bool converged = false;
  double objective = 0;
  double gradient_max = 0;  // max |gradient| at the end
};

class LogisticRegression {
 public:
  explicit LogisticRegression(LogisticRegressionOptions options = {});

  // X: subjects x features, y: 0 / 1. DataError when only one class is present, sizes differ,
  // or X has NaN / infinite values. Not converging within max_iter is reported in the result.
  LogisticFitInfo fit(const Eigen::MatrixXd& X, const Eigen::VectorXi& y);

  Eigen::VectorXd decision_function(const Eigen::MatrixXd& X) const;  // X w + b
  Eigen::VectorXd predict_proba(const Eigen::MatrixXd& X) const;      // P(y = 1)
  Eigen::VectorXi predict(const Eigen::MatrixXd& X) const;            // decision > 0

  const Eigen::VectorXd& coef() const { return coef_; }
  double intercept() const { return intercept_; }
  const LogisticRegressionOptions& options() const { return options_; }
  bool fitted() const { return fitted_; }
  // Sets a solution (e.g. one of logistic_regression_path's).
  void set_solution(Eigen::VectorXd coef, double intercept);

 private:
  LogisticRegressionOptions options_;
  Eigen::VectorXd coef_;
  double intercept_ = 0;
  bool fitted_ = false;
};

// One model per C (any order), sharing one decomposition of X and warm-starting from the
// neighbouring C: what cross-validation over a grid needs. options.C is ignored.
std::vector<LogisticRegression> logistic_regression_path(
    const Eigen::MatrixXd& X, const Eigen::VectorXi& y, const std::vector<double>& Cs,
    const LogisticRegressionOptions& options = {}, std::vector<LogisticFitInfo>* info = nullptr);

// sklearn StandardScaler: mean and population sd (ddof 0) per feature; a constant feature keeps
// scale 1 (sklearn _handle_zeros_in_scale), so it becomes 0, not NaN.
class StandardScaler {
 public:
  void fit(const Eigen::MatrixXd& X);
  Eigen::MatrixXd transform(
      const Eigen::MatrixXd& X) const;  // DataError on a feature-count mismatch
  Eigen::MatrixXd fit_transform(const Eigen::MatrixXd& X);
  const Eigen::RowVectorXd& mean() const { return mean_; }
  const Eigen::RowVectorXd& scale() const { return scale_; }

 private:
  Eigen::RowVectorXd mean_, scale_;
};

// np.logspace(lo, hi, n): sklearn LogisticRegressionCV(Cs=10) is logspace(-4, 4, 10).
std::vector<double> logspace(double lo, double hi, int n);

struct LogisticCvOptions {
  std::vector<double> Cs = logspace(-4, 4, 10);
  int folds = 5;  // stratified by label, seeded
  bool standardize =
      true;  // StandardScaler fit on each inner training fold, and on all for the refit
  uint64_t seed = 0;
  LogisticRegressionOptions solver;  // solver.C is ignored
};

// A fitted scaler + logistic regression.
struct LogisticModel {
  bool standardize = true;
  StandardScaler scaler;
  LogisticRegression model;
  Eigen::VectorXd predict_proba(const Eigen::MatrixXd& X) const;
  Eigen::VectorXd decision_function(const Eigen::MatrixXd& X) const;
};

struct LogisticCvResult {
  LogisticModel model;  // refit on all of X with best_C
  double best_C = 0;
  std::vector<double> Cs;                       // the grid, ascending
  std::vector<double> mean_auroc;               // per C, mean over inner folds
  std::vector<std::vector<double>> fold_auroc;  // [fold][C]
};

// Chooses C by the mean inner-fold AUROC (the first, i.e. smallest, C among equal means, as
// sklearn's argmax over ascending Cs), then refits on all subjects. Cs are sorted ascending.
LogisticCvResult fit_logistic_cv(const Eigen::MatrixXd& X, const Eigen::VectorXi& y,
                                 const LogisticCvOptions& options = {});

}  // namespace brainenc::models
