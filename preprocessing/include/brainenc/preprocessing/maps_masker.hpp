// Region signals from probabilistic maps, as nilearn 0.10.2's NiftiMapsMasker /
// img_to_signals_maps (reference README quirk 12): each frame's least-squares coefficients
// on the maps, over the voxels where a map is non-zero (inside the mask when one is given).
// One pass over streamed frames; memory O(support voxels x maps + maps x time points).
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <string>
#include <vector>

#include "brainenc/io/volume.hpp"

namespace brainenc::preprocessing {

struct MapsMaskerOptions {
  // nilearn 0.10 default: a map the mask removes entirely stays as an all-zero column.
  bool keep_masked_maps = true;
  // nilearn's default (true). False: DataError when a voxel has more than one map >= eps.
  bool allow_overlap = true;
};

class MapsMasker {
 public:
  // `maps`: n_maps frames of `voxels` values each (a 4D maps image on the data grid, frame
  // after frame, NIfTI order). `mask`: empty (no mask) or `voxels` values, non-zero = inside.
  // Non-finite map values count as 0, as nilearn's ensure_finite.
  //
  // The coefficients are those of scipy.linalg.lstsq (gelsd, cond = eps): the constructor
  // computes the pseudo-inverse P of the maps restricted to the support voxels from their
  // SVD, and each frame costs one product P x. When the maps have full column rank this is
  // the unique least-squares solution; when they do not (duplicated or linearly dependent
  // maps), singular values <= eps x the largest are dropped and the minimum-norm solution is
  // returned, as lstsq does; rank() tells. A map with no voxel left (masked out) gets exactly
  // 0, as in nilearn.
  MapsMasker(const std::vector<double>& maps, int64_t n_maps, int64_t voxels,
             const std::vector<double>& mask, const MapsMaskerOptions& options = {},
             const std::string& maps_name = "maps");

  // The same from images: DataError naming the file when the maps (or the mask) are not on
  // `data_grid` (nilearn's same-FOV test; resample them first, see atlas_resampling.hpp), or
  // when the maps image is not 4D-like (one map is allowed).
  static MapsMasker on_grid(const io::Volume<double>& maps, const io::Grid& data_grid,
                            const io::Volume<double>* mask, const MapsMaskerOptions& options,
                            const std::string& maps_name, const std::string& mask_name = "mask");

  // Indices of the maps that give the output columns (nilearn's labels_), ascending.
  const std::vector<int64_t>& map_indices() const { return map_indices_; }
  // Maps with no non-zero voxel inside the mask.
  const std::vector<int64_t>& masked_out_maps() const { return masked_out_; }
  int64_t grid_voxels() const { return voxels_; }
  int64_t support_voxels() const { return static_cast<int64_t>(support_.size()); }
  // Numerical rank of the maps over the support (columns of the least-squares problem).
  int64_t rank() const { return rank_; }
  bool rank_deficient() const { return rank_ < static_cast<int64_t>(active_.size()); }

  // One frame (grid_voxels() values, NIfTI order) -> one row of map coefficients.
  // Non-finite voxel values count as 0.
  void add_frame(const double* frame);
  void add_frame(const float* frame);

  // time points x maps, in map_indices() order.
  Eigen::MatrixXd signals() const;

 private:
  template <class T>
  void solve(const T* frame);

  int64_t voxels_ = 0;
  std::vector<int64_t> map_indices_;
  std::vector<int64_t> masked_out_;
  std::vector<int64_t> support_;  // voxel indices of the least-squares rows
  std::vector<int64_t> active_;   // output columns that have a non-zero map on the support
  Eigen::MatrixXd pinv_;          // active x support
  int64_t rank_ = 0;
  Eigen::VectorXd x_;
  std::vector<double> rows_;  // time-major coefficients, map_indices().size() per frame
};

}  // namespace brainenc::preprocessing
