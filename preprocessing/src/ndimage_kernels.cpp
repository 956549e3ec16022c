#include "ndimage_kernels.hpp"

#include <cmath>
#include <limits>
#include <vector>

// Parity with numpy/scipy depends on unfused multiply-adds (see netlib_order.hpp). GCC keeps
// -ffp-contract=off under -std=c++17; clang contracts by default, so turn it off here.
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

namespace brainenc::preprocessing::detail {
namespace {

// scipy's mirror extension of an integer tap index (ni_interpolation.c map_coordinate,
// NI_EXTEND_MIRROR): -1 -> 1, n -> n - 2, periodic with period 2n - 2.
int64_t mirror_index(int64_t i, int64_t n) {
  if (n <= 1) return 0;
  const int64_t period = 2 * n - 2;
  if (i < 0) {
    i = period * (-i / period) + i;
    return i <= 1 - n ? i + period : -i;
  }
  if (i > n - 1) {
    i -= period * (i / period);
    if (i >= n) i = period - i;
  }
  return i;
}

// Pole of the cubic B-spline's inverse filter, sqrt(3) - 2.
constexpr double kCubicPole = -0.267949192431122706472553658494127633;

// One line of the cubic prefilter (ni_splines.c apply_filter with the mirror initialisation).
void prefilter_line(double* c, int64_t n) {
  const double z = kCubicPole;
  const double gain = (1.0 - z) * (1.0 - 1.0 / z);
  for (int64_t i = 0; i < n; ++i) c[i] *= gain;
  // Causal initialisation: the exact sum over the mirrored signal.
  double z_i = z;
  const double z_n_1 = std::pow(z, static_cast<double>(n - 1));
  c[0] = c[0] + z_n_1 * c[n - 1];
  for (int64_t i = 1; i < n - 1; ++i) {
    c[0] += z_i * (c[i] + z_n_1 * c[n - 1 - i]);
    z_i *= z;
  }
  c[0] /= 1 - z_n_1 * z_n_1;
  for (int64_t i = 1; i < n; ++i) c[i] += z * c[i - 1];
  c[n - 1] = (z * c[n - 2] + c[n - 1]) * z / (z * z - 1);
  for (int64_t i = n - 2; i >= 0; --i) c[i] = z * (c[i + 1] - c[i]);
}

}  // namespace

void axis_taps(double c, int64_t n, int64_t stride, int order, AxisTaps& taps) {
  taps.inside = c >= 0.0 && c <= static_cast<double>(n - 1);  // NaN -> outside, as scipy
  if (!taps.inside) return;
  const int64_t start = (order & 1) ? static_cast<int64_t>(std::floor(c)) - order / 2
                                    : static_cast<int64_t>(std::floor(c + 0.5)) - order / 2;
  const bool edge = start < 0 || start + order >= n;
  for (int l = 0; l <= order; ++l) {
    const int64_t i = edge ? mirror_index(start + l, n) : start + l;
    taps.offset[l] = i * stride;
  }
  if (order == 0) return;
  // ni_splines.c get_spline_interpolation_weights: distance to the knot, last weight by
  // subtraction so that the weights sum to 1.
  const double x = c - std::floor(c);
  double* w = taps.weight;
  if (order == 1) {
    w[0] = 1.0 - x;
  } else {  // order 3
    const double y = x;
    const double z = 1.0 - x;
    w[1] = (y * y * (y - 2.0) * 3.0 + 4.0) / 6.0;
    w[2] = (z * z * (z - 2.0) * 3.0 + 4.0) / 6.0;
    w[0] = z * z * z / 6.0;
  }
  w[order] = 1.0;
  for (int i = 0; i < order; ++i) w[order] -= w[i];
}

double interpolate(const double* data, const AxisTaps& x, const AxisTaps& y, const AxisTaps& z,
                   int order) {
  double t = 0.0;
  // Taps in scipy's order: the last axis varies fastest; weights multiplied axis by axis.
  for (int a = 0; a <= order; ++a) {
    for (int b = 0; b <= order; ++b) {
      for (int c = 0; c <= order; ++c) {
        double coeff = data[x.offset[a] + y.offset[b] + z.offset[c]];
        if (order > 0) {
          coeff *= x.weight[a];
          coeff *= y.weight[b];
          coeff *= z.weight[c];
        }
        t += coeff;
      }
    }
  }
  return t;
}

void cubic_spline_prefilter(double* data, const Dims3& dims) {
  const int64_t strides[3] = {1, dims[0], dims[0] * dims[1]};
  std::vector<double> line;
  for (int axis = 0; axis < 3; ++axis) {
    const int64_t n = dims[axis];
    if (n <= 1) continue;  // scipy leaves length-1 lines untouched
    line.resize(static_cast<size_t>(n));
    const int64_t s = strides[axis];
    // Every line along `axis`: loop over the other two axes.
    const int axis_a = axis == 0 ? 1 : 0;
    const int axis_b = axis == 2 ? 1 : 2;
    for (int64_t b = 0; b < dims[axis_b]; ++b) {
      for (int64_t a = 0; a < dims[axis_a]; ++a) {
        double* base = data + a * strides[axis_a] + b * strides[axis_b];
        for (int64_t i = 0; i < n; ++i) line[static_cast<size_t>(i)] = base[i * s];
        prefilter_line(line.data(), n);
        for (int64_t i = 0; i < n; ++i) base[i * s] = line[static_cast<size_t>(i)];
      }
    }
  }
}

void extrapolate_nonfinite(const double* in, double* out, const Dims3& dims) {
  const int64_t nx = dims[0], ny = dims[1], nz = dims[2];
  const int64_t n = nx * ny * nz;
  std::vector<double> data(in, in + n);
  std::vector<char> mask(static_cast<size_t>(n));
  for (int64_t v = 0; v < n; ++v) mask[static_cast<size_t>(v)] = std::isfinite(in[v]);
  std::vector<double> next(static_cast<size_t>(n));
  std::vector<char> next_mask(static_cast<size_t>(n));
  const int steps[6][3] = {{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}};
  for (int iteration = 0; iteration < 2; ++iteration) {
    for (int64_t k = 0; k < nz; ++k) {
      for (int64_t j = 0; j < ny; ++j) {
        for (int64_t i = 0; i < nx; ++i) {
          const int64_t v = i + nx * (j + ny * k);
          if (mask[static_cast<size_t>(v)]) {
            next[static_cast<size_t>(v)] = data[static_cast<size_t>(v)];
            next_mask[static_cast<size_t>(v)] = 1;
            continue;
          }
          // A shell voxel (outside the mask, next to it) takes the mean of its in-mask
          // neighbours, summed in nilearn's neighbour order; any other voxel becomes 0.
          double sum = 0.0;
          int count = 0;
          for (const auto& s : steps) {
            const int64_t a = i + s[0], b = j + s[1], c = k + s[2];
            if (a < 0 || b < 0 || c < 0 || a >= nx || b >= ny || c >= nz) continue;
            const int64_t u = a + nx * (b + ny * c);
            if (!mask[static_cast<size_t>(u)]) continue;
            sum += data[static_cast<size_t>(u)];
            ++count;
          }
          next_mask[static_cast<size_t>(v)] = count > 0;
          const double mean = count > 0 ? sum / count : 0.0;
          next[static_cast<size_t>(v)] = std::isfinite(mean) ? mean : 0.0;
        }
      }
    }
    data.swap(next);
    mask.swap(next_mask);
  }
  for (int64_t v = 0; v < n; ++v) out[v] = data[static_cast<size_t>(v)];
}

}  // namespace brainenc::preprocessing::detail
