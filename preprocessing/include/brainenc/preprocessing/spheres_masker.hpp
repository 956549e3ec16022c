// Seed-based signals, as nilearn 0.10.2's NiftiSpheresMasker (reference README quirk 13): the
// plain mean over each seed's sphere of voxels, one pass over streamed frames.
#pragma once

#include <Eigen/Core>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "brainenc/io/volume.hpp"

namespace brainenc::preprocessing {

using Seed = std::array<double, 3>;  // world coordinates, mm

struct SpheresMaskerOptions {
  // Sphere radius in mm; nullopt = nilearn's radius=None (the seed's voxel only).
  std::optional<double> radius;
  // nilearn's default (false): a voxel shared by two spheres is a DataError.
  bool allow_overlap = false;
};

class SpheresMasker {
 public:
  // `grid`: the data grid. `mask`: empty or grid.voxels() values on that grid (non-zero =
  // inside). A seed's voxel set is, as nilearn builds it:
  //   - the voxels (inside the mask) whose centre is within `radius` of the seed
  //     (sklearn radius_neighbors: squared distance summed over x, y, z <= radius^2);
  //   - plus the seed's nearest voxel: np.round (half to even) of the seed's voxel
  //     coordinates through numpy.linalg.inv of the affine, if inside the mask;
  //   - plus the first voxel, in C order, whose world coordinates truncated with int() equal
  //     the seed's truncated coordinates (nilearn's quirk), if there is one in the mask.
  // DataError, naming the seed (#index and coordinates), for a seed outside the image (its
  // nearest voxel lies outside the grid; nilearn would still use the part of the sphere that
  // reaches into the image), an empty sphere (everything masked out), a negative radius, and,
  // without allow_overlap, "Overlap detected between spheres" naming the seeds that share
  // voxels.
  SpheresMasker(const std::vector<Seed>& seeds, const io::Grid& grid,
                const std::vector<double>& mask, const SpheresMaskerOptions& options);

  // The same with a mask image on any grid: resampled onto `grid` by nearest neighbour first,
  // as nilearn does (DataError naming `mask_name` when it cannot be).
  static SpheresMasker with_mask(const std::vector<Seed>& seeds, const io::Grid& grid,
                                 const io::Volume<double>& mask,
                                 const SpheresMaskerOptions& options,
                                 const std::string& mask_name = "mask");

  size_t seeds() const { return offset_.size() - 1; }
  // Voxel indices (NIfTI order) of a seed's sphere, ascending.
  std::vector<int64_t> sphere_voxels(size_t seed) const;
  std::vector<int64_t> voxel_counts() const;
  int64_t grid_voxels() const { return grid_voxels_; }

  // One frame (grid_voxels() values, NIfTI order) -> one row of sphere means. Non-finite
  // values count as 0 (nilearn converts them to 0 when the image holds any NaN).
  void add_frame(const double* frame);
  void add_frame(const float* frame);

  // time points x seeds.
  Eigen::MatrixXd signals() const;

 private:
  template <class T>
  void reduce(const T* frame);

  int64_t grid_voxels_ = 0;
  std::vector<int64_t> offset_;  // CSR: seed s owns voxel_index_[offset_[s] .. offset_[s+1])
  std::vector<int64_t> voxel_index_;
  std::vector<double> rows_;
};

}  // namespace brainenc::preprocessing
