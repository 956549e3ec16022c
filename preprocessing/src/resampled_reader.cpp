#include "brainenc/preprocessing/resampled_reader.hpp"

namespace brainenc::preprocessing {

ResampledFrameReader::ResampledFrameReader(const std::string& path, const io::Grid& target,
                                           const ResampleOptions& options)
    : path_(path),
      reader_(std::make_unique<io::VolumeReader>(path)),
      resampler_(io::grid_of(reader_->header()), target, options, path, reader_->header().datatype,
                 reader_->header().has_scaling()) {
  clip_ = options.clip && resampler_.kind() != ResampleKind::Same;
  frame_.resize(static_cast<size_t>(reader_->voxels()));
  if (!clip_) return;
  // First pass: the series' range (np.nanmin / np.nanmax over the whole 4D array).
  range_ = initial_clip_range();
  while (reader_->next_frame(frame_.data()))
    update_clip_range(frame_.data(), reader_->voxels(), range_);
  reader_ = std::make_unique<io::VolumeReader>(path_);
}

bool ResampledFrameReader::next_frame(double* out) {
  if (!reader_->next_frame(frame_.data())) return false;
  resampler_.resample(frame_.data(), out);
  if (clip_) clip_values(out, voxels(), range_);
  return true;
}

bool ResampledFrameReader::next_frame(std::vector<double>& out) {
  out.resize(static_cast<size_t>(voxels()));
  return next_frame(out.data());
}

}  // namespace brainenc::preprocessing
