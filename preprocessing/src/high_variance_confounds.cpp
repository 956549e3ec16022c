// nilearn 0.10.2 signal.high_variance_confounds / image.high_variance_confounds, in memory and
// streamed in two passes over the frames.
#include "brainenc/preprocessing/high_variance_confounds.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <limits>

#include "brainenc/io/error.hpp"
#include "brainenc/io/table.hpp"
#include "brainenc/io/volume_reader.hpp"

namespace brainenc::preprocessing {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

// numpy's pairwise summation (umath loops.c: eight partial sums up to 128 values, halves above).
// image.high_variance_confounds hands signal.high_variance_confounds a Fortran-ordered
// (time x voxels) array, so numpy's means over time run along contiguous memory and go through
// this sum: with it the variances are nilearn's bit for bit on tiny_bold, with sequential sums
// only for 589 of its 1680 voxels.
double pairwise_sum(const double* a, int64_t n) {
  if (n < 8) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += a[i];
    return sum;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    int64_t i = 8;
    for (; i < n - n % 8; i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    double sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) sum += a[i];
    return sum;
  }
  int64_t half = n / 2;
  half -= half % 8;
  return pairwise_sum(a, half) + pairwise_sum(a + half, n - half);
}

// signal._detrend's regressor: arange(n) centred and scaled to unit norm (half-integers: exact).
Eigen::VectorXd unit_trend(int64_t n) {
  Eigen::VectorXd r(n);
  const double centre = 0.5 * static_cast<double>(n - 1);
  for (int64_t i = 0; i < n; ++i) r[i] = static_cast<double>(i) - centre;
  const double norm = std::sqrt(r.squaredNorm());
  if (!(norm < kEps)) r /= norm;
  return r;
}

// signal._detrend on one column: the mean (numpy, pairwise) removed, then the projection on the
// regressor (reference BLAS dgemv: a sequential dot product).
void detrend_column(double* x, int64_t n, const Eigen::VectorXd& regressor) {
  const double mean = pairwise_sum(x, n) / static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i) x[i] -= mean;
  double slope = 0.0;
  for (int64_t i = 0; i < n; ++i) slope += regressor[i] * x[i];
  for (int64_t i = 0; i < n; ++i) x[i] -= slope * regressor[i];
}

// Where np.nanpercentile(values, 100 - percentile) (method 'linear') reads n sorted values:
// virtual index (n - 1) q with q = (100 - percentile) / 100, the last value at or above n - 1.
struct PercentileRank {
  int64_t lower = 0, upper = 0;
  double gamma = 0.0;
};

PercentileRank percentile_rank(int64_t n, double percentile) {
  PercentileRank r;
  const double q = (100.0 - percentile) / 100.0;
  const double virtual_index = static_cast<double>(n - 1) * q;
  if (virtual_index >= static_cast<double>(n - 1)) {
    r.lower = r.upper = n - 1;
    return r;
  }
  r.lower = static_cast<int64_t>(std::floor(virtual_index));
  r.upper = r.lower + 1;
  r.gamma = virtual_index - static_cast<double>(r.lower);
  return r;
}

