// A 4D image streamed frame by frame and resampled onto another grid on the way, as nilearn
// does to the functional series when a masker's resampling_target is 'labels' (NiftiLabels-
// Masker) or 'maps' / 'mask' (NiftiMapsMasker): resample_img(imgs,
// interpolation='continuous', clip=True). Memory: a few frames, whatever the series length.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "brainenc/io/volume.hpp"
#include "brainenc/io/volume_reader.hpp"
#include "brainenc/preprocessing/resample.hpp"

namespace brainenc::preprocessing {

// What nilearn's maskers do to the series: cubic B-spline, clipped to the series' range.
inline ResampleOptions series_resample_options() {
  ResampleOptions o;
  o.interpolation = Interpolation::Continuous;
  o.clip = true;
  return o;
}

class ResampledFrameReader {
 public:
  // Opens `path` (3D or 4D). With options.clip the bounds are [min(series, 0), max(series,
  // 0)] over every frame, which are only known at the end: a first pass reads the frames
  // once to find them, the second resamples. On grids nilearn considers equal the frames are
  // passed through untouched (nilearn returns the image unchanged, without clipping).
  // Difference from nilearn: on the integer-shift path (ResampleKind::Shift) nilearn also
  // zeroes values below 1e-8 x max|series| outside their bounding box; frames here are copied
  // whole.
  ResampledFrameReader(const std::string& path, const io::Grid& target,
                       const ResampleOptions& options = series_resample_options());

  const io::Grid& grid() const { return resampler_.target(); }
  const io::Grid& source_grid() const { return resampler_.source(); }
  const io::NiftiHeader& header() const { return reader_->header(); }
  ResampleKind kind() const { return resampler_.kind(); }
  int64_t frames() const { return reader_->frames(); }
  int64_t voxels() const { return grid().voxels(); }
  // The clip bounds in use (0, 0 before any data when clipping is off).
  const std::pair<double, double>& clip_range() const { return range_; }

  // Next resampled frame into out[0 .. voxels()). False when every frame has been read.
  bool next_frame(double* out);
  bool next_frame(std::vector<double>& out);

 private:
  std::string path_;
  std::unique_ptr<io::VolumeReader> reader_;
  Resampler resampler_;
  bool clip_ = false;
  std::pair<double, double> range_{0.0, 0.0};
  std::vector<double> frame_;
};

}  // namespace brainenc::preprocessing
