#include "brainenc/preprocessing/resample.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "brainenc/io/error.hpp"
#include "ndimage_kernels.hpp"
#include "netlib_order.hpp"

// Parity with numpy/scipy depends on unfused multiply-adds (see netlib_order.hpp). GCC keeps
// -ffp-contract=off under -std=c++17; clang contracts by default, so turn it off here.
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

namespace brainenc::preprocessing {
namespace {

using detail::AxisTaps;

int spline_order(Interpolation i) {
  switch (i) {
    case Interpolation::Nearest:
      return 0;
    case Interpolation::Linear:
      return 1;
    case Interpolation::Continuous:
      return 3;
  }
  return 3;
}

// np.allclose(target, source): |t - s| <= 1e-8 + 1e-5 |s| for every entry.
bool allclose(const Eigen::Matrix4d& t, const Eigen::Matrix4d& s) {
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      if (!(std::fabs(t(i, j) - s(i, j)) <= 1e-8 + 1e-5 * std::fabs(s(i, j)))) return false;
  return true;
}

std::string describe_affine(const Eigen::Matrix4d& a) {
  std::string s = "[";
  for (int i = 0; i < 3; ++i) {
    s += i ? "; " : "";
    for (int j = 0; j < 4; ++j) s += (j ? " " : "") + std::to_string(a(i, j));
  }
  return s + "]";
}

}  // namespace

bool same_fov(const io::Grid& a, const io::Grid& b) {
  return a.dims == b.dims && allclose(a.affine, b.affine);
}

Interpolation parse_interpolation(const std::string& name) {
  if (name == "nearest") return Interpolation::Nearest;
  if (name == "linear") return Interpolation::Linear;
  if (name == "continuous") return Interpolation::Continuous;
  throw UsageError("--interpolation: '" + name + "' is not one of nearest, linear, continuous");
}

std::string to_string(Interpolation interpolation) {
  switch (interpolation) {
    case Interpolation::Nearest:
      return "nearest";
    case Interpolation::Linear:
      return "linear";
    case Interpolation::Continuous:
      return "continuous";
  }
  return "continuous";
}

Resampler::Resampler(const io::Grid& source, const io::Grid& target, const ResampleOptions& options,
                     const std::string& source_name, int source_datatype, bool scaled)
    : source_(source),
      target_(target),
      options_(options),
      order_(spline_order(options.interpolation)) {
  for (int a = 0; a < 3; ++a) {
    if (source.dims[a] < 1) throw DataError(source_name, "empty grid " + source.describe());
    if (target.dims[a] < 1) throw DataError(source_name, "empty target grid " + target.describe());
  }
  using io::NiftiType;
  const auto type = static_cast<NiftiType>(source_datatype);
  const bool is_signed =
      type == NiftiType::Int8 || type == NiftiType::Int16 || type == NiftiType::Int32;
  const bool is_unsigned = type == NiftiType::UInt8 || type == NiftiType::UInt16 ||
                           type == NiftiType::UInt32 || type == NiftiType::UInt64;
  if (scaled || type == NiftiType::Float64)
    output_ = 0;
  else if (type == NiftiType::Float32)
    output_ = 1;
  else if (is_signed)
    output_ = options.interpolation == Interpolation::Continuous ? 1 : 2;
  else if (type == NiftiType::Int64)
    output_ = options.interpolation == Interpolation::Continuous ? 0 : 2;
  else if (is_unsigned)
    output_ = 3;

  const Eigen::Matrix4d& s = source.affine;
  const Eigen::Matrix4d& t = target.affine;
  if (same_fov(target, source)) {
    kind_ = ResampleKind::Same;
    return;
  }
  // nilearn's BoundingBoxError: the source corners in target voxel coordinates (np.linalg.inv).
  Eigen::Matrix4d t_inv;
  if (!detail::numpy_inv(t, t_inv))
    throw DataError(source_name, "the target grid's affine is singular: " + describe_affine(t));
  const Eigen::Matrix4d to_target = detail::numpy_dot(t_inv, s);
  Eigen::Vector3d upper = Eigen::Vector3d::Constant(-std::numeric_limits<double>::infinity());
  for (int corner = 0; corner < 8; ++corner) {
    const double x = (corner & 1) ? static_cast<double>(source.dims[0] - 1) : 0.0;
    const double y = (corner & 2) ? static_cast<double>(source.dims[1] - 1) : 0.0;
    const double z = (corner & 4) ? static_cast<double>(source.dims[2] - 1) : 0.0;
    upper = upper.cwiseMax(detail::numpy_apply(to_target, x, y, z));
  }
  if ((upper.array() < 0.0).any())
    throw DataError(source_name, "the field of view of the target grid (" + target.describe() +
                                     ", affine " + describe_affine(t) +
                                     ") does not contain any of the image (" + source.describe() +
                                     ", affine " + describe_affine(s) + ")");
  // Voxel -> voxel transform inv(source) . target, in scipy.linalg.inv's and numpy.dot's order.
  Eigen::Matrix4d transform = Eigen::Matrix4d::Identity();
  if (t != s) {
    Eigen::Matrix4d s_inv;
    if (!detail::scipy_inv(s, s_inv))
      throw DataError(source_name, "the image's affine is singular: " + describe_affine(s));
    transform = detail::numpy_dot(s_inv, t);
  }
  matrix_ = transform.topLeftCorner<3, 3>();
  offset_ = transform.col(3).head<3>();
  const bool diagonal = (matrix_ - Eigen::Matrix3d(matrix_.diagonal().asDiagonal())).isZero(0.0);
  if (matrix_ == Eigen::Matrix3d::Identity() &&
      (offset_.array() == offset_.array().round()).all()) {
    kind_ = ResampleKind::Shift;
  } else if (diagonal) {
    kind_ = ResampleKind::Zoom;
    zoom_shift_ = offset_.cwiseQuotient(matrix_.diagonal());  // scipy passes offset / zoom
  } else {
    kind_ = ResampleKind::Affine;
  }
}

double Resampler::round_output(double v) const {
  switch (output_) {
    case 1:
      return static_cast<double>(static_cast<float>(v));
    case 2:
      return std::trunc(v > 0 ? v + 0.5 : v - 0.5);  // scipy CASE_INTERP_OUT_INT
    case 3:
      return std::trunc(v > 0 ? v + 0.5 : 0.0);  // CASE_INTERP_OUT_UINT
    default:
      return v;
  }
}

// Calls f(target voxel index, taps x, taps y, taps z) for every target voxel, with the taps of
// spline order `order` (the same coordinates for every order).
template <class F>
static void for_each_target(const io::Grid& source, const io::Grid& target, ResampleKind kind,
                            const Eigen::Matrix3d& m, const Eigen::Vector3d& offset,
                            const Eigen::Vector3d& zoom_shift, int order, int threads, F&& f) {
  const int64_t nx = target.dims[0], ny = target.dims[1], nz = target.dims[2];
  const int64_t strides[3] = {1, source.dims[0], source.dims[0] * source.dims[1]};
  // scipy zoom_shift: c = (i + offset / zoom) * zoom, per axis, precomputed.
  std::vector<AxisTaps> axis[3];
  if (kind == ResampleKind::Zoom) {
    for (int a = 0; a < 3; ++a) {
      axis[a].resize(static_cast<size_t>(target.dims[a]));
      for (int64_t i = 0; i < target.dims[a]; ++i) {
        const double c = (static_cast<double>(i) + zoom_shift[a]) * m(a, a);
        detail::axis_taps(c, source.dims[a], strides[a], order, axis[a][static_cast<size_t>(i)]);
      }
    }
  }
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t k = 0; k < nz; ++k) {
    AxisTaps taps[3];
    for (int64_t j = 0; j < ny; ++j) {
      for (int64_t i = 0; i < nx; ++i) {
        const int64_t v = i + nx * (j + ny * k);
        if (kind == ResampleKind::Zoom) {
          f(v, axis[0][static_cast<size_t>(i)], axis[1][static_cast<size_t>(j)],
            axis[2][static_cast<size_t>(k)]);
          continue;
        }
        // scipy geometric_transform: c_h = sum_l x_l A(h, l), then + offset_h.
        const double x[3] = {static_cast<double>(i), static_cast<double>(j),
                             static_cast<double>(k)};
        for (int h = 0; h < 3; ++h) {
          double c = 0.0;
          for (int l = 0; l < 3; ++l) c += x[l] * m(h, l);
          c += offset[h];
          detail::axis_taps(c, source.dims[h], strides[h], order, taps[h]);
          if (!taps[h].inside) break;
        }
        f(v, taps[0], taps[1], taps[2]);
      }
    }
  }
}

