#include "brainenc/pipeline/extract.hpp"

#include <iostream>

#include "brainenc/io/error.hpp"
#include "brainenc/io/volume.hpp"
#include "brainenc/io/volume_reader.hpp"

namespace brainenc::pipeline {

ExtractResult extract_labels(const ExtractRequest& request, bool progress) {
  io::VolumeReader reader(request.bold);
  const io::Grid grid = io::grid_of(reader.header());
  const io::Volume<double> atlas = io::read_volume(request.atlas);
  if (atlas.frames != 1)
    throw DataError(request.atlas, "label image has " + std::to_string(atlas.frames) + " frames, expected a 3D image");
  if (!atlas.grid.matches(grid))
    throw DataError(request.atlas, "atlas grid (" + atlas.grid.describe() + ") differs from the BOLD grid (" +
                                       grid.describe() + " in " + request.bold + "); resample the atlas first");
  std::vector<double> mask;
  if (!request.mask.empty()) {
    io::Volume<double> m = io::read_volume(request.mask);
    if (!m.grid.matches(grid))
      throw DataError(request.mask, "mask grid (" + m.grid.describe() + ") differs from the BOLD grid (" +
                                        grid.describe() + ")");
    mask = std::move(m.data);
  }
  preprocessing::LabelsMasker masker(atlas.data, mask, request.masker);
  if (masker.labels().empty())
    throw DataError(request.atlas, "no region label other than the background " +
                                       std::to_string(request.masker.background_label) + " inside the data");

  std::vector<float> frame(static_cast<size_t>(reader.voxels()));
  std::vector<double> frame64;
  const bool is_float32 = reader.header().datatype == static_cast<int>(io::NiftiType::Float32) &&
                          !reader.header().has_scaling();
  const int64_t T = reader.frames();
  while (reader.frame_index() < T) {
    if (is_float32) {
      reader.next_frame(frame.data());
      masker.add_frame(frame.data());
    } else {
      reader.next_frame(frame64);
      masker.add_frame(frame64.data());
    }
    if (progress && (reader.frame_index() % 50 == 0 || reader.frame_index() == T))
      std::cerr << "\r  extracting: frame " << reader.frame_index() << "/" << T << std::flush;
  }
  if (progress) std::cerr << "\n";

  ExtractResult r;
  r.signals = masker.signals();
  r.labels = masker.labels();
  r.voxel_counts = masker.voxel_counts();
  r.masked_out_labels = masker.masked_out_labels();
  r.tr_seconds = reader.header().tr_seconds;
  r.tr_note = reader.header().tr_note;
  return r;
}

}  // namespace brainenc::pipeline
