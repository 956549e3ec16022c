// ConnectivityMeasure: options, validation and zero-variance regions.
#include <gtest/gtest.h>

#include <string>

#include "brainenc/io/error.hpp"
#include "brainenc/io/npy.hpp"
#include "brainenc/preprocessing/connectivity.hpp"
#include "test_support.hpp"

using namespace brainenc;
using namespace brainenc::preprocessing;

namespace {

Eigen::MatrixXd series(Eigen::Index t, Eigen::Index n, unsigned seed) {
  std::srand(seed);
  return Eigen::MatrixXd::Random(t, n);
}

std::vector<Eigen::MatrixXd> group(Eigen::Index n_subjects = 3) {
  std::vector<Eigen::MatrixXd> g;
  for (Eigen::Index s = 0; s < n_subjects; ++s) g.push_back(series(40, 4, 10 + s));
  return g;
}

ConnectivityOptions options(ConnectivityKind kind, CovarianceEstimator estimator) {
  ConnectivityOptions o;
  o.kind = kind;
  o.estimator = estimator;
  return o;
}

// Expects `f` to throw E whose message contains `needle`.
template <class E, class F>
void expect_error(F f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "expected an error mentioning '" << needle << "'";
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(ConnectivityOptions, ParseNames) {
  EXPECT_EQ(parse_connectivity_kind("partial correlation"), ConnectivityKind::PartialCorrelation);
  EXPECT_EQ(parse_connectivity_kind("partial_correlation"), ConnectivityKind::PartialCorrelation);
  EXPECT_EQ(parse_connectivity_kind("tangent"), ConnectivityKind::Tangent);
  EXPECT_EQ(parse_connectivity_kind("Covariance"), ConnectivityKind::Covariance);
  EXPECT_EQ(to_string(ConnectivityKind::PartialCorrelation), "partial correlation");
  expect_error<UsageError>([] { parse_connectivity_kind("pearson"); }, "pearson");
  EXPECT_EQ(parse_covariance_estimator("empirical"), CovarianceEstimator::Empirical);
  EXPECT_EQ(parse_covariance_estimator("ledoit_wolf"), CovarianceEstimator::LedoitWolf);
  EXPECT_THROW(parse_covariance_estimator("oas"), UsageError);
}

TEST(ConnectivityValidation, MessagesNameTheSubject) {
  ConnectivityMeasure m;
  auto g = group();
  g[2] = series(40, 5, 1);
  expect_error<DataError>([&] { m.fit(g); }, "subject 2 has 5 regions");
  g = group();
  g[1] = series(1, 4, 1);
  expect_error<DataError>([&] { m.fit(g); }, "subject 1: 1 time point");
  g = group();
  g[2](7, 3) = std::numeric_limits<double>::quiet_NaN();
  expect_error<DataError>([&] { m.fit(g); },
                          "subject 2: non-finite value at time point 7, region 3");
  expect_error<DataError>([&] { m.fit({}); }, "no subjects");
}

TEST(ConnectivityValidation, TangentNeedsAGroupForFitTransform) {
  ConnectivityMeasure m(options(ConnectivityKind::Tangent, CovarianceEstimator::LedoitWolf));
  expect_error<UsageError>([&] { m.fit_transform(group(1)); }, "at least 2 subjects");
  // Fitting on one reference subject is allowed, as nilearn.
  EXPECT_NO_THROW(m.fit(group(1)));
  EXPECT_THROW(connectivity_matrix(series(10, 3, 1), options(ConnectivityKind::Tangent,
                                                             CovarianceEstimator::LedoitWolf)),
               UsageError);
}

TEST(ConnectivityValidation, TransformNeedsAFitWithTheSameRegions) {
  ConnectivityMeasure m;
  EXPECT_THROW(m.transform(group()), RuntimeError);
  EXPECT_THROW(m.mean(), RuntimeError);
  m.fit(group());
  EXPECT_THROW(m.whitening(), RuntimeError);  // not tangent
  expect_error<DataError>([&] { m.transform({series(30, 6, 2)}); }, "fitted group had 4");
}

TEST(ConnectivityMeasure, FitTransformEqualsPerSubjectMatricesAndTheirMean) {
  const auto g = group();
  ConnectivityMeasure m(options(ConnectivityKind::Correlation, CovarianceEstimator::LedoitWolf));
  const auto out = m.fit_transform(g);
  ASSERT_EQ(out.size(), 3u);
  Eigen::MatrixXd mean = Eigen::MatrixXd::Zero(4, 4);
  for (std::size_t s = 0; s < g.size(); ++s) {
    EXPECT_EQ(out[s], connectivity_matrix(g[s], m.options()));
    EXPECT_EQ(out[s].diagonal(), Eigen::VectorXd::Ones(4));
    mean += out[s] / 3.0;
  }
  EXPECT_LE((m.mean() - mean).cwiseAbs().maxCoeff(), 1e-15);
  EXPECT_EQ(m.mean(), m.mean().transpose());
}

TEST(ConnectivityMeasure, TangentOfTheGroupMeanIsZero) {
  // logm(W G W) = logm(I) = 0 for the geometric mean G itself, and whitening = G^{-1/2}.
  ConnectivityMeasure m(options(ConnectivityKind::Tangent, CovarianceEstimator::Empirical));
  m.fit(group());
  EXPECT_TRUE(m.geometric_mean_info().converged);
  const Eigen::MatrixXd w = m.whitening();
  EXPECT_LE((w * m.mean() * w - Eigen::MatrixXd::Identity(4, 4)).cwiseAbs().maxCoeff(), 1e-12);
}

// Zero-variance regions: see connectivity.hpp for the documented handling.
TEST(ZeroVarianceRegion, EveryKindIsFiniteAndTheRegionIsReported) {
  auto g = group();
  g[1].col(2).setZero();       // ABIDE-style all-zero region
  g[2].col(0).setConstant(3);  // constant non-zero region
  for (const auto estimator : {CovarianceEstimator::LedoitWolf, CovarianceEstimator::Empirical}) {
    for (const auto kind : {ConnectivityKind::Covariance, ConnectivityKind::Correlation,
                            ConnectivityKind::PartialCorrelation, ConnectivityKind::Precision}) {
      const std::string what =
          to_string(kind) + (estimator == CovarianceEstimator::Empirical ? " empirical" : " lw");
      ConnectivityMeasure m(options(kind, estimator));
      RegionsPerSubject zero;
      const auto out = m.fit_transform(g, &zero);
      ASSERT_EQ(zero.size(), 3u);
      EXPECT_TRUE(zero[0].empty()) << what;
      EXPECT_EQ(zero[1], (std::vector<Eigen::Index>{2})) << what;
      EXPECT_EQ(zero[2], (std::vector<Eigen::Index>{0})) << what;
      for (const auto& c : out) EXPECT_TRUE(c.allFinite()) << what;
      EXPECT_TRUE(m.mean().allFinite()) << what;
      // Off-diagonal entries of the region are exactly 0.
      for (Eigen::Index j = 0; j < 4; ++j) {
        if (j == 2) continue;
        EXPECT_EQ(out[1](2, j), 0.0) << what;
        EXPECT_EQ(out[1](j, 2), 0.0) << what;
      }
      if (kind == ConnectivityKind::Correlation || kind == ConnectivityKind::PartialCorrelation) {
        EXPECT_EQ(out[1](2, 2), 1.0) << what;
        EXPECT_EQ(out[2](0, 0), 1.0) << what;
      }
      if (kind == ConnectivityKind::Precision && estimator == CovarianceEstimator::Empirical) {
        EXPECT_EQ(out[1](2, 2), 0.0) << what;  // left out of the inversion
      }
    }
  }
}

TEST(ZeroVarianceRegion, TangentWithLedoitWolfWorksAndWithEmpiricalIsADataError) {
  auto g = group();
  g[1].col(2).setZero();
  ConnectivityMeasure lw(options(ConnectivityKind::Tangent, CovarianceEstimator::LedoitWolf));
  for (const auto& c : lw.fit_transform(g)) EXPECT_TRUE(c.allFinite());
  ConnectivityMeasure emp(options(ConnectivityKind::Tangent, CovarianceEstimator::Empirical));
  expect_error<DataError>([&] { emp.fit_transform(g); }, "subject 1");
  expect_error<DataError>([&] { emp.fit_transform(g); }, "regions [2] have zero variance");
}

TEST(ZeroVarianceRegion, LedoitWolfMatchesNilearn) {
  // Source: nilearn 0.10.2 + scikit-learn 1.2.1, ConnectivityMeasure(kind=...).fit_transform(X)
  // with X = list(timeseries_4subj_60x6.npy) and X[1][:, 2] = 0 (default LedoitWolf): no NaN;
  // correlation row 2 of subject 1 = [0, 0, 1, 0, 0, 0]; covariance (2, 2) =
  // 0.08523000285596961; precision (2, 2) = 11.732957485521881; tangent row 2 as below.
  const std::string path = test::shared_file("reference/inputs/timeseries_4subj_60x6.npy");
  BRAINENC_SKIP_IF_EMPTY(path);
  const io::NpyArray a = io::read_npy(path);
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  std::vector<Eigen::MatrixXd> x;
  for (int s = 0; s < 4; ++s)
    x.emplace_back(Eigen::Map<const RowMajor>(a.data.data() + s * 360, 60, 6));
  x[1].col(2).setZero();
  const auto run = [&](ConnectivityKind kind) {
    return ConnectivityMeasure(options(kind, CovarianceEstimator::LedoitWolf)).fit_transform(x)[1];
  };
  Eigen::RowVectorXd unit_row = Eigen::RowVectorXd::Zero(6);
  unit_row(2) = 1.0;
  EXPECT_EQ(run(ConnectivityKind::Correlation).row(2), unit_row);
  EXPECT_EQ(run(ConnectivityKind::PartialCorrelation).row(2), unit_row);
  EXPECT_NEAR(run(ConnectivityKind::Covariance)(2, 2), 0.08523000285596961, 1e-12);
  EXPECT_NEAR(run(ConnectivityKind::Precision)(2, 2), 11.732957485521881, 1e-9);
  Eigen::RowVectorXd tangent(6);
  tangent << -0.03281889591860299, -0.17230922328918194, -2.4169068827613804, 0.07610453986482096,
      0.1885428460535651, -0.07660479165124398;
  EXPECT_LE((run(ConnectivityKind::Tangent).row(2) - tangent).cwiseAbs().maxCoeff(), 1e-9);
}

TEST(ConnectivityMeasure, SingularEmpiricalCovarianceIsADataErrorForPrecision) {
  // 3 time points, 5 regions: the empirical covariance has rank 2.
  ConnectivityMeasure m(options(ConnectivityKind::Precision, CovarianceEstimator::Empirical));
  expect_error<DataError>([&] { m.fit_transform({series(3, 5, 4)}); }, "singular");
  // Ledoit-Wolf stays invertible.
  ConnectivityMeasure lw(options(ConnectivityKind::Precision, CovarianceEstimator::LedoitWolf));
  EXPECT_TRUE(lw.fit_transform({series(3, 5, 4)})[0].allFinite());
}