void Resampler::sample(const double* data, double* out) const {
  const int order = order_;
  const double fill = options_.fill_value;
  for_each_target(source_, target_, kind_, matrix_, offset_, zoom_shift_, order, options_.threads,
                  [&](int64_t v, const AxisTaps& x, const AxisTaps& y, const AxisTaps& z) {
                    out[v] = x.inside && y.inside && z.inside
                                 ? detail::interpolate(data, x, y, z, order)
                                 : fill;
                  });
}

void Resampler::mark_nonfinite(const std::vector<char>& nonfinite, double* out) const {
  // nilearn resamples the non-finite mask with order 0 (cval 0) and writes NaN there.
  for_each_target(source_, target_, kind_, matrix_, offset_, zoom_shift_, 0, options_.threads,
                  [&](int64_t v, const AxisTaps& x, const AxisTaps& y, const AxisTaps& z) {
                    if (x.inside && y.inside && z.inside &&
                        nonfinite[static_cast<size_t>(x.offset[0] + y.offset[0] + z.offset[0])])
                      out[v] = std::numeric_limits<double>::quiet_NaN();
                  });
}

void Resampler::shift_copy(const double* in, double* out) const {
  const auto& sd = source_.dims;
  const auto& td = target_.dims;
  const int64_t b[3] = {static_cast<int64_t>(offset_[0]), static_cast<int64_t>(offset_[1]),
                        static_cast<int64_t>(offset_[2])};
  for (int64_t k = 0; k < td[2]; ++k) {
    for (int64_t j = 0; j < td[1]; ++j) {
      for (int64_t i = 0; i < td[0]; ++i) {
        const int64_t si = i + b[0], sj = j + b[1], sk = k + b[2];
        const bool inside = si >= 0 && sj >= 0 && sk >= 0 && si < sd[0] && sj < sd[1] && sk < sd[2];
        out[target_.index(i, j, k)] = inside ? in[source_.index(si, sj, sk)] : 0.0;
      }
    }
  }
}

