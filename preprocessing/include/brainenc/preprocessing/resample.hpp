// Resampling of an image onto another voxel grid, as nilearn 0.10.2 image.resample_img /
// resample_to_img (scipy.ndimage.affine_transform, mode 'constant', cval = fill_value).
//
// Why not ITK: ITK's ResampleImageFilter maps a target voxel through physical space (index ->
// point -> transform -> continuous index, with an SVD inverse of direction x spacing) and treats
// the source as extending half a voxel past its edge voxels (and clamps linear interpolation
// there), whereas scipy maps voxel to voxel with one affine and returns cval for any
// coordinate outside [0, n - 1]; ITK's B-spline prefilter also truncates its initialisation.
// Measured with ITK 5.2 (Debian) against nilearn: the three resample_labels_* references
// match (their labels are constant near borders and ties), but on an arange image with exact
// ties (tests/preprocessing/resample_test.cpp) 138 of 504 nearest-neighbour voxels differ,
// linear maps differ in 52 of 2520 values (up to 0.17) and cubic in 330 of 2520 (up to 0.26).
// The sampling loop is therefore written here from scipy's documented method, with the voxel
// -> voxel affine computed in netlib LAPACK's operation order so that ties fall as in nilearn;
// the six resample_* references are reproduced bit for bit.
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "brainenc/io/volume.hpp"

namespace brainenc::preprocessing {

// nilearn's names; scipy spline orders 0, 1 and 3.
enum class Interpolation { Nearest, Linear, Continuous };

Interpolation parse_interpolation(const std::string& name);  // UsageError for other names
std::string to_string(Interpolation interpolation);

// nilearn's _check_same_fov: the same extents and affines equal to np.allclose (|a - b| <= 1e-8
// + 1e-5 |b| entrywise). Images on such grids are never resampled.
bool same_fov(const io::Grid& a, const io::Grid& b);

// How resample_img maps target voxels onto source voxels (decided once per pair of grids).
enum class ResampleKind {
  Same,    // same extents and affines equal to np.allclose: the image is returned unchanged
  Shift,   // identity matrix, integer offset: a shifted copy, no interpolation
  Zoom,    // diagonal matrix (scipy zoom_shift)
  Affine,  // any other matrix (scipy geometric_transform)
};

struct ResampleOptions {
  Interpolation interpolation = Interpolation::Continuous;  // nilearn's default
  // Clip the result to [min(image, 0), max(image, 0)] over the whole (4D) image. False is
  // resample_to_img's default; resample_img, and so every nilearn masker, clips.
  bool clip = false;
  // Value of target voxels outside the source's field of view (nilearn's shift path, an
  // integer-voxel translation, always pads with 0).
  double fill_value = 0.0;
  int threads = 1;  // OpenMP threads over target slices
};

// The mapping between two grids, precomputed once, applied to any number of 3D frames. Holds
// a scratch frame: use one Resampler per thread.
class Resampler {
 public:
  // `source_name` (a file name) is used in error messages. `source_datatype` (NIfTI code;
  // `scaled`: the file has scl_slope / scl_inter) sets the type nilearn would write: float32
  // values are rounded to float32; integers keep integer values (rounded half away from
  // zero) except signed integers under 'continuous', which nilearn casts to float32.
  // Throws DataError for a singular affine, and when the target's field of view contains
  // none of the source (nilearn's BoundingBoxError).
  Resampler(const io::Grid& source, const io::Grid& target, const ResampleOptions& options,
            const std::string& source_name = "image",
            int source_datatype = static_cast<int>(io::NiftiType::Float64), bool scaled = false);

  const io::Grid& source() const { return source_; }
  const io::Grid& target() const { return target_; }
  const ResampleOptions& options() const { return options_; }
  ResampleKind kind() const { return kind_; }
  // Source voxel coordinates = matrix() * target voxel coordinates + offset().
  const Eigen::Matrix3d& matrix() const { return matrix_; }
  const Eigen::Vector3d& offset() const { return offset_; }

  // Resamples one 3D frame: in[source().voxels()] -> out[target().voxels()], NIfTI order.
  // No clipping (see clip_range / clip_values). Non-finite input values are handled as
  // nilearn: they are filled from their finite neighbours before interpolating, and target
  // voxels whose nearest source voxel was non-finite become NaN.
  void resample(const double* in, double* out);

 private:
  void sample(const double* data, double* out) const;
  void mark_nonfinite(const std::vector<char>& nonfinite, double* out) const;
  void shift_copy(const double* in, double* out) const;
  double round_output(double value) const;

  io::Grid source_, target_;
  ResampleOptions options_;
  ResampleKind kind_ = ResampleKind::Affine;
  Eigen::Matrix3d matrix_ = Eigen::Matrix3d::Identity();
  Eigen::Vector3d offset_ = Eigen::Vector3d::Zero();
  Eigen::Vector3d zoom_shift_ = Eigen::Vector3d::Zero();  // offset / diagonal (zoom_shift)
  int order_ = 3;
  int output_ = 0;  // 0 float64, 1 float32, 2 signed integer, 3 unsigned integer
  std::vector<double> work_;
};

// nilearn's clip bounds for resample_img: [min(nanmin(values), 0), max(nanmax(values), 0)].
// Feed every frame through update_clip_range to get the bounds of a whole 4D image.
std::pair<double, double> initial_clip_range();
void update_clip_range(const double* values, int64_t n, std::pair<double, double>& range);
void clip_values(double* values, int64_t n, const std::pair<double, double>& range);

// resample_img / resample_to_img on an image held in memory (every frame).
// With ResampleKind::Shift, values outside the bounding box of |value| > 1e-8 max|value| are
// zeroed, as nilearn's crop_img does on that path.
// Difference from nilearn 0.10.2: on the Shift path nilearn misplaces the copy when the
// target grid starts inside the source's non-zero box (it copies the box from the target's
// first voxel instead of from the offset); brainenc places it where the affines say, which is
// what nilearn returns with force_resample=True.
io::Volume<double> resample_to_grid(const io::Volume<double>& image, const io::Grid& target,
                                    const ResampleOptions& options,
                                    const std::string& image_name = "image");

}  // namespace brainenc::preprocessing
