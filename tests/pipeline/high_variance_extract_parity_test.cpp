// NiftiLabelsMasker(..., high_variance_confounds=True).fit_transform against nilearn 0.10.2
// (tests/data/high_variance_confounds/make_references.py writes the expected .npy files).
// BaseMasker.transform computes image.high_variance_confounds(imgs) from every voxel of the BOLD
// (not the mask), stacks them before the user's confounds, and signal.clean censors them with
// the sample mask like any confound.
#include <gtest/gtest.h>

#include "brainenc/io/npy.hpp"
#include "brainenc/pipeline/extract.hpp"
#include "test_support.hpp"

using namespace brainenc;
using namespace brainenc::pipeline;
namespace pp = brainenc::preprocessing;

namespace {

std::string input(const std::string& name) { return test::shared_file("reference/inputs/" + name); }

Eigen::MatrixXd expected(const std::string& name) {
  return io::read_npy(std::string(BRAINENC_SOURCE_DIR) + "/tests/data/high_variance_confounds/" +
                      name + ".npy")
      .matrix();
}

// NiftiLabelsMasker(labels, high_variance_confounds=True, detrend=True,
// standardize='zscore_sample').
ExtractRequest hv_request(const std::string& bold, const std::string& atlas) {
  ExtractRequest r;
  r.bold = input(bold);
  r.atlas = input(atlas);
  r.high_variance_confounds = true;
  r.clean.detrend = true;
  r.clean.standardize = pp::Standardize::ZScoreSample;
  return r;
}

}  // namespace

// nilearn 0.10.2: NiftiLabelsMasker('tiny_labels.nii.gz', high_variance_confounds=True,
// detrend=True, standardize='zscore_sample').fit_transform('tiny_bold_f64.nii.gz')
TEST(HighVarianceExtractParity, DetrendZscoreSampleF64) {
  BRAINENC_SKIP_IF_EMPTY(input("tiny_bold_f64.nii.gz"));
  const ExtractResult r =
      extract_labels(hv_request("tiny_bold_f64.nii.gz", "tiny_labels.nii.gz"), false);
  EXPECT_LE(test::max_abs_diff(r.signals, expected("labels_hv_detrend_zscore_sample_f64")), 1e-6);
  EXPECT_EQ(r.confound_columns,
            (std::vector<std::string>{"high_variance_1", "high_variance_2", "high_variance_3",
                                      "high_variance_4", "high_variance_5"}));
  // Pass 1 rode along the masker's pass: the same confounds as the standalone two passes.
  EXPECT_EQ(r.high_variance_confounds, pp::high_variance_confounds(input("tiny_bold_f64.nii.gz")));
}

// The same on the float32 image: nilearn stays in float32 (reference README quirk 1), brainenc
// computes in float64; README float32 tolerance.
TEST(HighVarianceExtractParity, DetrendZscoreSampleF32) {
  BRAINENC_SKIP_IF_EMPTY(input("tiny_bold_f32.nii.gz"));
  const ExtractResult r =
      extract_labels(hv_request("tiny_bold_f32.nii.gz", "tiny_labels.nii.gz"), false);
  EXPECT_LE(test::max_abs_diff(r.signals, expected("labels_hv_detrend_zscore_sample_f32")), 1e-4);
}

// nilearn 0.10.2: NiftiLabelsMasker('tiny_labels.nii.gz', mask_img='tiny_mask.nii.gz',
// high_variance_confounds=True, detrend=True, standardize='zscore_sample', low_pass=0.1,
// high_pass=0.01, t_r=2.0).fit_transform('tiny_bold_f64.nii.gz', confounds=<tiny_confounds.tsv
// as a DataFrame>, sample_mask=<all volumes but 0, 1, 17, 18, 40>). The mask does not restrict
// the high-variance voxels; the confounds are computed on all 60 volumes and censored after.
TEST(HighVarianceExtractParity, MaskConfoundsScrubBandpassF64) {
  BRAINENC_SKIP_IF_EMPTY(input("tiny_bold_f64.nii.gz"));
  ExtractRequest r = hv_request("tiny_bold_f64.nii.gz", "tiny_labels.nii.gz");
  r.mask = input("tiny_mask.nii.gz");
  r.confounds = ConfoundsRequest{input("tiny_confounds.tsv"), std::nullopt};
  r.clean.low_pass = 0.1;
  r.clean.high_pass = 0.01;
  r.clean.t_r = 2.0;
  std::vector<int64_t> keep;
  for (int64_t t = 0; t < 60; ++t)
    if (t != 0 && t != 1 && t != 17 && t != 18 && t != 40) keep.push_back(t);
  r.sample_mask = keep;
  const ExtractResult out = extract_labels(r, false);
  EXPECT_EQ(out.signals.rows(), 55);
  EXPECT_LE(
      test::max_abs_diff(out.signals, expected("labels_hv_mask_confounds_scrub_bandpass_f64")),
      1e-6);
  ASSERT_EQ(out.confound_columns.size(), 5u + 8u);
  EXPECT_EQ(out.confound_columns[4], "high_variance_5");
  EXPECT_EQ(out.confound_columns[5], "trans_x");
}

// nilearn 0.10.2: NiftiLabelsMasker('labels_2mm_other_grid.nii.gz', resampling_target='labels',
// high_variance_confounds=True, detrend=True, standardize='zscore_sample')
// .fit_transform('tiny_bold_f64.nii.gz'): the regions see the BOLD resampled onto the atlas grid,
// the high-variance confounds the BOLD on its own grid.
TEST(HighVarianceExtractParity, ResampleToLabelsF64) {
  BRAINENC_SKIP_IF_EMPTY(input("labels_2mm_other_grid.nii.gz"));
  ExtractRequest r = hv_request("tiny_bold_f64.nii.gz", "labels_2mm_other_grid.nii.gz");
  r.resampling_target = ResamplingTarget::Labels;
  const ExtractResult out = extract_labels(r, false);
  EXPECT_LE(test::max_abs_diff(out.signals, expected("labels_hv_resample_to_labels_f64")), 1e-6);
  EXPECT_EQ(out.high_variance_confounds,
            pp::high_variance_confounds(input("tiny_bold_f64.nii.gz")));
}
