#include "brainenc/preprocessing/maps_masker.hpp"

#include <Eigen/SVD>

#include <cmath>
#include <limits>

#include "brainenc/io/error.hpp"
#include "brainenc/preprocessing/resample.hpp"

namespace brainenc::preprocessing {
namespace {

double finite_or_zero(double x) { return std::isfinite(x) ? x : 0.0; }

}  // namespace

MapsMasker::MapsMasker(const std::vector<double>& maps, int64_t n_maps, int64_t voxels,
                       const std::vector<double>& mask, const MapsMaskerOptions& options,
                       const std::string& maps_name)
    : voxels_(voxels) {
  if (n_maps < 1 || voxels < 1 || static_cast<int64_t>(maps.size()) != n_maps * voxels)
    throw DataError(maps_name, std::to_string(maps.size()) + " map values for " +
                                   std::to_string(n_maps) + " maps of " + std::to_string(voxels) +
                                   " voxels");
  if (!mask.empty() && static_cast<int64_t>(mask.size()) != voxels)
    throw DataError(maps_name, "the mask has " + std::to_string(mask.size()) +
                                   " voxels, the maps " + std::to_string(voxels));
  auto map_at = [&](int64_t k, int64_t v) {
    return finite_or_zero(maps[static_cast<size_t>(k * voxels + v)]);
  };
  auto inside = [&](int64_t v) {
    return mask.empty() ||
           (std::isfinite(mask[static_cast<size_t>(v)]) && mask[static_cast<size_t>(v)] != 0.0);
  };

  if (!options.allow_overlap) {
    // nilearn: values below the dtype's eps are zeroed, then > 1 positive map per voxel fails.
    const double eps = std::numeric_limits<double>::epsilon();
    for (int64_t v = 0; v < voxels; ++v) {
      int64_t first = -1;
      for (int64_t k = 0; k < n_maps; ++k) {
        if (!(map_at(k, v) >= eps)) continue;
        if (first >= 0)
          throw DataError(maps_name, "Overlap detected in the maps (maps " + std::to_string(first) +
                                         " and " + std::to_string(k) + " at voxel " +
                                         std::to_string(v) +
                                         "). The overlap may be due to the atlas itself or "
                                         "introduced by resampling");
        first = k;
      }
    }
  }

  // _trim_maps: which maps keep a voxel inside the mask; the union of their supports.
  std::vector<char> in_support(static_cast<size_t>(voxels), 0);
  for (int64_t k = 0; k < n_maps; ++k) {
    bool any = false;
    for (int64_t v = 0; v < voxels; ++v) {
      if (map_at(k, v) != 0.0 && inside(v)) {
        any = true;
        in_support[static_cast<size_t>(v)] = 1;
      }
    }
    if (!any) masked_out_.push_back(k);
    if (any || options.keep_masked_maps) {
      if (any) active_.push_back(static_cast<int64_t>(map_indices_.size()));
      map_indices_.push_back(k);
    }
  }
  for (int64_t v = 0; v < voxels; ++v)
    if (in_support[static_cast<size_t>(v)]) support_.push_back(v);
  if (active_.empty())
    throw DataError(maps_name, "no map has a non-zero voxel" +
                                   std::string(mask.empty() ? "" : " inside the mask"));

  // Least squares over the support: pinv from the thin SVD, singular values <= eps x the
  // largest dropped (scipy.linalg.lstsq's default cond).
  const Eigen::Index s = static_cast<Eigen::Index>(support_.size());
  const Eigen::Index a = static_cast<Eigen::Index>(active_.size());
  Eigen::MatrixXd m(s, a);
  for (Eigen::Index c = 0; c < a; ++c) {
    const int64_t k = map_indices_[static_cast<size_t>(active_[static_cast<size_t>(c)])];
    for (Eigen::Index r = 0; r < s; ++r) m(r, c) = map_at(k, support_[static_cast<size_t>(r)]);
  }
  Eigen::BDCSVD<Eigen::MatrixXd> svd(m, Eigen::ComputeThinU | Eigen::ComputeThinV);
  const Eigen::VectorXd& sigma = svd.singularValues();
  const double cutoff = std::numeric_limits<double>::epsilon() * (sigma.size() ? sigma[0] : 0.0);
  Eigen::VectorXd inverse = Eigen::VectorXd::Zero(sigma.size());
  for (Eigen::Index i = 0; i < sigma.size(); ++i) {
    if (sigma[i] > cutoff) {
      inverse[i] = 1.0 / sigma[i];
      ++rank_;
    }
  }
  pinv_ = svd.matrixV() * inverse.asDiagonal() * svd.matrixU().transpose();
  x_.resize(s);
}

MapsMasker MapsMasker::on_grid(const io::Volume<double>& maps, const io::Grid& data_grid,
                               const io::Volume<double>* mask, const MapsMaskerOptions& options,
                               const std::string& maps_name, const std::string& mask_name) {
  if (!same_fov(maps.grid, data_grid))
    throw DataError(maps_name, "the maps (" + maps.grid.describe() +
                                   ") are not on the data grid (" + data_grid.describe() +
                                   "); resample them onto it first");
  std::vector<double> mask_values;
  if (mask) {
    if (mask->frames != 1) throw DataError(mask_name, "a mask must be 3D");
    if (!same_fov(mask->grid, data_grid))
      throw DataError(mask_name, "the mask (" + mask->grid.describe() +
                                     ") is not on the data grid (" + data_grid.describe() + ")");
    mask_values = mask->data;
  }
  return MapsMasker(maps.data, maps.frames, data_grid.voxels(), mask_values, options, maps_name);
}

template <class T>
void MapsMasker::solve(const T* frame) {
  for (Eigen::Index r = 0; r < x_.size(); ++r)
    x_[r] = finite_or_zero(static_cast<double>(frame[support_[static_cast<size_t>(r)]]));
  const Eigen::VectorXd beta = pinv_ * x_;
  const size_t base = rows_.size();
  rows_.resize(base + map_indices_.size(), 0.0);
  for (size_t c = 0; c < active_.size(); ++c)
    rows_[base + static_cast<size_t>(active_[c])] = beta[static_cast<Eigen::Index>(c)];
}

void MapsMasker::add_frame(const double* frame) { solve(frame); }
void MapsMasker::add_frame(const float* frame) { solve(frame); }

Eigen::MatrixXd MapsMasker::signals() const {
  const Eigen::Index k = static_cast<Eigen::Index>(map_indices_.size());
  const Eigen::Index t = static_cast<Eigen::Index>(rows_.size()) / k;
  return Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      rows_.data(), t, k);
}

}  // namespace brainenc::preprocessing
