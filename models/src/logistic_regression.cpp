// L2 logistic regression: damped Newton on sklearn's objective, in feature space or, with more
// features than subjects, in the coordinates of X's row space.
#include "brainenc/models/logistic_regression.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "brainenc/io/error.hpp"

namespace brainenc::models {
namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

double softplus(double s) { return s > 0 ? s + std::log1p(std::exp(-s)) : std::log1p(std::exp(s)); }
double sigmoid(double s) {
  if (s >= 0) return 1.0 / (1.0 + std::exp(-s));
  const double e = std::exp(s);
  return e / (1.0 + e);
}

// sum_i softplus(s_i) - y_i s_i + ||theta||^2 / (2C)
double objective(const VectorXd& s, const VectorXd& y, const VectorXd& theta, double C) {
  double f = 0;
  for (Eigen::Index i = 0; i < s.size(); ++i) f += softplus(s(i)) - y(i) * s(i);
  return f + theta.squaredNorm() / (2.0 * C);
}

struct Solution {
  VectorXd theta;
  double b = 0;
  VectorXd s;  // Z theta + b
  LogisticFitInfo info;
};

// Damped Newton on the objective in coordinates Z (n x r). Starts from (theta, b).
Solution newton(const MatrixXd& Z, const VectorXd& y, double C, const LogisticRegressionOptions& o,
                VectorXd theta, double b) {
  const Eigen::Index n = Z.rows(), r = Z.cols(), m = r + (o.fit_intercept ? 1 : 0);
  Solution sol;
  VectorXd s = Z * theta + VectorXd::Constant(n, b);
  double f = objective(s, y, theta, C);
  const double tol = o.tol * std::max<double>(1.0, double(n));
  VectorXd g(m), p(n), w(n), d(m);
  MatrixXd H(m, m), Zw(n, r);
  int it = 0;
  for (;; ++it) {
    for (Eigen::Index i = 0; i < n; ++i) {
      p(i) = sigmoid(s(i));
      w(i) = p(i) * (1.0 - p(i));
    }
    const VectorXd residual = p - y;
    g.head(r).noalias() = Z.transpose() * residual;
    g.head(r) += theta / C;
    if (o.fit_intercept) g(r) = residual.sum();
    sol.info.gradient_max = g.cwiseAbs().maxCoeff();
    if (sol.info.gradient_max <= tol) {
      sol.info.converged = true;
      break;
    }
    if (it >= o.max_iter) break;
    // Hessian [Z 1]^T W [Z 1] + diag(1/C, ..., 1/C, 0).
    Zw = Z.array().colwise() * w.array().sqrt();
    H.topLeftCorner(r, r).noalias() = Zw.transpose() * Zw;
    H.topLeftCorner(r, r).diagonal().array() += 1.0 / C;
    if (o.fit_intercept) {
      H.col(r).head(r).noalias() = Z.transpose() * w;
      H.row(r).head(r) = H.col(r).head(r).transpose();
      H(r, r) = w.sum();
    }
    Eigen::LLT<MatrixXd> llt(H);
    if (llt.info() == Eigen::Success) {
      d = llt.solve(-g);
    } else {
      // Only when every w_i underflows (a fully separated intercept-only direction).
      H.diagonal().array() += 1e-12 * std::max(1.0, H.diagonal().cwiseAbs().maxCoeff());
      d = H.ldlt().solve(-g);
    }
    const double slope = g.dot(d);
    if (!(slope < 0)) break;  // no descent direction left: at the optimum to rounding
    // Armijo backtracking. Near the optimum the decrease drops below the rounding of f: take
    // the full Newton step there (the quadratic model is exact to rounding).
    const bool quadratic_regime = -slope < 1e-13 * (1.0 + std::abs(f));
    double t = 1.0;
    VectorXd theta_new, s_new;
    double f_new = f;
    for (int k = 0; k < 60; ++k, t *= 0.5) {
      theta_new = theta + t * d.head(r);
      const double b_new = o.fit_intercept ? b + t * d(r) : b;
      s_new = Z * theta_new + VectorXd::Constant(n, b_new);
      f_new = objective(s_new, y, theta_new, C);
      if (quadratic_regime || f_new <= f + 1e-4 * t * slope) break;
    }
    if (!(f_new <= f + 1e-4 * t * slope) && !quadratic_regime) break;  // line search failed
    theta = std::move(theta_new);
    if (o.fit_intercept) b += t * d(r);
    s = std::move(s_new);
    f = f_new;
  }
  sol.info.iterations = it;
  sol.info.objective = objective(s, y, theta, C);
  sol.theta = std::move(theta);
  sol.b = b;
  sol.s = std::move(s);
  return sol;
}

void check_inputs(const MatrixXd& X, const Eigen::VectorXi& y) {
  if (X.rows() != y.size())
    throw DataError("logistic regression: " + std::to_string(X.rows()) + " subjects but " +
                    std::to_string(y.size()) + " labels");
  if (!X.allFinite())
    throw DataError("logistic regression: features contain NaN or infinite values");
  Eigen::Index pos = 0;
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (y(i) != 0 && y(i) != 1)
      throw DataError("logistic regression: label " + std::to_string(y(i)) + " is not 0 or 1");
    pos += y(i);
  }
  if (pos == 0 || pos == y.size())
    throw DataError("logistic regression needs both classes; got " + std::to_string(pos) +
                    " positive of " + std::to_string(y.size()));
}

}  // namespace

