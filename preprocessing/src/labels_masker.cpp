#include "brainenc/preprocessing/labels_masker.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "brainenc/io/error.hpp"

namespace brainenc::preprocessing {

LabelStrategy parse_label_strategy(const std::string& name) {
  if (name == "mean") return LabelStrategy::Mean;
  if (name == "median") return LabelStrategy::Median;
  if (name == "sum") return LabelStrategy::Sum;
  if (name == "minimum") return LabelStrategy::Minimum;
  if (name == "maximum") return LabelStrategy::Maximum;
  if (name == "variance") return LabelStrategy::Variance;
  if (name == "standard_deviation") return LabelStrategy::StandardDeviation;
  throw UsageError(
      "--strategy: '" + name +
      "' is not one of mean, median, sum, minimum, maximum, variance, standard_deviation");
}

std::string to_string(LabelStrategy s) {
  switch (s) {
    case LabelStrategy::Mean:
      return "mean";
    case LabelStrategy::Median:
      return "median";
    case LabelStrategy::Sum:
      return "sum";
    case LabelStrategy::Minimum:
      return "minimum";
    case LabelStrategy::Maximum:
      return "maximum";
    case LabelStrategy::Variance:
      return "variance";
    case LabelStrategy::StandardDeviation:
      return "standard_deviation";
  }
  return "mean";
}

LabelsMasker::LabelsMasker(const std::vector<double>& labels, const std::vector<double>& mask,
                           const LabelsMaskerOptions& options)
    : options_(options), grid_voxels_(static_cast<int64_t>(labels.size())) {
  if (!mask.empty() && mask.size() != labels.size())
    throw DataError("mask has " + std::to_string(mask.size()) + " voxels, the label image " +
                    std::to_string(labels.size()));
  const double bg = options.background_label;
  auto label_at = [&](size_t v) { return std::isfinite(labels[v]) ? labels[v] : 0.0; };
  // Labels before the mask (nilearn keeps them with keep_masked_labels) and voxels after it.
  std::map<double, std::vector<int64_t>> voxels;
  std::map<double, bool> present;
  for (size_t v = 0; v < labels.size(); ++v) {
    const double l = label_at(v);
    if (l == bg) continue;
    present[l] = true;
    const bool inside = mask.empty() || (std::isfinite(mask[v]) && mask[v] != 0.0);
    if (inside) voxels[l].push_back(static_cast<int64_t>(v));
  }
  offset_.push_back(0);
  for (const auto& entry : present) {
    const double l = entry.first;
    auto it = voxels.find(l);
    const bool empty = it == voxels.end();
    if (empty) {
      masked_out_.push_back(l);
      if (!options.keep_masked_labels) continue;
    }
    labels_.push_back(l);
    column_empty_.push_back(empty);
    if (!empty) voxel_index_.insert(voxel_index_.end(), it->second.begin(), it->second.end());
    offset_.push_back(static_cast<int64_t>(voxel_index_.size()));
  }
}

std::vector<int64_t> LabelsMasker::voxel_counts() const {
  std::vector<int64_t> counts(labels_.size());
  for (size_t r = 0; r < labels_.size(); ++r) counts[r] = offset_[r + 1] - offset_[r];
  return counts;
}

template <class T>
void LabelsMasker::reduce(const T* frame) {
  const size_t R = labels_.size();
  const size_t base = rows_.size();
  rows_.resize(base + R);
  double* row = rows_.data() + base;
  auto value = [&](int64_t v) {
    const double x = static_cast<double>(frame[v]);
    return std::isfinite(x) ? x : 0.0;
  };
  for (size_t r = 0; r < R; ++r) {
    const int64_t b = offset_[r], e = offset_[r + 1];
    const double n = static_cast<double>(e - b);
    if (e == b) {  // ndimage gives NaN for an empty label; nilearn then writes 0
      row[r] = 0.0;
      continue;
    }
    switch (options_.strategy) {
      case LabelStrategy::Mean:
      case LabelStrategy::Sum: {
        double s = 0.0;
        for (int64_t i = b; i < e; ++i) s += value(voxel_index_[i]);
        row[r] = options_.strategy == LabelStrategy::Mean ? s / n : s;
        break;
      }
      case LabelStrategy::Minimum:
      case LabelStrategy::Maximum: {
        double m = value(voxel_index_[b]);
        for (int64_t i = b + 1; i < e; ++i)
          m = options_.strategy == LabelStrategy::Minimum ? std::min(m, value(voxel_index_[i]))
                                                          : std::max(m, value(voxel_index_[i]));
        row[r] = m;
        break;
      }
      case LabelStrategy::Variance:
      case LabelStrategy::StandardDeviation: {
        // Two passes (centred), as scipy.ndimage.variance; population variance.
        double s = 0.0;
        for (int64_t i = b; i < e; ++i) s += value(voxel_index_[i]);
        const double mean = s / n;
        double ss = 0.0;
        for (int64_t i = b; i < e; ++i) {
          const double d = value(voxel_index_[i]) - mean;
          ss += d * d;
        }
        row[r] = options_.strategy == LabelStrategy::Variance ? ss / n : std::sqrt(ss / n);
        break;
      }
      case LabelStrategy::Median: {
        scratch_.resize(static_cast<size_t>(e - b));
        for (int64_t i = b; i < e; ++i)
          scratch_[static_cast<size_t>(i - b)] = value(voxel_index_[i]);
        const size_t m = scratch_.size();
        const size_t hi = m / 2;
        std::nth_element(scratch_.begin(), scratch_.begin() + hi, scratch_.end());
        double med = scratch_[hi];
        if (m % 2 == 0) {  // mean of the two middle values, as numpy / ndimage
          const double lo = *std::max_element(scratch_.begin(), scratch_.begin() + hi);
          med = (lo + med) / 2.0;
        }
        row[r] = med;
        break;
      }
    }
  }
}

void LabelsMasker::add_frame(const double* frame) { reduce(frame); }
void LabelsMasker::add_frame(const float* frame) { reduce(frame); }

Eigen::MatrixXd LabelsMasker::signals() const {
  const Eigen::Index R = static_cast<Eigen::Index>(labels_.size());
  const Eigen::Index T = R == 0 ? 0 : static_cast<Eigen::Index>(rows_.size()) / R;
  return Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      rows_.data(), T, R);
}

}  // namespace brainenc::preprocessing
