#include "brainenc/pipeline/extract.hpp"

#include <iostream>
#include <memory>
#include <variant>

#include "brainenc/io/error.hpp"
#include "brainenc/io/table.hpp"
#include "brainenc/io/volume.hpp"
#include "brainenc/io/volume_reader.hpp"
#include "brainenc/preprocessing/atlas_resampling.hpp"
#include "brainenc/preprocessing/maps_masker.hpp"
#include "brainenc/preprocessing/resample.hpp"
#include "brainenc/preprocessing/resampled_reader.hpp"
#include "brainenc/preprocessing/spheres_masker.hpp"

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
  return clean.detrend || clean.standardize != pp::Standardize::None || clean.low_pass ||
         clean.high_pass || confounds.has_value() || sample_mask.has_value() ||
         clean.filter == pp::TemporalFilter::Cosine || high_variance_confounds;
}

namespace {

// Kept indices present in both masks.
std::vector<int64_t> intersect(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  std::vector<int64_t> out;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j])
      ++i;
    else if (b[j] < a[i])
      ++j;
    else {
      out.push_back(a[i]);
      ++i;
      ++j;
    }
  }
  return out;
}

// The frames of the run on the grid the regions live on.
class FrameSource {
 public:
  FrameSource(const std::string& bold, const io::Grid* target) {
    if (target)
      resampled_ = std::make_unique<pp::ResampledFrameReader>(bold, *target);
    else
      plain_ = std::make_unique<io::VolumeReader>(bold);
  }
  const io::NiftiHeader& header() const { return plain_ ? plain_->header() : resampled_->header(); }
  io::Grid grid() const { return plain_ ? io::grid_of(plain_->header()) : resampled_->grid(); }
  int64_t frames() const { return plain_ ? plain_->frames() : resampled_->frames(); }
  // float32 frames are passed on as float32 (no widening of 900k voxels per frame).
  bool float32() const {
    return plain_ && header().datatype == static_cast<int>(io::NiftiType::Float32) &&
           !header().has_scaling();
  }
  bool next(std::vector<float>& f32, std::vector<double>& f64) {
    if (plain_) {
      if (float32()) {
        f32.resize(static_cast<size_t>(plain_->voxels()));
        return plain_->next_frame(f32.data());
      }
      return plain_->next_frame(f64);
    }
    return resampled_->next_frame(f64);
  }

 private:
  std::unique_ptr<io::VolumeReader> plain_;
  std::unique_ptr<pp::ResampledFrameReader> resampled_;
};

using AnyMasker = std::variant<pp::LabelsMasker, pp::MapsMasker, pp::SpheresMasker>;

// Every frame of the run, on the BOLD's grid or resampled onto `target`, to `sink` (float32
// frames as float32, else double).
template <class Sink>
void read_frames(const std::string& bold, const io::Grid* target, int64_t T, const char* what,
                 bool progress, Sink&& sink) {
  FrameSource source(bold, target);
  std::vector<float> f32;
  std::vector<double> f64;
  for (int64_t t = 0; t < T; ++t) {
    if (!source.next(f32, f64))
      throw DataError(bold,
                      "ended after " + std::to_string(t) + " of " + std::to_string(T) + " frames");
    if (source.float32())
      sink(f32.data());
    else
      sink(f64.data());
    if (progress && ((t + 1) % 50 == 0 || t + 1 == T))
      std::cerr << "\r  " << what << ": frame " << t + 1 << "/" << T << std::flush;
  }
  if (progress) std::cerr << "\n";
}

// A mask on `grid`: as is when it already is, else resampled by nearest neighbour (nilearn).
std::vector<double> mask_on(const std::string& path, const io::Grid& grid) {
  const io::Volume<double> m = io::read_volume(path);
  if (m.frames != 1)
    throw DataError(path,
                    "a mask must be a 3D image (it has " + std::to_string(m.frames) + " frames)");
  if (pp::same_fov(m.grid, grid)) return m.data;
  pp::ResampleOptions o;
  o.interpolation = pp::Interpolation::Nearest;
  return pp::resample_to_grid(m, grid, o, path).data;
}

}  // namespace

