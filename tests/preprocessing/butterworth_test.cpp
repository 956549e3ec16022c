// Butterworth design and zero-phase filtering against scipy 1.10.1 (Debian 1.10.1-2): every
// expected number below was computed once with scipy.signal.butter / lfilter_zi / filtfilt.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "brainenc/io/error.hpp"
#include "brainenc/preprocessing/butterworth.hpp"

using namespace brainenc;
using namespace brainenc::preprocessing;

namespace {

Eigen::VectorXd vec(const std::vector<double>& v) {
  return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
}

void expect_coefficients(const FilterCoefficients& f, const std::vector<double>& b,
                         const std::vector<double>& a, double tol) {
  ASSERT_EQ(f.b.size(), static_cast<Eigen::Index>(b.size()));
  ASSERT_EQ(f.a.size(), static_cast<Eigen::Index>(a.size()));
  for (std::size_t i = 0; i < b.size(); ++i) EXPECT_NEAR(f.b[i], b[i], tol) << "b[" << i << "]";
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(f.a[i], a[i], tol) << "a[" << i << "]";
}

Eigen::MatrixXd test_signal(Eigen::Index n, Eigen::Index cols) {
  Eigen::MatrixXd x(n, cols);
  for (Eigen::Index j = 0; j < cols; ++j) {
    for (Eigen::Index i = 0; i < n; ++i) {
      x(i, j) = std::sin(0.37 * static_cast<double>(i * (j + 1))) + 0.01 * static_cast<double>(i);
    }
  }
  return x;
}

}  // namespace

// scipy.signal.butter(5, [0.01, 0.1], 'band', fs=0.5)
TEST(Butter, BandPassMatchesScipy) {
  const FilterCoefficients f = butter(5, {0.01, 0.1}, FilterBand::Bandpass, 0.5);
  expect_coefficients(
      f,
      {0.014439919037060494, 0.0, -0.07219959518530247, 0.0, 0.14439919037060495, 0.0,
       -0.14439919037060495, 0.0, 0.07219959518530247, 0.0, -0.014439919037060494},
      {1.0, -5.822842532239638, 15.393444728020919, -24.752785984312847, 27.228392000815525,
       -21.54973119334459, 12.380503397966933, -5.068468708472571, 1.417835489706826,
       -0.24579447885526703, 0.019470205558553628},
      1e-14);
  // scipy.signal.lfilter_zi(b, a): ill-conditioned (poles near 1), hence LAPACK's rounding.
  const std::vector<double> zi{-0.014439919038440574, -0.014439919030404577, 0.05775967613365368,
                               0.05775967616781454,   -0.08663951424036775,  -0.08663951421062738,
                               0.05775967614289147,   0.05775967614988636,   -0.014439919037372838,
                               -0.014439919037033622};
  const Eigen::VectorXd got = lfilter_zi(f);
  ASSERT_EQ(got.size(), 10);
  for (Eigen::Index i = 0; i < 10; ++i) EXPECT_NEAR(got[i], zi[static_cast<std::size_t>(i)], 1e-12);
}

// scipy.signal.butter(5, 0.1, 'low', fs=0.5) and butter(5, 0.1, 'low', fs=1.25)
TEST(Butter, LowPassMatchesScipy) {
  expect_coefficients(butter(5, {0.1}, FilterBand::Lowpass, 0.5),
                      {0.02193962068846417, 0.10969810344232085, 0.2193962068846417,
                       0.2193962068846417, 0.10969810344232085, 0.02193962068846417},
                      {1.0, -0.9853252392792379, 0.973849331836764, -0.3863565586484487,
                       0.11116384057834199, -0.011263512456565873},
                      1e-15);
  expect_coefficients(butter(5, {0.1}, FilterBand::Lowpass, 1.25),
                      {0.0004894360861346694, 0.002447180430673347, 0.004894360861346694,
                       0.004894360861346694, 0.002447180430673347, 0.0004894360861346694},
                      {1.0, -3.378011394596869, 4.751775374707018, -3.4397133108355904,
                       1.273999881482925, -0.19238859600117342},
                      1e-14);
}

// scipy.signal.butter(5, 0.01, 'high', fs=0.5)
TEST(Butter, HighPassMatchesScipy) {
  const FilterCoefficients f = butter(5, {0.01}, FilterBand::Highpass, 0.5);
  expect_coefficients(f,
                      {0.8158753202371108, -4.079376601185555, 8.15875320237111, -8.15875320237111,
                       4.079376601185555, -0.8158753202371108},
                      {1.0, -4.593421399807688, 8.455115223510132, -7.794918318044446,
                       3.598902768053913, -0.6656525381713612},
                      1e-14);
  const std::vector<double> zi{-0.8158753202620296, 3.263501281037987, -4.895251921543813,
                               3.263501281021536, -0.8158753202536982};
  const Eigen::VectorXd got = lfilter_zi(f);
  for (Eigen::Index i = 0; i < 5; ++i) EXPECT_NEAR(got[i], zi[static_cast<std::size_t>(i)], 1e-12);
}

TEST(Butter, RejectsCutOffsOutsideNyquist) {
  EXPECT_THROW(butter(5, {0.3}, FilterBand::Lowpass, 0.5), UsageError);
  EXPECT_THROW(butter(5, {0.0}, FilterBand::Highpass, 0.5), UsageError);
  EXPECT_THROW(butter(5, {0.1, 0.01}, FilterBand::Bandpass, 0.5), UsageError);
  EXPECT_THROW(butter(5, {0.1}, FilterBand::Bandpass, 0.5), UsageError);
}

