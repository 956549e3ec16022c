// Zero-phase Butterworth filtering, as nilearn 0.10.2 signal.butterworth (reference README
// quirk 7): scipy.signal.butter(order, Wn, btype, fs) in b/a form, then scipy.signal.filtfilt
// with odd padding, applied column by column.
#pragma once

#include <Eigen/Core>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace brainenc::preprocessing {

// Receives the warnings nilearn raises (cut-off moved below Nyquist, filter skipped, ...).
// An empty handler drops them.
using WarningHandler = std::function<void(const std::string&)>;

enum class FilterBand { Lowpass, Highpass, Bandpass };

// Transfer function coefficients, a[0] == 1.
struct FilterCoefficients {
  Eigen::VectorXd b;
  Eigen::VectorXd a;
};

// scipy.signal.butter(order, critical_hz, btype, fs=sampling_rate, output='ba') as scipy 1.10
// computes it: analog prototype (buttap), frequency pre-warping, lp2lp/lp2hp/lp2bp in
// zero-pole-gain form, bilinear transform, then expansion to polynomials (zpk2tf).
// critical_hz holds one frequency (low/high pass) or two ascending ones (band pass), each
// in (0, sampling_rate / 2). UsageError otherwise.
FilterCoefficients butter(int order, const std::vector<double>& critical_hz, FilterBand band,
                          double sampling_rate);

// Steady-state initial conditions of the filter's step response (scipy.signal.lfilter_zi).
Eigen::VectorXd lfilter_zi(const FilterCoefficients& f);

// Forward-backward filtering of one series in place, as scipy.signal.filtfilt(padtype='odd',
// method='pad'): odd extension of padlen samples at each end (padlen < 0: scipy's default
// 3 * max(len(a), len(b))), lfilter_zi initial conditions scaled by the first sample of each
// pass. DataError when the series has no more than padlen samples.
void filtfilt_inplace(const FilterCoefficients& f, Eigen::Ref<Eigen::VectorXd> x,
                      Eigen::Index padlen = -1);

// nilearn.signal.butterworth(signals, sampling_rate, low_pass, high_pass, order) on each
// column of `signals` (time x features):
// - no cut-off: the signals unchanged;
// - high_pass >= low_pass: UsageError; a cut-off <= 0 or not finite: UsageError;
// - a cut-off >= Nyquist is moved to nyq * (1 - 10 eps) (nilearn _check_wn, with a warning);
// - band pass whose two cut-offs collapse onto that value: unfiltered, with a warning.
Eigen::MatrixXd butterworth(const Eigen::MatrixXd& signals, double sampling_rate,
                            std::optional<double> low_pass, std::optional<double> high_pass,
                            int order = 5, const WarningHandler& warn = {});

}  // namespace brainenc::preprocessing
