// One run's ROI extraction, as nilearn's NiftiLabelsMasker.fit_transform: stream the BOLD once
// through a labels masker, then clean the region signals (signal.clean) with the run's
// confounds and sample mask. High-variance confounds read the BOLD a second time.
#pragma once

#include <Eigen/Core>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "brainenc/preprocessing/atlas_resampling.hpp"
#include "brainenc/preprocessing/fmriprep_confounds.hpp"
#include "brainenc/preprocessing/high_variance_confounds.hpp"
#include "brainenc/preprocessing/labels_masker.hpp"
#include "brainenc/preprocessing/signal_clean.hpp"

namespace brainenc::pipeline {

// Where the confounds come from.
struct ConfoundsRequest {
  std::string file;  // fMRIPrep confounds TSV, or any table (used column for column)
  // fMRIPrep selection (load_confounds); nullopt: every column of `file` is a regressor.
  std::optional<preprocessing::ConfoundsOptions> selection;
};

// How regions are defined: a label image, probabilistic maps, or spheres around seeds.
enum class RegionKind { Labels, Maps, Spheres };

// nilearn's resampling_target: the atlas (and mask) onto the BOLD grid ("data", the default),
// or the BOLD onto the atlas grid ("labels"; streamed, cubic B-spline as nilearn).
enum class ResamplingTarget { Data, Labels };

struct ExtractRequest {
  std::string bold;
  RegionKind regions = RegionKind::Labels;
  std::string atlas;                         // labels image, or 4D maps image (RegionKind::Maps)
  std::vector<std::array<double, 3>> seeds;  // RegionKind::Spheres, world mm
  std::vector<std::string> seed_names;
  std::optional<double> radius;  // spheres: mm; nullopt = the seed's voxel only
  bool allow_overlap = false;    // spheres (maps always allow overlap)
  std::string mask;              // optional
  ResamplingTarget resampling_target = ResamplingTarget::Data;
  preprocessing::LabelsMaskerOptions masker;
  std::optional<ConfoundsRequest> confounds;
  // The maskers' high_variance_confounds=True: components of the BOLD's highest-variance voxels
  // (every voxel of its own grid, whatever the mask and resampling target, all volumes), put
  // before the confounds' columns. nilearn's maskers always use the default options.
  bool high_variance_confounds = false;
  preprocessing::HighVarianceOptions high_variance;
  // nilearn masker defaults: no detrend, no standardization, no filter, t_r None.
  preprocessing::CleanOptions clean = masker_clean_defaults();
  // Explicit sample mask (kept volume indices), combined with the confounds' own.
  std::optional<std::vector<int64_t>> sample_mask;

  static preprocessing::CleanOptions masker_clean_defaults();
  // True when the options ask for any cleaning at all (else the raw reduction is returned).
  bool cleans() const;
};

struct ExtractResult {
  Eigen::MatrixXd raw;      // time x regions, before cleaning
  Eigen::MatrixXd signals;  // kept time points x regions, cleaned
  // Region identity: label values (labels), map indices from 0 (maps), seed index from 0
  // (spheres), in column order.
  std::vector<double> labels;
  std::vector<int64_t> voxel_counts;
  std::vector<double> masked_out_labels;
  std::vector<double> labels_lost_in_resampling;
  std::string resampling_report;  // lost / shrunk labels when the atlas was resampled
  double header_tr = 0.0;
  std::string tr_note;
  std::vector<std::string> confound_columns;  // high_variance_<k> first when requested
  Eigen::MatrixXd high_variance_confounds;    // time x n_confounds, when requested
  std::optional<std::vector<int64_t>> sample_mask;
  std::vector<std::string> warnings;
};

// Throws DataError when the atlas or mask does not share the BOLD grid, when the atlas has no
// region inside the data, when confounds do not match the run, or when the BOLD stream is
// truncated or corrupt.
// `cache` (optional) keeps resampled atlases across runs that share a grid.
ExtractResult extract_labels(const ExtractRequest& request, bool progress,
                             preprocessing::AtlasCache* cache = nullptr);

}  // namespace brainenc::pipeline
