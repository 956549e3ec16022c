#include "brainenc/preprocessing/spheres_masker.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "brainenc/io/error.hpp"
#include "brainenc/preprocessing/resample.hpp"
#include "netlib_order.hpp"

// Parity with numpy/scipy depends on unfused multiply-adds (see netlib_order.hpp). GCC keeps
// -ffp-contract=off under -std=c++17; clang contracts by default, so turn it off here.
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

namespace brainenc::preprocessing {
namespace {

std::string describe_seed(size_t s, const Seed& seed) {
  std::ostringstream o;
  o.precision(10);
  o << "seed #" << s << " (" << seed[0] << ", " << seed[1] << ", " << seed[2] << ") mm";
  return o.str();
}

// Python's int(x) on a float: truncation toward zero (nilearn's quirk compares these).
int64_t py_int(double x) { return static_cast<int64_t>(std::trunc(x)); }

// np.round: half to even.
double round_half_even(double x) {
  const double f = std::floor(x);
  const double d = x - f;
  if (d != 0.5) return d < 0.5 ? f : f + 1.0;
  return std::fmod(f, 2.0) == 0.0 ? f : f + 1.0;
}

}  // namespace

SpheresMasker::SpheresMasker(const std::vector<Seed>& seeds, const io::Grid& grid,
                             const std::vector<double>& mask, const SpheresMaskerOptions& options)
    : grid_voxels_(grid.voxels()) {
  if (seeds.empty()) throw UsageError("--seeds: at least one seed is needed");
  if (options.radius && !(*options.radius >= 0.0))
    throw UsageError("--radius: must be >= 0 mm, got " + std::to_string(*options.radius));
  if (!mask.empty() && static_cast<int64_t>(mask.size()) != grid_voxels_)
    throw DataError("mask has " + std::to_string(mask.size()) + " voxels, the data grid " +
                    std::to_string(grid_voxels_));
  auto inside = [&](int64_t v) {
    return mask.empty() ||
           (std::isfinite(mask[static_cast<size_t>(v)]) && mask[static_cast<size_t>(v)] != 0.0);
  };
  Eigen::Matrix4d inv;
  if (!detail::numpy_inv(grid.affine, inv)) throw DataError("the data grid's affine is singular");
  const auto& n = grid.dims;
  const double r = options.radius.value_or(0.0);
  const double reduced_r = r * r;  // sklearn's KDTree compares squared distances

  std::vector<int64_t> owner(static_cast<size_t>(grid_voxels_), -1);
  offset_.push_back(0);
  for (size_t s = 0; s < seeds.size(); ++s) {
    const Seed& seed = seeds[s];
    // Nearest voxel: np.round(coord_transform(seed, np.linalg.inv(affine))).
    const Eigen::Vector3d c = detail::numpy_apply(inv, seed[0], seed[1], seed[2]);
    if (!c.allFinite() || c.cwiseAbs().maxCoeff() > 1e12)
      throw DataError(describe_seed(s, seed) + " lies outside the image (" + grid.describe() + ")");
    int64_t nearest[3];
    for (int a = 0; a < 3; ++a) nearest[a] = static_cast<int64_t>(round_half_even(c[a]));
    for (int a = 0; a < 3; ++a)
      if (nearest[a] < 0 || nearest[a] >= n[static_cast<size_t>(a)])
        throw DataError(describe_seed(s, seed) + " lies outside the image (" + grid.describe() +
                        "): its nearest voxel would be (" + std::to_string(nearest[0]) + ", " +
                        std::to_string(nearest[1]) + ", " + std::to_string(nearest[2]) + ")");
    // Candidates: the index box of the world cube seed +- max(radius, 1 mm) (the truncation
    // quirk needs |world - seed| < 1 on each axis), one voxel of margin for rounding.
    const double reach = std::max(r, 1.0);
    int64_t lo[3] = {n[0], n[1], n[2]}, hi[3] = {-1, -1, -1};
    for (int corner = 0; corner < 8; ++corner) {
      const Eigen::Vector3d p = detail::numpy_apply(inv, seed[0] + ((corner & 1) ? reach : -reach),
                                                    seed[1] + ((corner & 2) ? reach : -reach),
                                                    seed[2] + ((corner & 4) ? reach : -reach));
      for (int a = 0; a < 3; ++a) {
        lo[a] = std::min(lo[a], static_cast<int64_t>(std::floor(p[a])) - 1);
        hi[a] = std::max(hi[a], static_cast<int64_t>(std::ceil(p[a])) + 1);
      }
    }
    for (int a = 0; a < 3; ++a) {
      lo[a] = std::max<int64_t>(lo[a], 0);
      hi[a] = std::min<int64_t>(hi[a], n[static_cast<size_t>(a)] - 1);
    }
    std::vector<int64_t> members;
    const int64_t seed_int[3] = {py_int(seed[0]), py_int(seed[1]), py_int(seed[2])};
    bool quirk_found = false;
    // C order (i slowest, k fastest), as np.ndindex / np.where list the voxels.
    for (int64_t i = lo[0]; i <= hi[0]; ++i) {
      for (int64_t j = lo[1]; j <= hi[1]; ++j) {
        for (int64_t k = lo[2]; k <= hi[2]; ++k) {
          const int64_t v = grid.index(i, j, k);
          if (!inside(v)) continue;
          const Eigen::Vector3d w = detail::numpy_apply(
              grid.affine, static_cast<double>(i), static_cast<double>(j), static_cast<double>(k));
          bool take = false;
          if (options.radius) {
            double d = 0.0;
            for (int a = 0; a < 3; ++a) {
              const double t = seed[static_cast<size_t>(a)] - w[a];
              d += t * t;
            }
            take = d <= reduced_r;
          }
          if (i == nearest[0] && j == nearest[1] && k == nearest[2]) take = true;
          if (!quirk_found && py_int(w[0]) == seed_int[0] && py_int(w[1]) == seed_int[1] &&
              py_int(w[2]) == seed_int[2]) {
            quirk_found = true;  // only the first match in C order
            take = true;
          }
          if (take) members.push_back(v);
        }
      }
    }
    if (members.empty())
      throw DataError(describe_seed(s, seed) +
                      ": the sphere is empty (every voxel is outside the mask)");
    std::sort(members.begin(), members.end());
    for (int64_t v : members) {
      int64_t& o = owner[static_cast<size_t>(v)];
      if (o >= 0 && !options.allow_overlap)
        throw DataError("Overlap detected between spheres: " +
                        describe_seed(static_cast<size_t>(o), seeds[static_cast<size_t>(o)]) +
                        " and " + describe_seed(s, seed) + " share voxel (" +
                        std::to_string(v % n[0]) + ", " + std::to_string((v / n[0]) % n[1]) + ", " +
                        std::to_string(v / (n[0] * n[1])) + ")");
      o = static_cast<int64_t>(s);
    }
    voxel_index_.insert(voxel_index_.end(), members.begin(), members.end());
    offset_.push_back(static_cast<int64_t>(voxel_index_.size()));
  }
}

SpheresMasker SpheresMasker::with_mask(const std::vector<Seed>& seeds, const io::Grid& grid,
                                       const io::Volume<double>& mask,
                                       const SpheresMaskerOptions& options,
                                       const std::string& mask_name) {
  if (mask.frames != 1) throw DataError(mask_name, "a mask must be 3D");
  if (same_fov(mask.grid, grid)) return SpheresMasker(seeds, grid, mask.data, options);
  ResampleOptions o;
  o.interpolation = Interpolation::Nearest;
  Resampler r(mask.grid, grid, o, mask_name, mask.header.datatype, mask.header.has_scaling());
  std::vector<double> on_grid(static_cast<size_t>(grid.voxels()));
  r.resample(mask.data.data(), on_grid.data());
  return SpheresMasker(seeds, grid, on_grid, options);
}

std::vector<int64_t> SpheresMasker::sphere_voxels(size_t seed) const {
  return std::vector<int64_t>(voxel_index_.begin() + offset_[seed],
                              voxel_index_.begin() + offset_[seed + 1]);
}

std::vector<int64_t> SpheresMasker::voxel_counts() const {
  std::vector<int64_t> counts(seeds());
  for (size_t s = 0; s < seeds(); ++s) counts[s] = offset_[s + 1] - offset_[s];
  return counts;
}

template <class T>
void SpheresMasker::reduce(const T* frame) {
  const size_t base = rows_.size();
  rows_.resize(base + seeds());
  for (size_t s = 0; s < seeds(); ++s) {
    double sum = 0.0;
    for (int64_t i = offset_[s]; i < offset_[s + 1]; ++i) {
      const double x = static_cast<double>(frame[voxel_index_[static_cast<size_t>(i)]]);
      sum += std::isfinite(x) ? x : 0.0;
    }
    rows_[base + s] = sum / static_cast<double>(offset_[s + 1] - offset_[s]);
  }
}

void SpheresMasker::add_frame(const double* frame) { reduce(frame); }
void SpheresMasker::add_frame(const float* frame) { reduce(frame); }

Eigen::MatrixXd SpheresMasker::signals() const {
  const Eigen::Index k = static_cast<Eigen::Index>(seeds());
  const Eigen::Index t = static_cast<Eigen::Index>(rows_.size()) / k;
  return Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      rows_.data(), t, k);
}

}  // namespace brainenc::preprocessing
