// CompCor-like confounds from the highest-variance voxels (Behzadi et al. 2007), as nilearn
// 0.10.2's signal.high_variance_confounds and image.high_variance_confounds. NiftiLabelsMasker,
// NiftiMapsMasker and NiftiSpheresMasker with high_variance_confounds=True compute them with the
// defaults below from every voxel of the BOLD image (the masker's mask_img is not used), on the
// BOLD's own grid, over all volumes (before any sample mask), and put them in front of the
// user's confounds.
//
// nilearn's algorithm: detrend each series (signal._detrend), var = its mean of squares, keep the
// series with var > np.nanpercentile(var, 100 - percentile) (linear interpolation, strictly
// greater, series with a NaN never kept), then the eigenvectors of Y Y^T / n_time
// (scipy.linalg.eigh) of the n_confounds largest eigenvalues, largest first.
//
// Sign: each column is an eigenvector, defined up to its sign. nilearn returns the sign LAPACK
// dsyevr happens to produce: its MRRR step (dlar1v) sets the entry at a "twist index" to +1, and
// that index is chosen among near-equal, rounding-level quantities, so the sign is not a
// property of the matrix (on ~2000 random Gram matrices, "largest entry in the tridiagonal
// basis positive" predicted Debian's reference LAPACK for only ~95% of the columns; a LAPACK
// that rounds differently, such as OpenBLAS, may flip others). brainenc makes each column's
// largest-magnitude entry positive (sklearn's svd_flip rule). signal.clean regresses out the
// span of the confounds, so masker outputs equal nilearn's whatever the signs.
//
// Differences from nilearn 0.10.2, on calls nilearn accepts:
// - arithmetic is float64 (nilearn stays in float32 for float32 and integer images);
// - fewer kept series than n_confounds, or fewer time points than n_confounds (+ 2 with
//   detrend), is a DataError (nilearn then returns arbitrary vectors of the null space, or fewer
//   columns).
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <string>
#include <vector>

namespace brainenc::preprocessing {

// nilearn's defaults, which the maskers always use.
struct HighVarianceOptions {
  int n_confounds = 5;
  double percentile = 2.0;  // percent of the series, those of highest variance, that are kept
  bool detrend = true;
};

// UsageError unless n_confounds >= 1 and 0 <= percentile <= 100.
void validate(const HighVarianceOptions& options);

// signal.high_variance_confounds(series, n_confounds, percentile, detrend): `series` is time x
// features; returns time x n_confounds. Columns with a non-finite value are never kept. Means
// and mean squares are summed as numpy does over a Fortran-ordered (column-major, as Eigen)
// array, which is what image.high_variance_confounds hands over: the variances, hence the kept
// columns, are bit for bit nilearn's (a C-ordered array sums time sequentially instead, which
// differs in the last bit).
Eigen::MatrixXd high_variance_confounds(const Eigen::MatrixXd& series,
                                        const HighVarianceOptions& options = {});

// The streamed version for 4D images: memory O(voxels + kept voxels x time), never
// voxels x time. The frames are read twice:
//   pass 1 (add_frame): per voxel, sums of x, t x and x^2 (shifted by the voxel's first value)
//     in double give the detrended mean of squares to ~1e-12 relative;
//   between the passes, the voxels that could lie above the percentile threshold given a
//     generous bound on that error become candidates (the kept voxels plus the rare near-ties);
//   pass 2 (gather_frame): the candidates' series are gathered, detrended and measured with
//     nilearn's own operation order; the exact threshold picks the kept voxels.
// The result is bit for bit the in-memory function's on the voxels' series. For a .nii.gz the
// two passes are two inflates. extract overlaps pass 1 with the masker's pass; on a 2 mm MNI run
// (91x109x91x200 float32 .nii.gz, Schaefer-400) the flag took it from ~3 s to ~7 s (one more
// inflate, plus ~1.3 s of pass-1 sums) and from 41 MB to 105 MB peak (pass 1: 4 doubles per
// voxel; pass 2: ~2% of the voxels x time).
class HighVarianceConfounds {
 public:
  // `voxels` values per frame, `frames` frames. `mask`: empty (every voxel, as the maskers), or
  // one value per voxel, non-zero = used; with a mask, non-finite values count as 0 (nilearn's
  // apply_mask), without one a voxel with a non-finite value is never kept (nilearn's NaN
  // variance). `source` names the data in error messages. Throws UsageError for invalid
  // options, DataError when frames < n_confounds (+ 2 with detrend: a linear trend and the
  // mean leave frames - 2 dimensions).
  HighVarianceConfounds(int64_t voxels, int64_t frames, const HighVarianceOptions& options = {},
                        const std::vector<double>& mask = {},
                        const std::string& source = "high-variance confounds");

  // Pass 1: every frame, in time order (voxels() values, NIfTI order).
  void add_frame(const double* frame);
  void add_frame(const float* frame);
  // Pass 2: every frame again, in time order. The first call ends pass 1.
  void gather_frame(const double* frame);
  void gather_frame(const float* frame);
  // After pass 2: time x n_confounds (computed on the first call, which frees the gathered
  // series). DataError when fewer than n_confounds voxels are kept.
  const Eigen::MatrixXd& confounds();

  int64_t voxels() const { return voxels_; }
  int64_t frames() const { return frames_; }
  // Voxels whose series pass 2 holds (known once pass 2 started).
  int64_t gathered_voxels() const { return static_cast<int64_t>(candidates_.size()); }

 private:
  template <class T>
  void accumulate(const T* frame);
  template <class T>
  void gather(const T* frame);
  // Pass 1's mean of squares of tracked voxel i, widened by a bound on its error; false for a
  // voxel with a non-finite value.
  bool variance_bounds(size_t i, double& low, double& high) const;
  void select_candidates();

  HighVarianceOptions options_;
  std::string source_;
  int64_t voxels_ = 0;
  int64_t frames_ = 0;
  bool masked_ = false;
  std::vector<int64_t> tracked_;  // with a mask: the voxel indices used
  // Pass 1, one entry per used voxel; separate arrays so that the update vectorises.
  std::vector<double> shift_, s0_, s1_, s2_;
  std::vector<double> scratch_;  // a masked frame's values
  int64_t added_ = 0;
  int64_t n_valid_ = 0;              // used voxels with a finite variance
  std::vector<int64_t> candidates_;  // voxel indices, ascending
  Eigen::MatrixXd series_;           // pass 2: frames x candidates
  int64_t gathered_ = 0;
  Eigen::MatrixXd confounds_;
  bool done_ = false;
};

// image.high_variance_confounds(imgs, n_confounds, percentile, detrend, mask_img): both passes
// over the 4D NIfTI file `bold` (streamed, see HighVarianceConfounds). `mask`: as above, on the
// BOLD grid. DataError for a 3D or truncated file.
Eigen::MatrixXd high_variance_confounds(const std::string& bold,
                                        const HighVarianceOptions& options = {},
                                        const std::vector<double>& mask = {});

}  // namespace brainenc::preprocessing
