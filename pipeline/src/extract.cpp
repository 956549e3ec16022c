#include "brainenc/pipeline/extract.hpp"

#include <iostream>

#include "brainenc/io/error.hpp"
#include "brainenc/io/table.hpp"
#include "brainenc/io/volume.hpp"
#include "brainenc/io/volume_reader.hpp"

namespace brainenc::pipeline {
namespace pp = brainenc::preprocessing;

pp::CleanOptions ExtractRequest::masker_clean_defaults() {
  pp::CleanOptions o;
  o.detrend = false;
  o.standardize = pp::Standardize::None;
  o.t_r.reset();
  return o;
}

bool ExtractRequest::cleans() const {
  return clean.detrend || clean.standardize != pp::Standardize::None || clean.low_pass || clean.high_pass ||
         confounds.has_value() || sample_mask.has_value() || clean.filter == pp::TemporalFilter::Cosine;
}

namespace {

// Kept indices present in both masks.
std::vector<int64_t> intersect(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  std::vector<int64_t> out;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) ++i;
    else if (b[j] < a[i]) ++j;
    else {
      out.push_back(a[i]);
      ++i;
      ++j;
    }
  }
  return out;
}

}  // namespace

ExtractResult extract_labels(const ExtractRequest& request, bool progress) {
  io::VolumeReader reader(request.bold);
  const io::Grid grid = io::grid_of(reader.header());
  if (reader.header().dim[0] < 4 && reader.frames() == 1)
    throw DataError(request.bold, "is a 3D image; extraction needs a 4D BOLD run");
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
                                       io::format_number(request.masker.background_label) + " inside the data");

  // Confounds are read before the (long) pass over the BOLD so that a bad file fails fast.
  ExtractResult r;
  Eigen::MatrixXd confounds;
  std::optional<std::vector<int64_t>> sample_mask = request.sample_mask;
  if (request.confounds) {
    const ConfoundsRequest& c = *request.confounds;
    if (c.selection) {
      pp::Confounds loaded = pp::load_confounds(c.file, *c.selection);
      confounds = std::move(loaded.values);
      r.confound_columns = std::move(loaded.columns);
      if (loaded.sample_mask)
        sample_mask = sample_mask ? intersect(*sample_mask, *loaded.sample_mask) : *loaded.sample_mask;
    } else {
      io::Table t = io::read_table(c.file);
      for (Eigen::Index j = 0; j < t.values.cols(); ++j)
        if (!t.values.col(j).allFinite())
          throw DataError(c.file, "column '" + t.columns[size_t(j)] +
                                      "' has missing or non-finite values (select fMRIPrep confounds with "
                                      "--confounds-strategy or --denoise-strategy)");
      confounds = std::move(t.values);
      r.confound_columns = std::move(t.columns);
    }
    if (confounds.rows() != reader.frames())
      throw DataError(c.file, "has " + std::to_string(confounds.rows()) + " rows, the BOLD run " + request.bold +
                                  " has " + std::to_string(reader.frames()) + " volumes");
  }
  if (sample_mask)
    for (int64_t k : *sample_mask)
      if (k < 0 || k >= reader.frames())
        throw DataError(request.bold, "sample mask index " + std::to_string(k) + " is outside the run's " +
                                          std::to_string(reader.frames()) + " volumes");

  std::vector<float> frame32;
  std::vector<double> frame64;
  const bool is_float32 = reader.header().datatype == static_cast<int>(io::NiftiType::Float32) &&
                          !reader.header().has_scaling();
  if (is_float32) frame32.resize(static_cast<size_t>(reader.voxels()));
  const int64_t T = reader.frames();
  while (reader.frame_index() < T) {
    if (is_float32) {
      reader.next_frame(frame32.data());
      masker.add_frame(frame32.data());
    } else {
      reader.next_frame(frame64);
      masker.add_frame(frame64.data());
    }
    if (progress && (reader.frame_index() % 50 == 0 || reader.frame_index() == T))
      std::cerr << "\r  extracting: frame " << reader.frame_index() << "/" << T << std::flush;
  }
  if (progress) std::cerr << "\n";

  r.raw = masker.signals();
  r.labels = masker.labels();
  r.voxel_counts = masker.voxel_counts();
  r.masked_out_labels = masker.masked_out_labels();
  r.header_tr = reader.header().tr_seconds;
  r.tr_note = reader.header().tr_note;
  r.sample_mask = sample_mask;
  if (!request.cleans()) {
    r.signals = r.raw;
    return r;
  }
  pp::CleanOptions clean = request.clean;
  clean.on_warning = [&r](const std::string& w) { r.warnings.push_back(w); };
  r.signals = pp::clean(r.raw, clean, confounds, sample_mask);
  return r;
}

}  // namespace brainenc::pipeline