// x = arange(30) ** 1.5 % 7; b, a = butter(2, 0.2, 'low', fs=2.0);
// filtfilt(b, a, x, padtype='odd', padlen=9)
TEST(Filtfilt, MatchesScipy) {
  const FilterCoefficients f = butter(2, {0.2}, FilterBand::Lowpass, 2.0);
  expect_coefficients(f, {0.06745527388907192, 0.13491054777814385, 0.06745527388907192},
                      {1.0, -1.1429805025399011, 0.41280159809618877}, 1e-15);
  Eigen::VectorXd x(30);
  for (int i = 0; i < 30; ++i) x[i] = std::fmod(std::pow(static_cast<double>(i), 1.5), 7.0);
  filtfilt_inplace(f, x, 9);
  const std::vector<double> want{
      0.005640657158439755, 1.11133579854397,   2.0301470210363624, 2.6262758721403356,
      2.905613564700614,    3.008362330458335,  3.0962654055131655, 3.2602025926823544,
      3.4969515403456093,   3.7355393822687475, 3.907190286712974,  3.98469274231796,
      3.919924283117529,    3.641840279157626,  3.1987636814829106, 2.811753056213621,
      2.747141426385548,    3.1334666597324046, 3.8450724767162088, 4.5931990255835995,
      5.160536994008662,    5.499940909543319,  5.64892620348561,   5.629350475343228,
      5.410951674618523,    4.937436772591216,  4.217534937977643,  3.4051716597638215,
      2.7052881900384973,   2.163108266530954};
  EXPECT_LE((x - vec(want)).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(Filtfilt, ShortSignalIsADataError) {
  const FilterCoefficients f = butter(5, {0.01, 0.1}, FilterBand::Bandpass, 0.5);
  Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(33, 0.0, 1.0);  // padlen = 3 * 11 = 33
  try {
    filtfilt_inplace(f, x);
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("33 time points"), std::string::npos) << e.what();
  }
}

TEST(Butterworth, NoCutOffReturnsTheSignals) {
  const Eigen::MatrixXd x = test_signal(50, 3);
  EXPECT_EQ(butterworth(x, 0.5, std::nullopt, std::nullopt), x);
}

TEST(Butterworth, FiltersEachColumnOnItsOwn) {
  const Eigen::MatrixXd x = test_signal(60, 3);
  const Eigen::MatrixXd all = butterworth(x, 0.5, 0.1, 0.01);
  for (Eigen::Index j = 0; j < 3; ++j) {
    const Eigen::MatrixXd one = butterworth(x.col(j), 0.5, 0.1, 0.01);
    EXPECT_EQ(all.col(j), one.col(0));
  }
  // The pass band keeps a 0.05 Hz sine (sampled at 0.5 Hz) and the high-pass removes a
  // constant offset: a sanity check of the design, away from the edges.
  Eigen::MatrixXd sine(200, 1);
  for (Eigen::Index i = 0; i < 200; ++i) {
    sine(i, 0) = 3.0 + std::sin(2.0 * 3.141592653589793 * 0.05 * static_cast<double>(i) * 2.0);
  }
  const Eigen::MatrixXd out = butterworth(sine, 0.5, 0.1, 0.01);
  for (Eigen::Index i = 50; i < 150; ++i) EXPECT_NEAR(out(i, 0), sine(i, 0) - 3.0, 0.02) << i;
}

TEST(Butterworth, HighPassNotBelowLowPassIsAUsageError) {
  const Eigen::MatrixXd x = test_signal(60, 1);
  try {
    butterworth(x, 0.5, 0.01, 0.1);
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--high-pass (0.1 Hz) must be lower than --low-pass"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(butterworth(x, 0.5, 0.1, 0.1), UsageError);
  EXPECT_THROW(butterworth(x, 0.5, -0.1, std::nullopt), UsageError);
  EXPECT_THROW(butterworth(x, 0.0, 0.1, std::nullopt), UsageError);
}

// nilearn _check_wn: a cut-off at or above Nyquist becomes nyq * (1 - 10 eps), with a warning.
TEST(Butterworth, CutOffAboveNyquistIsMovedBelowIt) {
  const Eigen::MatrixXd x = test_signal(60, 2);
  std::vector<std::string> warnings;
  const Eigen::MatrixXd got = butterworth(x, 0.5, 0.3, std::nullopt, 5,
                                          [&](const std::string& w) { warnings.push_back(w); });
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("low pass filter is too high"), std::string::npos);
  EXPECT_NE(warnings[0].find("0.24999999999999944"), std::string::npos) << warnings[0];
  const double moved = 0.25 - 0.25 * 10.0 * std::numeric_limits<double>::epsilon();
  EXPECT_EQ(got, butterworth(x, 0.5, moved, std::nullopt));
}

// Both cut-offs above Nyquist collapse onto the same value: nilearn returns the signals.
TEST(Butterworth, CollapsedBandReturnsTheSignals) {
  const Eigen::MatrixXd x = test_signal(60, 2);
  std::vector<std::string> warnings;
  const Eigen::MatrixXd got =
      butterworth(x, 0.5, 0.4, 0.3, 5, [&](const std::string& w) { warnings.push_back(w); });
  EXPECT_EQ(got, x);
  ASSERT_EQ(warnings.size(), 3u);
  EXPECT_NE(warnings[2].find("returned unfiltered"), std::string::npos);
}
