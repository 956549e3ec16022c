// brainenc extract --high-variance-confounds: nilearn's masker result on disk, the confound
// columns in the sidecar, and the option checks.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "brainenc/io/npy.hpp"
#include "brainenc/io/table.hpp"
#include "test_support.hpp"

using brainenc::test::run_brainenc;

using brainenc::test::read_text;

namespace {

std::string ref_input(const std::string& name) {
  return brainenc::test::shared_file("reference/inputs/" + name);
}

}  // namespace

// nilearn 0.10.2: NiftiLabelsMasker('tiny_labels.nii.gz', high_variance_confounds=True,
// detrend=True, standardize='zscore_sample').fit_transform('tiny_bold_f64.nii.gz')
TEST(HighVarianceCli, ExtractMatchesNilearnAndListsTheConfounds) {
  const std::string bold = ref_input("tiny_bold_f64.nii.gz");
  BRAINENC_SKIP_IF_EMPTY(bold);
  const std::string dir = brainenc::test::scratch_dir();
  const auto r = run_brainenc("extract -q --bold '" + bold + "' --atlas '" +
                              ref_input("tiny_labels.nii.gz") + "' --out '" + dir +
                              "/ts.tsv' --high-variance-confounds --detrend "
                              "--standardize zscore_sample");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto want = brainenc::io::read_npy(std::string(BRAINENC_SOURCE_DIR) +
                                           "/tests/data/high_variance_confounds/"
                                           "labels_hv_detrend_zscore_sample_f64.npy")
                        .matrix();
  EXPECT_LE(brainenc::test::max_abs_diff(brainenc::io::read_table(dir + "/ts.tsv").values, want),
            1e-6);
  const std::string sidecar = read_text(dir + "/ts.json");
  EXPECT_NE(sidecar.find("\"high_variance_1\""), std::string::npos) << sidecar;
  EXPECT_NE(sidecar.find("\"high_variance_5\""), std::string::npos) << sidecar;
  EXPECT_EQ(sidecar.find("\"high_variance_6\""), std::string::npos) << sidecar;
}

TEST(HighVarianceCli, OptionsAreChecked) {
  const std::string bold = ref_input("tiny_bold_f64.nii.gz");
  BRAINENC_SKIP_IF_EMPTY(bold);
  const std::string dir = brainenc::test::scratch_dir();
  const std::string base = "extract -q --bold '" + bold + "' --atlas '" +
                           ref_input("tiny_labels.nii.gz") + "' --out '" + dir + "/ts.tsv' ";
  auto r = run_brainenc(base + "--hv-percentile 5");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--hv-percentile needs --high-variance-confounds"), std::string::npos)
      << r.err;
  r = run_brainenc(base + "--high-variance-confounds --hv-percentile 101");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--hv-percentile"), std::string::npos) << r.err;
  r = run_brainenc(base + "--high-variance-confounds --hv-n-confounds 0");
  EXPECT_EQ(r.exit_code, 2);
  // 0.1 % of 1680 voxels keeps one, fewer than 5 components: a data error, no output.
  r = run_brainenc(base + "--high-variance-confounds --hv-percentile 0.1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("tiny_bold_f64.nii.gz"), std::string::npos) << r.err;
  EXPECT_FALSE(std::ifstream(dir + "/ts.tsv").good());
}