ExtractResult extract_labels(const ExtractRequest& request, bool progress, pp::AtlasCache* cache) {
  ExtractResult r;
  // The grid the regions are defined on: the BOLD's, or the atlas's with resampling_target labels.
  const io::NiftiHeader bold_header = io::read_nifti_header(request.bold);
  if (bold_header.dim[0] < 4)
    throw DataError(request.bold, "is a 3D image; extraction needs a 4D BOLD run");
  std::optional<io::Volume<double>> atlas;
  if (request.regions != RegionKind::Spheres) atlas = io::read_volume(request.atlas);
  io::Grid grid = io::grid_of(bold_header);
  const bool to_atlas = request.resampling_target == ResamplingTarget::Labels && atlas &&
                        !pp::same_fov(atlas->grid, grid);
  if (to_atlas) grid = atlas->grid;

  std::vector<double> mask;
  if (!request.mask.empty()) mask = mask_on(request.mask, grid);

  std::unique_ptr<AnyMasker> masker;
  switch (request.regions) {
    case RegionKind::Labels: {
      if (atlas->frames != 1)
        throw DataError(request.atlas, "label image has " + std::to_string(atlas->frames) +
                                           " frames; use --maps for 4D probabilistic atlases");
      std::vector<double> labels = atlas->data;
      if (!pp::same_fov(atlas->grid, grid)) {
        // Once per (atlas, grid) within a run of many subjects.
        std::shared_ptr<const pp::ResampledLabels> res =
            cache ? cache->labels(request.atlas, grid, request.masker.background_label)
                  : std::make_shared<const pp::ResampledLabels>(pp::resample_labels(
                        *atlas, grid, request.atlas, request.masker.background_label));
        r.labels_lost_in_resampling = res->report.lost;
        r.resampling_report = res->report.summary();
        labels = res->labels;
      }
      masker = std::make_unique<AnyMasker>(std::in_place_type<pp::LabelsMasker>, labels, mask,
                                           request.masker);
      const auto& lm = std::get<pp::LabelsMasker>(*masker);
      if (lm.labels().empty())
        throw DataError(request.atlas, "no region label other than the background " +
                                           io::format_number(request.masker.background_label) +
                                           " inside the data (does the atlas cover " +
                                           request.bold + "?)");
      break;
    }
    case RegionKind::Maps: {
      io::Volume<double> maps = *atlas;
      if (!pp::same_fov(maps.grid, grid)) {
        // nilearn's NiftiMapsMasker resamples maps with 'continuous' interpolation.
        pp::ResampleOptions o;
        o.interpolation = pp::Interpolation::Continuous;
        maps = pp::resample_maps(maps, grid, request.atlas, o);
      }
      pp::MapsMaskerOptions mo;
      mo.keep_masked_maps = request.masker.keep_masked_labels;
      masker = std::make_unique<AnyMasker>(std::in_place_type<pp::MapsMasker>, maps.data,
                                           maps.frames, grid.voxels(), mask, mo, request.atlas);
      break;
    }
    case RegionKind::Spheres: {
      pp::SpheresMaskerOptions so;
      so.radius = request.radius;
      so.allow_overlap = request.allow_overlap;
      std::vector<pp::Seed> seeds(request.seeds.begin(), request.seeds.end());
      masker =
          std::make_unique<AnyMasker>(std::in_place_type<pp::SpheresMasker>, seeds, grid, mask, so);
      break;
    }
  }

  // Confounds are read before the (long) pass over the BOLD so that a bad file fails fast.
  Eigen::MatrixXd confounds;
  const int64_t T = bold_header.nt();
  std::optional<std::vector<int64_t>> sample_mask = request.sample_mask;
  if (request.confounds) {
    const ConfoundsRequest& c = *request.confounds;
    if (c.selection) {
      pp::Confounds loaded = pp::load_confounds(c.file, *c.selection);
      confounds = std::move(loaded.values);
      r.confound_columns = std::move(loaded.columns);
      if (loaded.sample_mask)
        sample_mask =
            sample_mask ? intersect(*sample_mask, *loaded.sample_mask) : *loaded.sample_mask;
    } else {
      io::Table t = io::read_table(c.file);
      for (Eigen::Index j = 0; j < t.values.cols(); ++j)
        if (!t.values.col(j).allFinite())
          throw DataError(c.file,
                          "column '" + t.columns[size_t(j)] +
                              "' has missing or non-finite values (select fMRIPrep confounds with "
                              "--confounds-strategy or --denoise-strategy)");
      confounds = std::move(t.values);
      r.confound_columns = std::move(t.columns);
    }
    if (confounds.rows() != T)
      throw DataError(c.file, "has " + std::to_string(confounds.rows()) + " rows, the BOLD run " +
                                  request.bold + " has " + std::to_string(T) + " volumes");
  }
  if (sample_mask)
    for (int64_t k : *sample_mask)
      if (k < 0 || k >= T)
        throw DataError(request.bold, "sample mask index " + std::to_string(k) +
                                          " is outside the run's " + std::to_string(T) +
                                          " volumes");

  // nilearn computes them from the BOLD as given (BaseMasker.transform): every voxel of its own
  // grid. Pass 1 rides along the masker's pass unless that one sees frames resampled onto the
  // atlas grid; pass 2 reads the file again.
  std::unique_ptr<pp::HighVarianceConfounds> hv;
  if (request.high_variance_confounds)
    hv = std::make_unique<pp::HighVarianceConfounds>(bold_header.voxels_per_frame(), T,
                                                     request.high_variance, std::vector<double>{},
                                                     request.bold);
  const bool hv_along = hv && !to_atlas;

  read_frames(request.bold, to_atlas ? &grid : nullptr, T, "extracting", progress,
              [&](const auto* f) {
                std::visit([&](auto& m) { m.add_frame(f); }, *masker);
                if (hv_along) hv->add_frame(f);
              });

  if (hv) {
    if (!hv_along)
      read_frames(request.bold, nullptr, T, "high-variance voxels", progress,
                  [&](const auto* f) { hv->add_frame(f); });
    read_frames(request.bold, nullptr, T, "high-variance confounds", progress,
                [&](const auto* f) { hv->gather_frame(f); });
    r.high_variance_confounds = hv->confounds();
    // In front of the user's confounds, as BaseMasker.transform stacks them.
    const Eigen::Index k = r.high_variance_confounds.cols();
    Eigen::MatrixXd stacked(T, k + confounds.cols());
    stacked.leftCols(k) = r.high_variance_confounds;
    if (confounds.cols() > 0) stacked.rightCols(confounds.cols()) = confounds;
    confounds = std::move(stacked);
    std::vector<std::string> names;
    for (Eigen::Index j = 0; j < k; ++j) names.push_back("high_variance_" + std::to_string(j + 1));
    r.confound_columns.insert(r.confound_columns.begin(), names.begin(), names.end());
  }

  r.raw = std::visit([](const auto& m) { return m.signals(); }, *masker);
  if (auto* lm = std::get_if<pp::LabelsMasker>(masker.get())) {
    r.labels = lm->labels();
    r.voxel_counts = lm->voxel_counts();
    r.masked_out_labels = lm->masked_out_labels();
  } else if (auto* mm = std::get_if<pp::MapsMasker>(masker.get())) {
    for (int64_t k : mm->map_indices()) r.labels.push_back(double(k));
    for (int64_t k : mm->masked_out_maps()) r.masked_out_labels.push_back(double(k));
  } else if (auto* sm = std::get_if<pp::SpheresMasker>(masker.get())) {
    for (size_t s = 0; s < sm->seeds(); ++s) r.labels.push_back(double(s));
    r.voxel_counts = sm->voxel_counts();
  }
  r.header_tr = bold_header.tr_seconds;
  r.tr_note = bold_header.tr_note;
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
