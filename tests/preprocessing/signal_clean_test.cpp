// signal.clean behaviour beyond the reference cases: validation and its messages, runs,
// sample masks, scrub interpolation modes, cosine drift terms, confound regression.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "brainenc/io/error.hpp"
#include "brainenc/preprocessing/confound_regression.hpp"
#include "brainenc/preprocessing/cosine_drift.hpp"
#include "brainenc/preprocessing/signal_clean.hpp"

using namespace brainenc;
using namespace brainenc::preprocessing;

namespace {

Eigen::MatrixXd series(Eigen::Index n, Eigen::Index cols, double seed = 0.0) {
  Eigen::MatrixXd x(n, cols);
  for (Eigen::Index j = 0; j < cols; ++j) {
    for (Eigen::Index i = 0; i < n; ++i) {
      const double t = static_cast<double>(i);
      x(i, j) = std::sin(0.9 * t + seed + static_cast<double>(j)) * 5.0 +
                std::cos(0.05 * t * static_cast<double>(j + 1)) * 3.0 + 0.02 * t + 10.0;
    }
  }
  return x;
}

// Runs `f`, expects an exception of type E whose message contains `text`.
template <class E>
void expect_error(const std::function<void()>& f, const std::string& text) {
  try {
    f();
    FAIL() << "expected an error containing: " << text;
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

std::vector<int64_t> all_but(Eigen::Index n, const std::vector<int64_t>& censored) {
  std::vector<int64_t> kept;
  for (int64_t i = 0; i < n; ++i) {
    if (std::find(censored.begin(), censored.end(), i) == censored.end()) kept.push_back(i);
  }
  return kept;
}

}  // namespace

TEST(CleanOptions, DefaultsAreSignalCleans) {
  const CleanOptions o;
  EXPECT_TRUE(o.detrend);
  EXPECT_EQ(o.standardize, Standardize::ZScore);
  EXPECT_EQ(o.filter, TemporalFilter::Butterworth);
  ASSERT_TRUE(o.t_r.has_value());
  EXPECT_EQ(*o.t_r, 2.5);
  EXPECT_FALSE(o.low_pass.has_value());
  EXPECT_FALSE(o.high_pass.has_value());
  EXPECT_TRUE(o.standardize_confounds);
  EXPECT_FALSE(o.ensure_finite);
  EXPECT_EQ(o.interpolation, ScrubInterpolation::NilearnMirrored);
  EXPECT_EQ(parse_temporal_filter("cosine"), TemporalFilter::Cosine);
  EXPECT_EQ(parse_temporal_filter("false"), TemporalFilter::None);
  EXPECT_THROW(parse_temporal_filter("fir"), UsageError);
}

TEST(CleanValidation, ShapesThatDisagree) {
  const Eigen::MatrixXd x = series(80, 3);
  const CleanOptions o;
  expect_error<DataError>([&] { clean(x, o, series(79, 2)); },
                          "--confounds has 79 rows, the signals 80");
  expect_error<DataError>(
      [&] { clean(x, o, Eigen::MatrixXd(), std::nullopt, std::vector<int>(79, 0)); },
      "--runs has 79 entries, the signals 80 time points");
  expect_error<DataError>(
      [&] {
        clean(x, o, Eigen::MatrixXd(), std::vector<int64_t>{0, 5, 80});
      },
      "--sample-mask index 80 is out of range: the signals have 80 time points");
  expect_error<DataError>(
      [&] {
        clean(x, o, Eigen::MatrixXd(), std::vector<int64_t>{-1, 5});
      },
      "--sample-mask index -1 is out of range");
  expect_error<DataError>(
      [&] {
        clean(x, o, Eigen::MatrixXd(), std::vector<int64_t>{5, 3, 9});
      },
      "increasing order, without repeats (3 follows 5)");
}

TEST(CleanValidation, NonFiniteValues) {
  Eigen::MatrixXd x = series(40, 3);
  x(7, 2) = std::nan("");
  CleanOptions o;
  expect_error<DataError>([&] { clean(x, o); },
                          "non-finite value (nan) at time point 7, column 2; --ensure-finite");
  Eigen::MatrixXd c = series(40, 2, 1.0);
  c(0, 1) = INFINITY;
  expect_error<DataError>([&] { clean(series(40, 3), o, c); },
                          "--confounds holds a non-finite value (inf) at row 0, column 1");
  // ensure_finite: the same as cleaning the data with the value set to 0.
  o.ensure_finite = true;
  Eigen::MatrixXd zeroed = x;
  zeroed(7, 2) = 0.0;
  const Eigen::MatrixXd got = clean(x, o);
  EXPECT_TRUE(got.allFinite());
  EXPECT_EQ(got, clean(zeroed, o));
}

TEST(CleanValidation, FilterOptions) {
  const Eigen::MatrixXd x = series(80, 2);
  CleanOptions o;
  o.low_pass = 0.1;
  o.t_r = 0.0;
  expect_error<UsageError>([&] { clean(x, o); }, "--t-r must be positive, got 0");
  o.t_r = std::nullopt;
  expect_error<UsageError>([&] { clean(x, o); }, "--t-r is required for butterworth filtering");
  o.t_r = 2.0;
  o.high_pass = 0.2;
  expect_error<UsageError>([&] { clean(x, o); },
                           "--high-pass (0.2 Hz) must be lower than --low-pass (0.1 Hz)");
  o.high_pass = -0.01;
  expect_error<UsageError>([&] { clean(x, o); }, "--high-pass must be positive, got -0.01");
  o.high_pass = std::nullopt;
  o.filter = TemporalFilter::None;
  expect_error<UsageError>([&] { clean(x, o); },
                           "--low-pass/--high-pass are given but --filter is none");
  o.filter = TemporalFilter::Cosine;
  expect_error<UsageError>([&] { clean(x, o); },
                           "--filter cosine needs both --t-r and --high-pass");
  o.high_pass = 0.01;
  expect_error<UsageError>([&] { clean(x, o); },
                           "--low-pass is not available with --filter cosine");
}

// Butterworth with neither cut-off nor t_r is no filter at all (nilearn returns False from
// _check_filter_parameters): with a sample mask the volumes are censored, not interpolated.
TEST(Clean, ButterworthWithoutTrOrCutOffIsNoFilter) {
  const Eigen::MatrixXd x = series(30, 2);
  const std::vector<int64_t> kept = all_but(30, {4, 11});
  CleanOptions none;
  none.filter = TemporalFilter::None;
  CleanOptions butter_off;
  butter_off.t_r = std::nullopt;
  EXPECT_EQ(clean(x, butter_off, Eigen::MatrixXd(), kept), clean(x, none, Eigen::MatrixXd(), kept));
}

TEST(CleanValidation, TooFewKeptVolumes) {
  const Eigen::MatrixXd x = series(40, 2);
  const CleanOptions o;
  expect_error<DataError>([&] { clean(x, o, Eigen::MatrixXd(), std::vector<int64_t>{}); },
                          "--sample-mask keeps no time point");
  std::vector<int> runs(40, 1);
  for (int i = 20; i < 40; ++i) runs[static_cast<std::size_t>(i)] = 2;
  std::vector<int64_t> kept = all_but(40, {});
  kept.erase(kept.begin() + 21, kept.end());  // run 2 keeps only time point 20
  expect_error<DataError>([&] { clean(x, o, Eigen::MatrixXd(), kept, runs); },
                          "--sample-mask keeps 1 time point of run 2; interpolating");
}

// filtfilt pads 3 * max(len(a), len(b)) samples (33 for a band pass): shorter runs are an
// error, not a silent NaN.
TEST(CleanValidation, RunTooShortForTheFilter) {
  CleanOptions o;
  o.t_r = 2.0;
  o.low_pass = 0.1;
  o.high_pass = 0.01;
  expect_error<DataError>([&] { clean(series(30, 1), o); }, "the signal has 30 time points");
  std::vector<int> runs(70, 0);
  for (int i = 40; i < 70; ++i) runs[static_cast<std::size_t>(i)] = 5;
  expect_error<DataError>([&] { clean(series(70, 1), o, Eigen::MatrixXd(), std::nullopt, runs); },
                          "run 5: butterworth: the signal has 30 time points");
}

// Each run is cleaned on its own; the outputs are stacked in ascending run label, whatever
// the order of the labels in time (np.unique).
TEST(Clean, RunsAreCleanedIndependentlyInLabelOrder) {
  const Eigen::MatrixXd x = series(90, 3);
  const Eigen::MatrixXd c = series(90, 2, 2.0);
  std::vector<int> runs(90);
  std::vector<int64_t> rows_a;
  std::vector<int64_t> rows_b;
  for (int i = 0; i < 90; ++i) {
    const bool in_b = i < 50;  // label 7 comes first in time, label 3 second
    runs[static_cast<std::size_t>(i)] = in_b ? 7 : 3;
    (in_b ? rows_b : rows_a).push_back(i);
  }
  CleanOptions o;
  o.t_r = 2.0;
  o.low_pass = 0.1;
  o.high_pass = 0.01;
  o.standardize = Standardize::ZScoreSample;
  o.standardize_confounds = false;  // honoured in every run (nilearn drops it there)
  const Eigen::MatrixXd got = clean(x, o, c, std::nullopt, runs);
  ASSERT_EQ(got.rows(), 90);
  auto rows = [](const Eigen::MatrixXd& m, const std::vector<int64_t>& r) {
    Eigen::MatrixXd out(static_cast<Eigen::Index>(r.size()), m.cols());
    for (std::size_t i = 0; i < r.size(); ++i) out.row(static_cast<Eigen::Index>(i)) = m.row(r[i]);
    return out;
  };
  EXPECT_EQ(got.topRows(40), clean(rows(x, rows_a), o, rows(c, rows_a)));
  EXPECT_EQ(got.bottomRows(50), clean(rows(x, rows_b), o, rows(c, rows_b)));
}

// A global kept-index mask is split per run into positions within the run.
TEST(Clean, SampleMaskIsSplitAcrossRuns) {
  const Eigen::MatrixXd x = series(60, 2);
  std::vector<int> runs(60, 0);
  for (int i = 30; i < 60; ++i) runs[static_cast<std::size_t>(i)] = 1;
  const std::vector<int64_t> kept = all_but(60, {2, 17, 31, 45, 59});
  CleanOptions o;
  o.t_r = 2.0;
  o.low_pass = 0.12;
  const Eigen::MatrixXd got = clean(x, o, Eigen::MatrixXd(), kept, runs);
  ASSERT_EQ(got.rows(), 55);
  EXPECT_EQ(got.topRows(28), clean(x.topRows(30), o, Eigen::MatrixXd(), all_but(30, {2, 17})));
  EXPECT_EQ(got.bottomRows(27),
            clean(x.bottomRows(30), o, Eigen::MatrixXd(), all_but(30, {1, 15, 29})));
}

// Quirk 2 through clean(): an exact line with spikes at the censored volumes 3 and 6 of 10
// (mirrors of each other). CensoredVolumes interpolates them back onto the line, so the
// detrended kept volumes are 0; nilearn's mirrored rows leave the spikes in the detrend fit.
TEST(Clean, ScrubInterpolationModes) {
  Eigen::MatrixXd x(10, 2);
  for (Eigen::Index i = 0; i < 10; ++i) {
    x(i, 0) = 1.0 + 0.5 * static_cast<double>(i);
    x(i, 1) = 4.0 - 2.0 * static_cast<double>(i);
  }
  x.row(3).setConstant(50.0);
  x.row(6).setConstant(-20.0);
  const std::vector<int64_t> kept = all_but(10, {3, 6});
  CleanOptions o;  // butterworth, t_r 2.5, no cut-off: interpolate, detrend, censor
  o.standardize = Standardize::None;
  o.interpolation = ScrubInterpolation::CensoredVolumes;
  const Eigen::MatrixXd censored = clean(x, o, Eigen::MatrixXd(), kept);
  ASSERT_EQ(censored.rows(), 8);
  EXPECT_LE(censored.cwiseAbs().maxCoeff(), 1e-12);
  o.interpolation = ScrubInterpolation::NilearnMirrored;
  const Eigen::MatrixXd mirrored = clean(x, o, Eigen::MatrixXd(), kept);
  ASSERT_EQ(mirrored.rows(), 8);
  EXPECT_GT(mirrored.cwiseAbs().maxCoeff(), 1.0);
}

// nilearn _cosine_drift without the constant: order floor(2 n hp dt), orthonormal DCT-II.
TEST(CosineDrift, TermsAndOrder) {
  const Eigen::MatrixXd d = cosine_drift(0.01, frame_times(80, 2.0));
  ASSERT_EQ(d.rows(), 80);
  ASSERT_EQ(d.cols(), 3);  // floor(2 * 80 * 0.01 * 2) = 3
  EXPECT_NEAR(d(0, 0), std::sqrt(2.0 / 80.0) * std::cos(3.141592653589793 / 80.0 * 0.5), 1e-15);
  EXPECT_NEAR(d(41, 2), std::sqrt(2.0 / 80.0) * std::cos(3.141592653589793 / 80.0 * 41.5 * 3.0),
              1e-15);
  EXPECT_LE((d.transpose() * d - Eigen::MatrixXd::Identity(3, 3)).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_EQ(cosine_drift(0.001, frame_times(20, 2.0)).cols(), 0);  // too short for the cut-off
}

TEST(CosineDrift, DetectsUserCosines) {
  const Eigen::MatrixXd d = cosine_drift(0.01, frame_times(80, 2.0));
  Eigen::MatrixXd c = series(80, 2);
  EXPECT_FALSE(cosine_drift_in_confounds(d, c));
  c.col(1) = 3.0 * d.col(1) + Eigen::VectorXd::Constant(80, 2.0);
  EXPECT_TRUE(cosine_drift_in_confounds(d, c));
  c.col(1) = -d.col(1);  // anti-correlated does not count (nilearn compares r > 0.9)
  EXPECT_FALSE(cosine_drift_in_confounds(d, c));
  c.col(1).setConstant(1.0);  // zero variance never counts
  EXPECT_FALSE(cosine_drift_in_confounds(d, c));
}

// The cosine filter adds the drift terms as confounds, so it equals regressing them by hand.
TEST(Clean, CosineFilterRegressesTheDriftTerms) {
  const Eigen::MatrixXd x = series(60, 3);
  CleanOptions o;
  o.filter = TemporalFilter::Cosine;
  o.high_pass = 0.02;
  o.t_r = 2.0;
  o.standardize = Standardize::None;
  CleanOptions plain = o;
  plain.filter = TemporalFilter::None;
  plain.high_pass = std::nullopt;
  const Eigen::MatrixXd drift = cosine_drift(0.02, frame_times(60, 2.0));
  EXPECT_LE((clean(x, o) - clean(x, plain, drift)).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(ConfoundRegression, RemovesTheConfoundSpan) {
  Eigen::MatrixXd s = series(50, 3);
  const Eigen::MatrixXd c = series(50, 2, 4.0);
  Eigen::MatrixXd with_dependent(50, 4);
  with_dependent << c, c.col(0) * 2.0 - c.col(1), Eigen::VectorXd::Ones(50);
  Eigen::MatrixXd a = s;
  regress_confounds(a, with_dependent, true);
  // z-scored confounds: the constant column becomes 0 and the dependent one adds nothing, so
  // the residuals are orthogonal to the centred confounds.
  Eigen::MatrixXd centred = c;
  centred.rowwise() -= c.colwise().mean();
  EXPECT_LE((centred.transpose() * a).cwiseAbs().maxCoeff(), 1e-9);
  // Max-abs scaling keeps the constant: residuals then have zero mean too.
  Eigen::MatrixXd b = s;
  regress_confounds(b, with_dependent, false);
  EXPECT_LE(b.colwise().sum().cwiseAbs().maxCoeff(), 1e-9);
  EXPECT_LE((c.transpose() * b).cwiseAbs().maxCoeff(), 1e-8);
}