void Resampler::resample(const double* in, double* out) {
  const int64_t n = source_.voxels();
  if (kind_ == ResampleKind::Same) {
    std::copy(in, in + n, out);
    return;
  }
  if (kind_ == ResampleKind::Shift) {  // nilearn copies the data as it is on this path
    shift_copy(in, out);
    return;
  }
  std::vector<char> nonfinite;
  const double* data = in;
  if (!std::all_of(in, in + n, [](double x) { return std::isfinite(x); })) {
    nonfinite.resize(static_cast<size_t>(n));
    for (int64_t v = 0; v < n; ++v) nonfinite[static_cast<size_t>(v)] = !std::isfinite(in[v]);
    work_.resize(static_cast<size_t>(n));
    detail::extrapolate_nonfinite(in, work_.data(), source_.dims);
    data = work_.data();
  }
  if (order_ == 3) {
    if (data != work_.data()) work_.assign(in, in + n);
    detail::cubic_spline_prefilter(work_.data(), source_.dims);  // float64 coefficients
    data = work_.data();
  }
  sample(data, out);
  if (!nonfinite.empty()) mark_nonfinite(nonfinite, out);
  if (output_ != 0) {
    const int64_t m = target_.voxels();
    for (int64_t v = 0; v < m; ++v) out[v] = round_output(out[v]);
  }
}

std::pair<double, double> initial_clip_range() { return {0.0, 0.0}; }

void update_clip_range(const double* values, int64_t n, std::pair<double, double>& range) {
  for (int64_t v = 0; v < n; ++v) {
    if (std::isnan(values[v])) continue;  // np.nanmin / np.nanmax
    range.first = std::min(range.first, values[v]);
    range.second = std::max(range.second, values[v]);
  }
}

