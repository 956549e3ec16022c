// Whole images in memory (atlases, masks, small 4D files) and NIfTI writing.
#pragma once

#include <Eigen/Core>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "brainenc/io/nifti_header.hpp"

namespace brainenc::io {

// A voxel grid: three extents and the voxel -> world (mm) affine.
struct Grid {
  std::array<int64_t, 3> dims{};
  Eigen::Matrix4d affine = Eigen::Matrix4d::Identity();

  int64_t voxels() const { return dims[0] * dims[1] * dims[2]; }
  int64_t index(int64_t i, int64_t j, int64_t k) const { return i + dims[0] * (j + dims[1] * k); }
  std::string describe() const;  // "91x109x91, 2x2x2 mm"
};

Grid grid_of(const NiftiHeader& h);

template <class T>
struct Volume {
  NiftiHeader header;
  Grid grid;
  int64_t frames = 1;
  std::vector<T> data;  // x fastest, then y, z, frame

  T& at(int64_t i, int64_t j, int64_t k, int64_t t = 0) {
    return data[grid.index(i, j, k) + t * grid.voxels()];
  }
  T at(int64_t i, int64_t j, int64_t k, int64_t t = 0) const {
    return data[grid.index(i, j, k) + t * grid.voxels()];
  }
};

// Reads every frame, scaled (float64 values).
Volume<double> read_volume(const std::string& path);

// Writes a 3D (frames == 1) or 4D NIfTI-1 file (.nii or .nii.gz) atomically, storing `values`
// (frame-major, x fastest) as `datatype` (float32, float64, int16, int32 or uint8), sform and
// qform from the grid's affine (code 1, scanner-anatomical unless `space_code` says otherwise),
// TR in seconds, and `descrip` (truncated to 79 characters) as provenance.
void write_nifti(const std::string& path, const Grid& grid, int64_t frames,
                 const std::vector<double>& values, NiftiType datatype, double tr_seconds = 0.0,
                 const std::string& descrip = "brainenc", int space_code = 1);

}  // namespace brainenc::io