// numpy's _lerp: from the nearer end, so that the result stays within [a, b].
double lerp(double a, double b, double t) {
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

// The end shared by both versions. `series`: the raw columns of every series that could be kept
// (the candidates), modified in place; `n_valid`: how many series of the whole data have a
// finite variance. The candidates hold the n_valid - lower largest variances of the data (see
// select_candidates), which fixes the order statistics the threshold needs.
Eigen::MatrixXd confounds_from_candidates(Eigen::MatrixXd& series, int64_t n_valid,
                                          const HighVarianceOptions& o, const std::string& source) {
  const int64_t T = series.rows(), C = series.cols();
  // nilearn skips detrending a single time point (with a warning).
  if (o.detrend && T > 1) {
    const Eigen::VectorXd regressor = unit_trend(T);
    for (int64_t c = 0; c < C; ++c) detrend_column(series.col(c).data(), T, regressor);
  }
  // _mean_of_squares: NaN for a series with a non-finite value, which nanpercentile skips.
  Eigen::VectorXd var(C);
  std::vector<double> squares(static_cast<size_t>(T));
  std::vector<double> sorted;
  for (int64_t c = 0; c < C; ++c) {
    const double* y = series.col(c).data();
    for (int64_t t = 0; t < T; ++t) squares[size_t(t)] = y[t] * y[t];
    var[c] = pairwise_sum(squares.data(), T) / static_cast<double>(T);
    if (!std::isnan(var[c])) sorted.push_back(var[c]);
  }
  std::sort(sorted.begin(), sorted.end());
  if (n_valid < 0) n_valid = static_cast<int64_t>(sorted.size());
  if (n_valid == 0) throw DataError(source, "no voxel or series has finite values only");
  const PercentileRank rank = percentile_rank(n_valid, o.percentile);
  const int64_t offset = static_cast<int64_t>(sorted.size()) - (n_valid - rank.lower);
  if (offset < 0) throw RuntimeError(source + ": high-variance candidates miss the threshold");
  const double threshold =
      lerp(sorted[size_t(offset)], sorted[size_t(offset + rank.upper - rank.lower)], rank.gamma);
  // The kept columns moved to the front, in order (no copy of the series).
  Eigen::Index m = 0;
  for (Eigen::Index c = 0; c < C; ++c)
    if (var[c] > threshold) {
      if (m != c) series.col(m) = series.col(c);
      ++m;
    }
  if (m < o.n_confounds)
    throw DataError(source, std::to_string(m) + " series lie above the top " +
                                io::format_number(o.percentile) + "% variance threshold; " +
                                std::to_string(o.n_confounds) +
                                " high-variance confounds need at least as many (raise the "
                                "percentile or lower the number of confounds)");

  // scipy.linalg.eigh(Y Y^T / n_time): the leading eigenvectors, largest eigenvalue first.
  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(T, T);
  gram.selfadjointView<Eigen::Lower>().rankUpdate(series.leftCols(m));
  gram /= static_cast<double>(T);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(gram);
  if (eig.info() != Eigen::Success)
    throw RuntimeError(source + ": the eigen decomposition of the high-variance series failed");
  Eigen::MatrixXd out(T, o.n_confounds);
  for (int k = 0; k < o.n_confounds; ++k) {
    out.col(k) = eig.eigenvectors().col(T - 1 - k);
    // Sign convention (header): the largest-magnitude entry is positive.
    Eigen::Index at = 0;
    out.col(k).cwiseAbs().maxCoeff(&at);
    if (out(at, k) < 0) out.col(k) = -out.col(k);
  }
  return out;
}

int64_t minimum_frames(const HighVarianceOptions& o) { return o.n_confounds + (o.detrend ? 2 : 0); }

}  // namespace

void validate(const HighVarianceOptions& options) {
  if (options.n_confounds < 1)
    throw UsageError("high-variance confounds: n_confounds must be at least 1 (got " +
                     std::to_string(options.n_confounds) + ")");
  if (!(options.percentile >= 0.0 && options.percentile <= 100.0))
    throw UsageError("high-variance confounds: percentile must be in [0, 100] (got " +
                     io::format_number(options.percentile) + ")");
}

Eigen::MatrixXd high_variance_confounds(const Eigen::MatrixXd& series,
                                        const HighVarianceOptions& options) {
  validate(options);
  const std::string source = "high_variance_confounds";
  if (series.rows() < minimum_frames(options))
    throw DataError(source, std::to_string(series.rows()) + " time points; " +
                                std::to_string(options.n_confounds) + " confounds need at least " +
                                std::to_string(minimum_frames(options)));
  Eigen::MatrixXd work = series;
  return confounds_from_candidates(work, -1, options, source);
}

