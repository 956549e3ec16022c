#include "brainenc/models/logistic_regression.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "brainenc/io/error.hpp"
#include "brainenc/models/metrics.hpp"

using namespace brainenc::models;

namespace {

// The fixed datasets of the sklearn reference, written here and in numpy alike:
//   i = arange(n)[:, None]; j = arange(d)[None, :]
//   X = sin(0.37 (i + 1)(j + 1) + 0.11 j) + 0.5 cos(1.7 i - 0.3 j)
//   beta_k = (-1)^k (k + 1) / d;  y = (X @ beta + noise sin(2.9 i + 0.5) > 0)
// (|score| >= 0.006 for every subject, so rounding cannot flip a label).
struct Data {
  Eigen::MatrixXd X;
  Eigen::VectorXi y;
};

Data make_data(int n, int d, double noise) {
  Data out{Eigen::MatrixXd(n, d), Eigen::VectorXi(n)};
  for (int i = 0; i < n; ++i) {
    double score = noise * std::sin(2.9 * i + 0.5);
    for (int j = 0; j < d; ++j) {
      out.X(i, j) =
          std::sin(0.37 * (i + 1) * (j + 1) + 0.11 * j) + 0.5 * std::cos(1.7 * i - 0.3 * j);
      score += out.X(i, j) * ((j % 2 == 0 ? 1.0 : -1.0) * (j + 1) / d);
    }
    out.y(i) = score > 0 ? 1 : 0;
  }
  return out;
}

double max_diff(const Eigen::VectorXd& coef, double intercept, const std::vector<double>& want_coef,
                double want_intercept) {
  EXPECT_EQ(coef.size(), static_cast<Eigen::Index>(want_coef.size()));
  double m = std::abs(intercept - want_intercept);
  for (size_t k = 0; k < want_coef.size(); ++k)
    m = std::max(m, std::abs(coef(Eigen::Index(k)) - want_coef[k]));
  return m;
}

// Gradient of sklearn's objective at (w, b): X^T (p - y) + w / C and sum(p - y).
double gradient_max(const Data& d, const LogisticRegression& m, double C) {
  const Eigen::VectorXd r = m.predict_proba(d.X) - d.y.cast<double>();
  const Eigen::VectorXd g = d.X.transpose() * r + m.coef() / C;
  return std::max(g.cwiseAbs().maxCoeff(), std::abs(r.sum()));
}

std::string format(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

}  // namespace

// Reference: /usr/bin/python3, scikit-learn 1.2.1,
//   LogisticRegression(C=1.0, solver="lbfgs", tol=1e-12, max_iter=100000).fit(X, y)
// for make_data(60, 5, 0.8) (29 positives). sklearn's L-BFGS stops on scipy's relative function
// decrease; its coefficients are 4.5e-6 from the exact optimum (numpy Newton to |g| < 1e-15).
TEST(LogisticRegression, MatchesSklearnFewFeatures) {
  const Data d = make_data(60, 5, 0.8);
  ASSERT_EQ(d.y.sum(), 29);
  LogisticRegression lr({1.0});
  const auto info = lr.fit(d.X, d.y);
  EXPECT_TRUE(info.converged);
  const double diff = max_diff(lr.coef(), lr.intercept(),
                               {0.32944359118365618, -0.94749398581729127, 0.58795050164300056,
                                -0.97614483356532622, 1.5284354373421207},
                               -0.10228763103623927);
  EXPECT_LT(diff, 1e-4);
  EXPECT_LT(diff, 1e-5);  // what is actually reached: sklearn's own distance to the optimum
  EXPECT_LT(gradient_max(d, lr, 1.0), 1e-9);
  RecordProperty("max_abs_diff_vs_sklearn", format(diff));
}

// More features than subjects (the reduced, row-space solver). Reference as above with
// LogisticRegression(C=0.1, solver="lbfgs", tol=1e-12, max_iter=100000) on make_data(40, 100, 0.8)
// (16 positives); sklearn is 9.1e-6 from the exact optimum.
TEST(LogisticRegression, MatchesSklearnMoreFeaturesThanSubjects) {
  const Data d = make_data(40, 100, 0.8);
  ASSERT_EQ(d.y.sum(), 16);
  const std::vector<double> want = {
      -0.0076270490407537696, 0.059195492513893076,  -0.087360235436171468, 0.098917719364344348,
      -0.0031426420422638788, -0.013658749666696184, -0.044785837913226323, 0.02040549211052544,
      0.18620565086575586,    0.096262097585467291,  -0.02388410522663565,  0.068195148431653266,
      -0.032692971844171324,  0.0036323613715577453, 0.14121893882153233,   0.1765695168200157,
      -0.012225597323212571,  0.11435947725066886,   0.073017649760684089,  0.035745446373584906,
      -0.13743215146187737,   0.019883177590935761,  -0.09421702869675487,  0.083719224660537134,
      0.085968677092416498,   -0.16491336674866616,  -0.095391122132550132, 0.024780597519369535,
      -0.013958295795681955,  0.1565487870052302,    -0.019915630976376886, 0.046974512665411521,
      -0.03701708441621495,   0.0074632035551324806, -0.066697875742014814, -0.14863966778604804,
      0.0037686014590388385,  -0.038458749694474825, -0.072579246101658529, 0.07952896388483828,
      -0.0620541914330398,    -0.13376274583778608,  -0.051546528711672694, -0.0018003980036270567,
      -0.0090508987490868133, -0.010176748198129242, -0.050540028746203468, 0.084504267787729709,
      -0.12955579087656457,   -0.14666496255695705,  0.051519948819369159,  -0.048426242754727539,
      0.038307634978844103,   -0.061623241436460169, 0.14798494935661449,   0.017648531414864582,
      0.0018871274287464187,  -0.071888975221814935, 0.050901848851155708,  0.21825316079720125,
      0.060452293853998001,   -0.017291483780439387, 0.001825429873566238,  -0.11506184673259566,
      -0.068565894916470596,  0.056835759607543473,  0.19633277043038513,   -0.0047341710613265841,
      0.11506890746488507,    0.1722525465057243,    0.1133109156994708,    -0.035242241454337277,
      0.092600882301629314,   -0.10390861881701467,  0.1243631493497868,    0.03258553477837467,
      -0.20780863744142888,   -0.092235945729059923, -0.01212377647853484,  -0.045659421550638277,
      0.094212834932052472,   -0.070610283062235366, 0.068370751969729443,  -0.00023584490228404639,
      -0.066423956763600245,  0.0052740810859223629, -0.14791326111900113,  0.0013500986558901413,
      -0.082979667078434668,  -0.063740389191864477, 0.14977928910489602,   0.0018056017261888066,
      -0.074690810420796533,  -0.025789413588127776, 0.029308208600377979,  -0.0098746790810789534,
      0.030511020650154062,   0.0070039710923466003, 0.12183143943229839,   -0.14428708899697137};
  LogisticRegression lr({0.1});
  EXPECT_TRUE(lr.fit(d.X, d.y).converged);
  const double diff = max_diff(lr.coef(), lr.intercept(), want, -0.56179502211652388);
  EXPECT_LT(diff, 1e-4);
  EXPECT_LT(diff, 2e-5);
  EXPECT_LT(gradient_max(d, lr, 0.1), 1e-9);
  RecordProperty("max_abs_diff_vs_sklearn", format(diff));
}

// A separable case (noise 0): the L2 term alone keeps w finite. Reference:
// LogisticRegression(C=100.0, solver="lbfgs", tol=1e-12, max_iter=100000) on make_data(50, 3, 0)
// (sklearn 2.8e-5 from the exact optimum; with the default tol=1e-4 it stops 1.7e-4 away).
TEST(LogisticRegression, SeparableCaseConvergesToSklearn) {
  const Data d = make_data(50, 3, 0.0);
  LogisticRegression lr({100.0});
  const auto info = lr.fit(d.X, d.y);
  EXPECT_TRUE(info.converged);
  EXPECT_EQ((lr.predict(d.X) - d.y).cwiseAbs().sum(), 0);  // separates the training set
  const double diff =
      max_diff(lr.coef(), lr.intercept(),
               {4.2617523296937323, -7.3528412204241436, 12.888040653525911}, -1.1600169443346384);
  EXPECT_LT(diff, 1e-4);
  EXPECT_LT(gradient_max(d, lr, 100.0), 1e-9);
  RecordProperty("max_abs_diff_vs_sklearn", format(diff));
}

TEST(LogisticRegression, VanishingCShrinksToInterceptOnlyModel) {
  // Both solver paths: features < subjects and features > subjects.
  for (const Data& d : {make_data(60, 5, 0.8), make_data(40, 100, 0.8)}) {
    LogisticRegression lr({1e-10});
    EXPECT_TRUE(lr.fit(d.X, d.y).converged);
    // w = C X^T (y - p) -> 0 linearly in C; b -> logit(mean y), the intercept-only optimum
    // (60 subjects: 29 positive, logit(29/60) = -0.0666913...).
    EXPECT_LT(lr.coef().cwiseAbs().maxCoeff(), 1e-8);
    const double m = d.y.cast<double>().mean();
    EXPECT_NEAR(lr.intercept(), std::log(m / (1 - m)), 1e-8);
  }
}

TEST(LogisticRegression, PathEqualsSeparateFits) {
  const Data d = make_data(40, 100, 0.8);
  const std::vector<double> Cs = {10.0, 0.01, 1.0};  // any order
  std::vector<LogisticFitInfo> info;
  const auto path = logistic_regression_path(d.X, d.y, Cs, {}, &info);
  ASSERT_EQ(path.size(), 3u);
  for (size_t k = 0; k < Cs.size(); ++k) {
    EXPECT_TRUE(info[k].converged);
    LogisticRegression single({Cs[k]});
    single.fit(d.X, d.y);
    EXPECT_LT((path[k].coef() - single.coef()).cwiseAbs().maxCoeff(), 1e-8);
    EXPECT_DOUBLE_EQ(path[k].options().C, Cs[k]);
  }
  // Larger C, smaller penalty: larger coefficients.
  EXPECT_LT(path[1].coef().norm(), path[2].coef().norm());
  EXPECT_LT(path[2].coef().norm(), path[0].coef().norm());
}

TEST(LogisticRegression, RejectsOneClassAndBadInput) {
  Data d = make_data(20, 3, 0.8);
  d.y.setZero();
  EXPECT_THROW(LogisticRegression().fit(d.X, d.y), brainenc::DataError);
  d.y(0) = 2;
  EXPECT_THROW(LogisticRegression().fit(d.X, d.y), brainenc::DataError);
  EXPECT_THROW(LogisticRegression({-1.0}).fit(make_data(20, 3, 0.8).X, make_data(20, 3, 0.8).y),
               brainenc::UsageError);
  EXPECT_THROW(LogisticRegression().predict_proba(d.X), brainenc::UsageError);  // not fitted
}

// Reference: sklearn 1.2.1 StandardScaler().fit(X) on make_data(40, 100, 0.8).X:
// mean_[:3], scale_[:3] printed with repr().
TEST(StandardScaler, MatchesSklearnAndKeepsConstantFeatures) {
  Eigen::MatrixXd X = make_data(40, 100, 0.8).X;
  StandardScaler s;
  const Eigen::MatrixXd Z = s.fit_transform(X);
  EXPECT_NEAR(s.mean()(0), 0.11631961760293819, 1e-14);
  EXPECT_NEAR(s.mean()(1), 0.02381634584780145, 1e-14);
  EXPECT_NEAR(s.mean()(2), 0.01191387005790692, 1e-14);
  EXPECT_NEAR(s.scale()(0), 0.7926500857254423, 1e-14);
  EXPECT_NEAR(s.scale()(1), 0.8118065648188766, 1e-14);
  EXPECT_NEAR(s.scale()(2), 0.7925270653372072, 1e-14);
  EXPECT_LT(Z.colwise().mean().cwiseAbs().maxCoeff(), 1e-14);
  X.col(5).setConstant(3.0);  // constant: scale 1, becomes 0 (not NaN)
  s.fit(X);
  EXPECT_EQ(s.scale()(5), 1.0);
  EXPECT_TRUE(s.transform(X).col(5).isZero(0));
  EXPECT_THROW(s.transform(X.leftCols(4)), brainenc::DataError);
}

TEST(Logspace, IsNumpysLogspace) {
  const auto c = logspace(-4, 4, 10);  // np.logspace(-4, 4, 10)[1] = 7.742636826811277e-04
  ASSERT_EQ(c.size(), 10u);
  EXPECT_DOUBLE_EQ(c.front(), 1e-4);
  EXPECT_NEAR(c[1], 7.742636826811277e-04, 1e-18);
  EXPECT_DOUBLE_EQ(c.back(), 1e4);
}

TEST(LogisticCv, ChoosesCByInnerAurocAndIsDeterministic) {
  const Data d = make_data(80, 30, 0.5);
  LogisticCvOptions o;
  o.seed = 3;
  const auto a = fit_logistic_cv(d.X, d.y, o);
  const auto b = fit_logistic_cv(d.X, d.y, o);
  ASSERT_EQ(a.mean_auroc.size(), 10u);
  ASSERT_EQ(a.fold_auroc.size(), 5u);
  EXPECT_EQ(a.best_C, b.best_C);
  EXPECT_EQ(a.mean_auroc, b.mean_auroc);
  // best_C is the first argmax of the mean inner AUROC over the ascending grid.
  size_t best = 0;
  for (size_t c = 1; c < a.Cs.size(); ++c)
    if (a.mean_auroc[c] > a.mean_auroc[best]) best = c;
  EXPECT_EQ(a.best_C, a.Cs[best]);
  EXPECT_GT(a.mean_auroc[best], 0.8);  // the labels are a noisy linear function of X
  // The refit model is the plain fit on all subjects with best_C, after standardisation.
  StandardScaler s;
  LogisticRegression lr({a.best_C});
  lr.fit(s.fit_transform(d.X), d.y);
  EXPECT_LT((lr.coef() - a.model.model.coef()).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_LT((a.model.predict_proba(d.X) - lr.predict_proba(s.transform(d.X))).cwiseAbs().maxCoeff(),
            1e-12);
}

TEST(LogisticCv, NoSignalGivesChanceAuroc) {
  Data d = make_data(120, 20, 0.8);
  for (int i = 0; i < 120; ++i) d.y(i) = (i * 7 % 11) < 5 ? 1 : 0;  // unrelated to X
  const auto r = fit_logistic_cv(d.X, d.y, {});
  for (double auc : r.mean_auroc) EXPECT_LT(std::abs(auc - 0.5), 0.2);
}