std::vector<LogisticRegression> logistic_regression_path(const MatrixXd& X,
                                                         const Eigen::VectorXi& y,
                                                         const std::vector<double>& Cs,
                                                         const LogisticRegressionOptions& options,
                                                         std::vector<LogisticFitInfo>* info) {
  check_inputs(X, y);
  for (double C : Cs)
    if (!(C > 0) || !std::isfinite(C))
      throw UsageError("C must be > 0 and finite (got " + std::to_string(C) + ")");
  const Eigen::Index n = X.rows(), d = X.cols();
  const VectorXd yd = y.cast<double>();

  // With d > n, w = X^T alpha at the optimum. Writing X X^T = U L U^T, the coordinates
  // Z = U L^(1/2) (n x rank) give exactly the same objective as X with ||w|| = ||theta||.
  const bool reduced = d > n;
  MatrixXd Zred;
  if (reduced) {
    MatrixXd K = MatrixXd::Zero(n, n);
    K.selfadjointView<Eigen::Lower>().rankUpdate(X);
    Eigen::SelfAdjointEigenSolver<MatrixXd> eig(K);
    const VectorXd& ev = eig.eigenvalues();  // ascending
    const double cutoff = std::max(ev(n - 1), 0.0) * double(n) * 1e-15;
    Eigen::Index first = 0;
    while (first < n && ev(first) <= cutoff) ++first;
    Zred = eig.eigenvectors().rightCols(n - first) * ev.tail(n - first).cwiseSqrt().asDiagonal();
  }
  const MatrixXd& Z = reduced ? Zred : X;

  // Solve along ascending C, warm-starting each from the previous optimum; start at the
  // intercept-only model, the optimum as C -> 0.
  std::vector<size_t> order(Cs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return Cs[a] < Cs[b]; });
  const double mean_y = yd.mean();
  VectorXd theta = VectorXd::Zero(Z.cols());
  double b = options.fit_intercept ? std::log(mean_y / (1.0 - mean_y)) : 0.0;
  std::vector<LogisticRegression> models(Cs.size());
  if (info) info->assign(Cs.size(), {});
  for (size_t k : order) {
    LogisticRegressionOptions o = options;
    o.C = Cs[k];
    Solution sol = newton(Z, yd, o.C, o, theta, b);
    theta = sol.theta;
    b = sol.b;
    VectorXd w;
    if (reduced) {
      // Stationarity X^T (p - y) + w / C = 0.
      VectorXd residual(n);
      for (Eigen::Index i = 0; i < n; ++i) residual(i) = yd(i) - sigmoid(sol.s(i));
      w.noalias() = o.C * (X.transpose() * residual);
    } else {
      w = sol.theta;
    }
    models[k] = LogisticRegression(o);
    models[k].set_solution(std::move(w), sol.b);
    if (info) (*info)[k] = sol.info;
  }
  return models;
}

LogisticRegression::LogisticRegression(LogisticRegressionOptions options) : options_(options) {}

LogisticFitInfo LogisticRegression::fit(const MatrixXd& X, const Eigen::VectorXi& y) {
  std::vector<LogisticFitInfo> info;
  *this = logistic_regression_path(X, y, {options_.C}, options_, &info).front();
  return info.front();
}

void LogisticRegression::set_solution(VectorXd coef, double intercept) {
  coef_ = std::move(coef);
  intercept_ = intercept;
  fitted_ = true;
}

VectorXd LogisticRegression::decision_function(const MatrixXd& X) const {
  if (!fitted_) throw UsageError("logistic regression is not fitted");
  if (X.cols() != coef_.size())
    throw DataError("logistic regression was fitted on " + std::to_string(coef_.size()) +
                    " features, got " + std::to_string(X.cols()));
  return (X * coef_).array() + intercept_;
}

VectorXd LogisticRegression::predict_proba(const MatrixXd& X) const {
  return decision_function(X).unaryExpr([](double s) { return sigmoid(s); });
}

Eigen::VectorXi LogisticRegression::predict(const MatrixXd& X) const {
  return (decision_function(X).array() > 0).cast<int>();
}

}  // namespace brainenc::models