HighVarianceConfounds::HighVarianceConfounds(int64_t voxels, int64_t frames,
                                             const HighVarianceOptions& options,
                                             const std::vector<double>& mask,
                                             const std::string& source)
    : options_(options), source_(source), voxels_(voxels), frames_(frames), masked_(!mask.empty()) {
  validate(options);
  if (frames < minimum_frames(options))
    throw DataError(source, "has " + std::to_string(frames) + " volumes; " +
                                std::to_string(options.n_confounds) +
                                " high-variance confounds need at least " +
                                std::to_string(minimum_frames(options)));
  if (masked_) {
    if (static_cast<int64_t>(mask.size()) != voxels)
      throw DataError(source, "mask has " + std::to_string(mask.size()) + " voxels, the image " +
                                  std::to_string(voxels));
    for (int64_t v = 0; v < voxels; ++v)
      if (std::isfinite(mask[size_t(v)]) && mask[size_t(v)] != 0.0) tracked_.push_back(v);
    scratch_.resize(tracked_.size());
  }
  const size_t n = masked_ ? tracked_.size() : size_t(voxels);
  shift_.resize(n);
  s0_.assign(n, 0.0);
  s1_.assign(n, 0.0);
  s2_.assign(n, 0.0);
}

namespace {

// Sums of d = x - shift, t d and d^2 over plain arrays: a loop the compiler vectorises.
template <class T>
void add_deviations(const T* x, size_t n, double t, const double* shift, double* s0, double* s1,
                    double* s2) {
  for (size_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(x[i]) - shift[i];
    s0[i] += d;
    s1[i] += t * d;
    s2[i] += d * d;
  }
}

}  // namespace

template <class T>
void HighVarianceConfounds::accumulate(const T* frame) {
  if (gathered_ > 0 || added_ >= frames_)
    throw RuntimeError(source_ + ": pass 1 got more than " + std::to_string(frames_) + " frames");
  // Sums of d = x - x(0) rather than of x: BOLD values sit on a large mean, and the shift keeps
  // the cancellation in the variance small. NaN and inf propagate into the sums.
  auto step = [&](const auto* x) {
    if (added_ == 0)
      std::copy(x, x + shift_.size(), shift_.begin());
    else
      add_deviations(x, shift_.size(), static_cast<double>(added_), shift_.data(), s0_.data(),
                     s1_.data(), s2_.data());
  };
  if (masked_) {
    // nilearn's apply_mask(ensure_finite=True): non-finite values count as 0.
    for (size_t i = 0; i < tracked_.size(); ++i) {
      const double x = static_cast<double>(frame[tracked_[i]]);
      scratch_[i] = std::isfinite(x) ? x : 0.0;
    }
    step(scratch_.data());
  } else {
    step(frame);
  }
  ++added_;
}

void HighVarianceConfounds::add_frame(const double* frame) { accumulate(frame); }
void HighVarianceConfounds::add_frame(const float* frame) { accumulate(frame); }

// From the sums, the detrended mean of squares v' with an error bound e far above the rounding
// of both this formula and nilearn's (~10 n eps relative to the sum of squares, plus the mean's
// rounding): nilearn's value lies in [v' - e, v' + e].
bool HighVarianceConfounds::variance_bounds(size_t i, double& low, double& high) const {
  const double shift = shift_[i], s0 = s0_[i], s1 = s1_[i], s2 = s2_[i];
  if (!(std::isfinite(shift) && std::isfinite(s0) && std::isfinite(s1) && std::isfinite(s2)))
    return false;
  const double n = static_cast<double>(frames_);
  double var, scale;
  if (options_.detrend && frames_ > 1) {
    const double centred = s1 - 0.5 * (n - 1.0) * s0;
    const double stt = n * (n * n - 1.0) / 12.0;  // sum of (t - mean t)^2
    var = (s2 - s0 * s0 / n - centred * centred / stt) / n;
    scale = s2 / n;
  } else {
    var = (s2 + 2.0 * shift * s0 + n * shift * shift) / n;
    scale = (s2 + 2.0 * std::abs(shift * s0) + n * shift * shift) / n;
  }
  const double mean_rounding = n * kEps * std::abs(shift + s0 / n);
  const double e = 1e-8 * scale + 4.0 * mean_rounding * mean_rounding;
  low = var - e;
  high = var + e;
  return true;
}

