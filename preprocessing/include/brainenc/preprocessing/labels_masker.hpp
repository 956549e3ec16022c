// Region signals from a label image, as nilearn's NiftiLabelsMasker / img_to_signals_labels:
// one pass over streamed frames, memory O(voxels + regions x time points).
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <string>
#include <vector>

namespace brainenc::preprocessing {

// The reductions of scipy.ndimage that nilearn offers as `strategy`.
enum class LabelStrategy { Mean, Median, Sum, Minimum, Maximum, Variance, StandardDeviation };

LabelStrategy parse_label_strategy(const std::string& name);  // UsageError for unknown names
std::string to_string(LabelStrategy s);

struct LabelsMaskerOptions {
  double background_label = 0.0;
  LabelStrategy strategy = LabelStrategy::Mean;
  // nilearn 0.10 default: a label that the mask removes entirely stays as an all-zero column.
  bool keep_masked_labels = true;
};

class LabelsMasker {
 public:
  // `labels` and `mask` (may be empty: no mask) hold one value per voxel of the data grid
  // (already resampled onto it). Non-finite label values count as background 0, as
  // nilearn's _safe_get_data(ensure_finite=True).
  LabelsMasker(const std::vector<double>& labels, const std::vector<double>& mask,
               const LabelsMaskerOptions& options);

  // Region label values, ascending (the output columns).
  const std::vector<double>& labels() const { return labels_; }
  // Voxels of each region inside the mask.
  std::vector<int64_t> voxel_counts() const;
  // Labels present in the label image but with no voxel inside the mask.
  const std::vector<double>& masked_out_labels() const { return masked_out_; }
  int64_t grid_voxels() const { return grid_voxels_; }

  // Reduces one frame (grid_voxels() values, NIfTI order) to one row of region values.
  // Non-finite voxel values count as 0 (nilearn sets them to 0 and still counts them).
  void add_frame(const double* frame);
  void add_frame(const float* frame);

  // time points x regions, in label order.
  Eigen::MatrixXd signals() const;

 private:
  template <class T>
  void reduce(const T* frame);

  LabelsMaskerOptions options_;
  int64_t grid_voxels_ = 0;
  std::vector<double> labels_;
  std::vector<double> masked_out_;
  std::vector<bool> column_empty_;
  // CSR layout: voxels of region r are voxel_index_[offset_[r] .. offset_[r+1]).
  std::vector<int64_t> offset_;
  std::vector<int64_t> voxel_index_;
  std::vector<double> rows_;  // time-major region values
  std::vector<double> scratch_;
};

}  // namespace brainenc::preprocessing