void clip_values(double* values, int64_t n, const std::pair<double, double>& range) {
  for (int64_t v = 0; v < n; ++v) {  // NaN stays NaN, as np.clip
    if (values[v] < range.first)
      values[v] = range.first;
    else if (values[v] > range.second)
      values[v] = range.second;
  }
}

io::Volume<double> resample_to_grid(const io::Volume<double>& image, const io::Grid& target,
                                    const ResampleOptions& options, const std::string& image_name) {
  Resampler r(image.grid, target, options, image_name, image.header.datatype,
              image.header.has_scaling());
  if (r.kind() == ResampleKind::Same) return image;
  const int64_t n_in = image.grid.voxels(), n_out = target.voxels();
  io::Volume<double> out;
  out.header = image.header;
  for (int a = 0; a < 3; ++a) {
    out.header.dim[static_cast<size_t>(a + 1)] = target.dims[static_cast<size_t>(a)];
    out.header.pixdim[static_cast<size_t>(a + 1)] = target.affine.col(a).head<3>().norm();
  }
  out.header.affine = out.header.sform = target.affine;
  using io::NiftiType;
  const int dt = image.header.datatype;
  if (options.interpolation == Interpolation::Continuous && !image.header.has_scaling()) {
    // nilearn casts signed integers to float for continuous interpolation.
    if (dt == static_cast<int>(NiftiType::Int8) || dt == static_cast<int>(NiftiType::Int16) ||
        dt == static_cast<int>(NiftiType::Int32))
      out.header.datatype = static_cast<int>(NiftiType::Float32);
    if (dt == static_cast<int>(NiftiType::Int64))
      out.header.datatype = static_cast<int>(NiftiType::Float64);
    out.header.bitpix = 8 * io::nifti_type_size(out.header.datatype);
  }
  out.grid = target;
  out.frames = image.frames;
  out.data.resize(static_cast<size_t>(n_out * image.frames));

  std::vector<double> frame;
  std::array<int64_t, 3> lo{0, 0, 0}, hi = image.grid.dims;
  if (r.kind() == ResampleKind::Shift) {
    // crop_img(rtol=1e-8): the box of voxels with |value| > 1e-8 max|value| in any frame.
    double norm = 0.0;
    for (double x : image.data)
      if (!std::isnan(x)) norm = std::max(norm, std::fabs(x));
    std::array<int64_t, 3> first{hi}, last{-1, -1, -1};
    for (int64_t t = 0; t < image.frames; ++t)
      for (int64_t k = 0; k < hi[2]; ++k)
        for (int64_t j = 0; j < hi[1]; ++j)
          for (int64_t i = 0; i < hi[0]; ++i)
            if (std::fabs(image.at(i, j, k, t)) > 1e-8 * norm) {
              const int64_t c[3] = {i, j, k};
              for (int a = 0; a < 3; ++a) {
                first[static_cast<size_t>(a)] = std::min(first[static_cast<size_t>(a)], c[a]);
                last[static_cast<size_t>(a)] = std::max(last[static_cast<size_t>(a)], c[a] + 1);
              }
            }
    if (last[0] >= 0) lo = first, hi = last;
  }
  for (int64_t t = 0; t < image.frames; ++t) {
    const double* in = image.data.data() + t * n_in;
    if (r.kind() == ResampleKind::Shift) {
      frame.assign(static_cast<size_t>(n_in), 0.0);
      for (int64_t k = lo[2]; k < hi[2]; ++k)
        for (int64_t j = lo[1]; j < hi[1]; ++j)
          for (int64_t i = lo[0]; i < hi[0]; ++i) {
            const int64_t v = image.grid.index(i, j, k);
            frame[static_cast<size_t>(v)] = in[v];
          }
      in = frame.data();
    }
    r.resample(in, out.data.data() + t * n_out);
  }
  if (options.clip) {
    auto range = initial_clip_range();
    update_clip_range(image.data.data(), static_cast<int64_t>(image.data.size()), range);
    clip_values(out.data.data(), static_cast<int64_t>(out.data.size()), range);
  }
  return out;
}

}  // namespace brainenc::preprocessing