// Let L be the `lower`-th smallest v' - e (the threshold's first order statistic, see
// percentile_rank). The `lower`-th smallest true variance is >= L, so every voxel at or above
// the threshold's order statistics has v' + e >= L: those voxels are the candidates, and every
// other voxel lies strictly below them. Near-ties add a few candidates; pass 2 decides exactly.
void HighVarianceConfounds::select_candidates() {
  if (added_ != frames_)
    throw RuntimeError(source_ + ": pass 1 got " + std::to_string(added_) + " of " +
                       std::to_string(frames_) + " frames");
  std::vector<double> lows;
  lows.reserve(shift_.size());
  double low = 0.0, high = 0.0;
  for (size_t i = 0; i < shift_.size(); ++i)
    if (variance_bounds(i, low, high)) lows.push_back(low);
  n_valid_ = static_cast<int64_t>(lows.size());
  if (n_valid_ > 0) {
    const int64_t k = percentile_rank(n_valid_, options_.percentile).lower;
    std::nth_element(lows.begin(), lows.begin() + k, lows.end());
    const double bound = lows[size_t(k)];
    std::vector<double>().swap(lows);
    for (size_t i = 0; i < shift_.size(); ++i)
      if (variance_bounds(i, low, high) && high >= bound)
        candidates_.push_back(masked_ ? tracked_[i] : int64_t(i));
  }
  for (auto* v : {&shift_, &s0_, &s1_, &s2_, &scratch_}) std::vector<double>().swap(*v);
  std::vector<int64_t>().swap(tracked_);
  series_.resize(frames_, static_cast<Eigen::Index>(candidates_.size()));
}

template <class T>
void HighVarianceConfounds::gather(const T* frame) {
  if (gathered_ == 0) select_candidates();
  if (gathered_ >= frames_)
    throw RuntimeError(source_ + ": pass 2 got more than " + std::to_string(frames_) + " frames");
  for (size_t c = 0; c < candidates_.size(); ++c) {
    const double x = static_cast<double>(frame[candidates_[c]]);
    series_(gathered_, Eigen::Index(c)) = masked_ && !std::isfinite(x) ? 0.0 : x;
  }
  ++gathered_;
}

void HighVarianceConfounds::gather_frame(const double* frame) { gather(frame); }
void HighVarianceConfounds::gather_frame(const float* frame) { gather(frame); }

const Eigen::MatrixXd& HighVarianceConfounds::confounds() {
  if (done_) return confounds_;
  if (gathered_ != frames_)
    throw RuntimeError(source_ + ": pass 2 got " + std::to_string(gathered_) + " of " +
                       std::to_string(frames_) + " frames");
  confounds_ = confounds_from_candidates(series_, n_valid_, options_, source_);
  series_ = Eigen::MatrixXd();
  done_ = true;
  return confounds_;
}

namespace {

// Every frame of `reader` to `sink`, as float32 when stored so (no widening), else as double.
template <class Sink>
void stream_frames(io::VolumeReader& reader, const std::string& path, Sink&& sink) {
  const io::NiftiHeader& h = reader.header();
  const bool f32 = h.datatype == static_cast<int>(io::NiftiType::Float32) && !h.has_scaling();
  std::vector<float> f(f32 ? size_t(reader.voxels()) : 0);
  std::vector<double> d(f32 ? 0 : size_t(reader.voxels()));
  for (int64_t t = 0; t < reader.frames(); ++t) {
    const bool ok = f32 ? reader.next_frame(f.data()) : reader.next_frame(d.data());
    if (!ok)
      throw DataError(path, "ended after " + std::to_string(t) + " of " +
                                std::to_string(reader.frames()) + " frames");
    if (f32)
      sink(f.data());
    else
      sink(d.data());
  }
}

}  // namespace

Eigen::MatrixXd high_variance_confounds(const std::string& bold, const HighVarianceOptions& options,
                                        const std::vector<double>& mask) {
  io::VolumeReader pass1(bold);
  if (pass1.header().dim[0] < 4)
    throw DataError(bold, "is a 3D image; high-variance confounds need a 4D run");
  HighVarianceConfounds hv(pass1.voxels(), pass1.frames(), options, mask, bold);
  stream_frames(pass1, bold, [&](const auto* frame) { hv.add_frame(frame); });
  io::VolumeReader pass2(bold);
  stream_frames(pass2, bold, [&](const auto* frame) { hv.gather_frame(frame); });
  return hv.confounds();
}

}  // namespace brainenc::preprocessing
