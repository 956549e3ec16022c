// Atlases brought onto a data grid, as nilearn's maskers do it: label images by nearest
// neighbour (NiftiLabelsMasker, resampling_target='data'), probabilistic maps by
// interpolation (NiftiMapsMasker), with a report of what resampling did to each label and a
// per-run cache so that an atlas is resampled once per grid.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "brainenc/io/volume.hpp"
#include "brainenc/preprocessing/resample.hpp"

namespace brainenc::preprocessing {

struct LabelChange {
  double label = 0.0;
  int64_t voxels_before = 0;     // in the atlas
  double expected_voxels = 0.0;  // voxels_before x atlas voxel volume / target voxel volume
  int64_t voxels_after = 0;      // on the target grid
};

struct LabelResampleReport {
  std::vector<LabelChange> labels;  // every non-background atlas label, ascending
  std::vector<double> lost;         // labels left with no voxel (nilearn warns about these)
  // Labels that kept fewer than `fraction` of their expected voxels (lost ones included).
  std::vector<double> shrunk(double fraction = 0.5) const;
  // One line per lost or shrunk label, for a warning or a run log; empty when none.
  std::string summary(double fraction = 0.5) const;
};

// Compares the labels of `atlas` (3D) with `resampled` (target.voxels() values).
// Non-finite values count as background 0, as nilearn's _safe_get_data.
LabelResampleReport compare_labels(const io::Volume<double>& atlas,
                                   const std::vector<double>& resampled, const io::Grid& target,
                                   double background = 0.0);

struct ResampledLabels {
  io::Grid grid;
  std::vector<double> labels;  // grid.voxels() label values
  LabelResampleReport report;
};

// Nearest-neighbour resampling of a 3D label image onto `target` (resample_img with
// interpolation='nearest'). DataError naming `atlas_name` when the atlas is not 3D, and when
// no label survives (the atlas' field of view misses the target grid).
ResampledLabels resample_labels(const io::Volume<double>& atlas, const io::Grid& target,
                                const std::string& atlas_name, double background = 0.0);

// brainenc's default for maps: linear interpolation, clipped like resample_img.
inline ResampleOptions maps_resample_options() {
  ResampleOptions o;
  o.interpolation = Interpolation::Linear;
  o.clip = true;
  return o;
}

// Resampling of 4D maps (every map) onto `target`. DataError naming `maps_name` when every
// map is zero on the target grid. nilearn's NiftiMapsMasker uses 'continuous' with clipping;
// brainenc's default for maps is 'linear' (no ringing, no negative weights).
io::Volume<double> resample_maps(const io::Volume<double>& maps, const io::Grid& target,
                                 const std::string& maps_name,
                                 const ResampleOptions& options = maps_resample_options());

// 64-bit FNV-1a of a file's bytes (the cache's content key). RuntimeError when unreadable.
uint64_t file_checksum(const std::string& path);

// Resampled atlases of one run, keyed by (path, content checksum, target grid, method): a
// second request for the same atlas on the same grid returns the stored result. Thread-safe.
class AtlasCache {
 public:
  std::shared_ptr<const ResampledLabels> labels(const std::string& path, const io::Grid& target,
                                                double background = 0.0);
  std::shared_ptr<const io::Volume<double>> maps(
      const std::string& path, const io::Grid& target,
      const ResampleOptions& options = maps_resample_options());

  int64_t resamplings() const;  // atlases actually read and resampled so far
  size_t size() const;

 private:
  std::string key(const std::string& path, const io::Grid& target, const std::string& method) const;

  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const ResampledLabels>> labels_;
  std::map<std::string, std::shared_ptr<const io::Volume<double>>> maps_;
  int64_t resamplings_ = 0;
};

}  // namespace brainenc::preprocessing
