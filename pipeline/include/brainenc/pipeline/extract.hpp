// One run's ROI extraction: stream the BOLD once through a labels masker.
#pragma once

#include <Eigen/Core>

#include <string>
#include <vector>

#include "brainenc/preprocessing/labels_masker.hpp"

namespace brainenc::pipeline {

struct ExtractRequest {
  std::string bold;
  std::string atlas;
  std::string mask;  // optional
  preprocessing::LabelsMaskerOptions masker;
};

struct ExtractResult {
  Eigen::MatrixXd signals;       // time x regions
  std::vector<double> labels;    // region label values (columns)
  std::vector<int64_t> voxel_counts;
  std::vector<double> masked_out_labels;
  double tr_seconds = 0.0;
  std::string tr_note;
};

// Throws DataError when the atlas or mask does not share the BOLD grid, when the atlas has no
// region inside the data, or when the BOLD stream is truncated or corrupt.
ExtractResult extract_labels(const ExtractRequest& request, bool progress);

}  // namespace brainenc::pipeline
