// Butterworth design (scipy 1.10 signal.butter, b/a output) and zero-phase filtering (scipy
// signal.filtfilt, odd padding), wrapped with nilearn 0.10.2 signal.butterworth's cut-off
// handling.
#include "brainenc/preprocessing/butterworth.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdlib>
#include <limits>
#include <sstream>

#include "brainenc/io/error.hpp"
#include "lapack_lu.hpp"
#include "python_repr.hpp"

namespace brainenc::preprocessing {

namespace {

using Complex = std::complex<double>;
constexpr double kPi = 3.141592653589793;  // numpy.pi
constexpr double kEps = std::numeric_limits<double>::epsilon();

// Products and quotients spelled out as numpy evaluates them (textbook product, Smith's
// quotient), so the poles agree with scipy's to the last bit where libm agrees.
Complex mul(Complex x, Complex y) {
  return {x.real() * y.real() - x.imag() * y.imag(), x.real() * y.imag() + x.imag() * y.real()};
}

Complex divide(Complex num, Complex den) {
  const double dr = den.real();
  const double di = den.imag();
  if (dr == 0.0 && di == 0.0) throw RuntimeError("butterworth: division by zero in filter design");
  if (std::abs(dr) >= std::abs(di)) {
    const double rat = di / dr;
    const double scl = 1.0 / (dr + di * rat);
    return {(num.real() + num.imag() * rat) * scl, (num.imag() - num.real() * rat) * scl};
  }
  const double rat = dr / di;
  const double scl = 1.0 / (di + dr * rat);
  return {(num.real() * rat + num.imag()) * scl, (num.imag() * rat - num.real()) * scl};
}

// numpy.prod of complex values: a sequential reduction whose products numpy evaluates with
// fused multiply-adds (re = fma(ar, br, -ai bi), im = fma(ar, bi, ai br)).
Complex product(const std::vector<Complex>& v) {
  Complex acc(1.0, 0.0);
  for (const Complex& c : v) {
    acc = {std::fma(acc.real(), c.real(), -(acc.imag() * c.imag())),
           std::fma(acc.real(), c.imag(), acc.imag() * c.real())};
  }
  return acc;
}

// Zeros, poles and gain of a filter.
struct Zpk {
  std::vector<Complex> z;
  std::vector<Complex> p;
  double k = 1.0;
};

// Analog Butterworth low-pass prototype (scipy buttap): poles -exp(i pi m / (2N)) for
// m = -N+1, -N+3, ..., N-1, no zeros, unit gain. numpy forms the angle as (pi m) * (1/(2N)).
Zpk buttap(int order) {
  Zpk f;
  const double inv = 1.0 / static_cast<double>(2 * order);
  for (int m = -order + 1; m < order; m += 2) {
    const double theta = (kPi * static_cast<double>(m)) * inv;
    f.p.emplace_back(-std::cos(theta), -std::sin(theta));
  }
  return f;
}

// Degree of the zeros at infinity: poles minus finite zeros.
std::size_t relative_degree(const Zpk& f) { return f.p.size() - f.z.size(); }

Zpk lowpass_to_lowpass(const Zpk& f, double wo) {
  Zpk out;
  for (const Complex& z : f.z) out.z.push_back(mul(z, Complex(wo, 0.0)));
  for (const Complex& p : f.p) out.p.push_back(mul(p, Complex(wo, 0.0)));
  out.k = f.k * std::pow(wo, static_cast<double>(relative_degree(f)));
  return out;
}

// Inversion about the unit circle; zeros at infinity move to the origin.
Zpk lowpass_to_highpass(const Zpk& f, double wo) {
  Zpk out;
  for (const Complex& z : f.z) out.z.push_back(divide(Complex(wo, 0.0), z));
  for (const Complex& p : f.p) out.p.push_back(divide(Complex(wo, 0.0), p));
  out.z.insert(out.z.end(), relative_degree(f), Complex(0.0, 0.0));
  std::vector<Complex> minus_z;
  std::vector<Complex> minus_p;
  for (const Complex& z : f.z) minus_z.push_back(-z);
  for (const Complex& p : f.p) minus_p.push_back(-p);
  out.k = f.k * divide(product(minus_z), product(minus_p)).real();
  return out;
}

// Each root r scaled to r*bw/2, then split into r' +- sqrt(r'^2 - wo^2); zeros at infinity
// are split between the origin and infinity.
Zpk lowpass_to_bandpass(const Zpk& f, double wo, double bw) {
  const double wo2 = std::pow(wo, 2.0);
  auto shift = [&](const std::vector<Complex>& roots, std::vector<Complex>& out) {
    std::vector<Complex> scaled;
    for (const Complex& r : roots) scaled.push_back(mul(r, Complex(bw, 0.0)) / 2.0);
    std::vector<Complex> minus;
    for (const Complex& r : scaled) {
      const Complex sq = mul(r, r);
      const Complex root = std::sqrt(Complex(sq.real() - wo2, sq.imag()));
      out.push_back(r + root);
      minus.push_back(r - root);
    }
    out.insert(out.end(), minus.begin(), minus.end());
  };
  Zpk out;
  shift(f.z, out.z);
  shift(f.p, out.p);
  out.z.insert(out.z.end(), relative_degree(f), Complex(0.0, 0.0));
  out.k = f.k * std::pow(bw, static_cast<double>(relative_degree(f)));
  return out;
}

// Bilinear transform with fs = 2 (the design frequencies were pre-warped for it); zeros at
// infinity land on Nyquist (z = -1).
Zpk bilinear(const Zpk& f) {
  const Complex fs2(4.0, 0.0);
  Zpk out;
  std::vector<Complex> num;
  std::vector<Complex> den;
  for (const Complex& z : f.z) {
    out.z.push_back(divide(fs2 + z, fs2 - z));
    num.push_back(fs2 - z);
  }
  for (const Complex& p : f.p) {
    out.p.push_back(divide(fs2 + p, fs2 - p));
    den.push_back(fs2 - p);
  }
  out.z.insert(out.z.end(), relative_degree(f), Complex(-1.0, 0.0));
  out.k = f.k * divide(product(num), product(den)).real();
  return out;
}

// Monic polynomial with the given roots, highest power first (numpy.poly: successive
// convolutions with [1, -r]). The roots come in conjugate pairs, so the real part is kept.
Eigen::VectorXd poly(const std::vector<Complex>& roots) {
  std::vector<Complex> c{Complex(1.0, 0.0)};
  for (const Complex& r : roots) {
    std::vector<Complex> next(c.size() + 1);
    next[0] = c[0];
    for (std::size_t j = 1; j < c.size(); ++j) next[j] = c[j] + mul(c[j - 1], -r);
    next[c.size()] = mul(c.back(), -r);
    c = std::move(next);
  }
  Eigen::VectorXd out(static_cast<Eigen::Index>(c.size()));
  for (std::size_t j = 0; j < c.size(); ++j) out[static_cast<Eigen::Index>(j)] = c[j].real();
  return out;
}

// Direct form II transposed filter, the recurrence of scipy's lfilter (a[0] == 1):
// y = z0 + b0 x; z_i = z_{i+1} + b_{i+1} x - a_{i+1} y; z_last = b_last x - a_last y.
void lfilter_inplace(const FilterCoefficients& f, std::vector<double>& x,
                     const Eigen::VectorXd& zi_scaled, bool reverse) {
  const Eigen::Index taps = f.b.size();
  Eigen::VectorXd z = zi_scaled;
  const std::size_t n = x.size();
  for (std::size_t step = 0; step < n; ++step) {
    double& v = x[reverse ? n - 1 - step : step];
    const double xn = v;
    const double yn = z[0] + f.b[0] * xn;
    for (Eigen::Index i = 0; i + 2 < taps; ++i) z[i] = z[i + 1] + xn * f.b[i + 1] - yn * f.a[i + 1];
    z[taps - 2] = xn * f.b[taps - 1] - yn * f.a[taps - 1];
    v = yn;
  }
}

// nilearn _check_wn: a cut-off at or above Nyquist is moved just below it.
double check_wn(const char* kind, double freq, double nyq, const WarningHandler& warn) {
  if (freq >= nyq) {
    freq = nyq - (nyq * 10.0 * kEps);
    if (warn) {
      warn(std::string("The frequency specified for the ") + kind +
           " pass filter is too high to be handled by a digital filter (superior to Nyquist "
           "frequency). It has been lowered to " +
           python_repr(freq) + " (Nyquist frequency).");
    }
  }
  return freq;
}

}  // namespace

FilterCoefficients butter(int order, const std::vector<double>& critical_hz, FilterBand band,
                          double sampling_rate) {
  if (order < 1)
    throw UsageError("butterworth: the filter order must be >= 1, got " + std::to_string(order));
  if (!(sampling_rate > 0.0) || !std::isfinite(sampling_rate)) {
    throw UsageError("butterworth: the sampling rate must be positive, got " +
                     python_repr(sampling_rate));
  }
  const std::size_t expected = band == FilterBand::Bandpass ? 2 : 1;
  if (critical_hz.size() != expected) {
    throw UsageError("butterworth: a band pass takes two cut-offs, low and high pass one");
  }
  // Normalise to Nyquist = 1 as scipy iirfilter (2 * Wn / fs), then pre-warp for fs = 2.
  std::vector<double> warped;
  for (double hz : critical_hz) {
    const double wn = 2.0 * hz / sampling_rate;
    if (!(wn > 0.0 && wn < 1.0)) {
      throw UsageError("butterworth: cut-off " + python_repr(hz) + " Hz must lie in (0, " +
                       python_repr(sampling_rate / 2.0) + ") Hz (0 < Wn < Nyquist)");
    }
    warped.push_back(4.0 * std::tan(kPi * wn / 2.0));
  }
  if (band == FilterBand::Bandpass && !(critical_hz[0] < critical_hz[1])) {
    throw UsageError("butterworth: the band-pass cut-offs must be ascending");
  }

  Zpk f = buttap(order);
  switch (band) {
    case FilterBand::Lowpass:
      f = lowpass_to_lowpass(f, warped[0]);
      break;
    case FilterBand::Highpass:
      f = lowpass_to_highpass(f, warped[0]);
      break;
    case FilterBand::Bandpass:
      f = lowpass_to_bandpass(f, std::sqrt(warped[0] * warped[1]), warped[1] - warped[0]);
      break;
  }
  f = bilinear(f);
  FilterCoefficients out;
  out.b = f.k * poly(f.z);
  out.a = poly(f.p);
  return out;
}

Eigen::VectorXd lfilter_zi(const FilterCoefficients& f) {
  // zi solves (I - A^T) zi = b[1:] - a[1:] b[0], A the companion matrix of a (a[0] == 1).
  const Eigen::Index n = std::max(f.a.size(), f.b.size());
  Eigen::VectorXd a = Eigen::VectorXd::Zero(n);
  Eigen::VectorXd b = Eigen::VectorXd::Zero(n);
  a.head(f.a.size()) = f.a / f.a[0];
  b.head(f.b.size()) = f.b / f.a[0];
  if (n < 2) return Eigen::VectorXd();
  Eigen::MatrixXd system = Eigen::MatrixXd::Identity(n - 1, n - 1);
  for (Eigen::Index i = 0; i < n - 1; ++i) {
    system(i, 0) += a[i + 1];
    if (i + 1 < n - 1) system(i, i + 1) -= 1.0;
  }
  const Eigen::VectorXd rhs = b.tail(n - 1) - a.tail(n - 1) * b[0];
  // numpy.linalg.solve is LAPACK dgesv; the system is ill-conditioned for low cut-offs, so
  // the same operations keep the initial conditions (and the output) at parity with scipy.
  return detail::lapack_solve(system, rhs);
}

void filtfilt_inplace(const FilterCoefficients& f, Eigen::Ref<Eigen::VectorXd> x,
                      Eigen::Index padlen) {
  if (f.a.size() != f.b.size() || f.a.size() < 2 || f.a[0] != 1.0) {
    throw UsageError("filtfilt: expects a[0] == 1 and as many a as b coefficients");
  }
  const Eigen::Index n = x.size();
  const Eigen::Index edge = padlen < 0 ? 3 * f.a.size() : padlen;
  if (n <= edge) {
    throw DataError("butterworth: the signal has " + std::to_string(n) +
                    " time points; zero-phase filtering pads " + std::to_string(edge) +
                    " samples at each end and needs more than that");
  }
  // Odd extension: 2 x[0] - x[edge..1] before, 2 x[n-1] - x[n-2..n-1-edge] after.
  std::vector<double> ext(static_cast<std::size_t>(n + 2 * edge));
  for (Eigen::Index i = 0; i < edge; ++i) {
    ext[static_cast<std::size_t>(i)] = 2.0 * x[0] - x[edge - i];
    ext[static_cast<std::size_t>(edge + n + i)] = 2.0 * x[n - 1] - x[n - 2 - i];
  }
  for (Eigen::Index i = 0; i < n; ++i) ext[static_cast<std::size_t>(edge + i)] = x[i];

  const Eigen::VectorXd zi = lfilter_zi(f);
  lfilter_inplace(f, ext, zi * ext.front(), false);
  lfilter_inplace(f, ext, zi * ext.back(), true);
  for (Eigen::Index i = 0; i < n; ++i) x[i] = ext[static_cast<std::size_t>(edge + i)];
}

Eigen::MatrixXd butterworth(const Eigen::MatrixXd& signals, double sampling_rate,
                            std::optional<double> low_pass, std::optional<double> high_pass,
                            int order, const WarningHandler& warn) {
  if (!low_pass && !high_pass) return signals;
  for (const auto& [name, value] :
       {std::pair{"--low-pass", low_pass}, std::pair{"--high-pass", high_pass}}) {
    if (value && !(*value > 0.0 && std::isfinite(*value))) {
      throw UsageError(std::string(name) + " must be a positive frequency in Hz, got " +
                       python_repr(*value));
    }
  }
  if (low_pass && high_pass && *high_pass >= *low_pass) {
    throw UsageError("--high-pass (" + python_repr(*high_pass) +
                     " Hz) must be lower than --low-pass (" + python_repr(*low_pass) + " Hz)");
  }
  if (!(sampling_rate > 0.0) || !std::isfinite(sampling_rate)) {
    throw UsageError("butterworth: the sampling rate must be positive (check --t-r), got " +
                     python_repr(sampling_rate));
  }
  const double nyq = sampling_rate * 0.5;
  std::vector<double> critical;
  if (high_pass) critical.push_back(check_wn("high", *high_pass, nyq, warn));
  if (low_pass) critical.push_back(check_wn("low", *low_pass, nyq, warn));
  FilterBand band = low_pass ? FilterBand::Lowpass : FilterBand::Highpass;
  if (critical.size() == 2) {
    band = FilterBand::Bandpass;
    if (critical[0] == critical[1]) {
      if (warn) {
        warn(
            "Signals are returned unfiltered because band-pass critical frequencies are "
            "equal. Please check that inputs for sampling_rate, low_pass, and high_pass "
            "are valid.");
      }
      return signals;
    }
  }
  const FilterCoefficients f = butter(order, critical, band, sampling_rate);
  Eigen::MatrixXd out = signals;
  for (Eigen::Index j = 0; j < out.cols(); ++j) filtfilt_inplace(f, out.col(j));
  return out;
}

}  // namespace brainenc::preprocessing
