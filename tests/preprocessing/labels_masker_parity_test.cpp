// NiftiLabelsMasker parity: shared/reference cases (nilearn 0.10.2), README quirks 1 and 11.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "brainenc/io/volume.hpp"
#include "brainenc/io/volume_reader.hpp"
#include "brainenc/preprocessing/labels_masker.hpp"
#include "test_support.hpp"

using namespace brainenc;
using namespace brainenc::preprocessing;

namespace {

struct LabelsCase {
  const char* name;
  const char* bold;
  LabelStrategy strategy;
  const char* mask;
  double background;
  bool keep_masked;
};

std::ostream& operator<<(std::ostream& os, const LabelsCase& c) { return os << c.name; }

Eigen::MatrixXd run_masker(const LabelsCase& c, std::vector<double>* labels_out) {
  const io::Volume<double> labels =
      io::read_volume(test::shared_file("reference/inputs/tiny_labels.nii.gz"));
  std::vector<double> mask;
  if (c.mask[0])
    mask = io::read_volume(test::shared_file(std::string("reference/inputs/") + c.mask)).data;
  LabelsMaskerOptions o;
  o.strategy = c.strategy;
  o.background_label = c.background;
  o.keep_masked_labels = c.keep_masked;
  LabelsMasker masker(labels.data, mask, o);
  io::VolumeReader reader(test::shared_file(std::string("reference/inputs/") + c.bold));
  std::vector<double> frame;
  while (reader.next_frame(frame)) masker.add_frame(frame.data());
  if (labels_out) *labels_out = masker.labels();
  return masker.signals();
}

}  // namespace

class LabelsParity : public ::testing::TestWithParam<LabelsCase> {};

TEST_P(LabelsParity, MatchesNilearn) {
  const LabelsCase& c = GetParam();
  BRAINENC_SKIP_IF_EMPTY(test::reference_case(c.name));
  std::vector<double> labels;
  const Eigen::MatrixXd got = run_masker(c, &labels);
  const Eigen::MatrixXd want = test::expected_matrix(c.name);
  const bool f32 = std::string(c.bold).find("f32") != std::string::npos;
  // float64 input: 1e-6 absolute. float32 input: nilearn casts each reduction to float32
  // (quirk 1), so 1e-5 relative to the column's max (reference README tolerances).
  if (f32) {
    ASSERT_EQ(got.rows(), want.rows());
    ASSERT_EQ(got.cols(), want.cols());
    for (Eigen::Index j = 0; j < want.cols(); ++j) {
      const double scale = std::max(1.0, want.col(j).cwiseAbs().maxCoeff());
      EXPECT_LE((got.col(j) - want.col(j)).cwiseAbs().maxCoeff(), 1e-5 * scale) << "column " << j;
    }
  } else {
    EXPECT_LE(test::max_abs_diff(got, want), 1e-6);
  }
  const std::string labels_json =
      test::shared_file(std::string("reference/") + c.name + "/expected_labels_.json");
  if (!labels_json.empty()) {
    std::ifstream in(labels_json);
    const auto expected = nlohmann::json::parse(in).get<std::vector<double>>();
    EXPECT_EQ(labels, expected);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Reference, LabelsParity,
    ::testing::Values(
        LabelsCase{"labels_mean_f64", "tiny_bold_f64.nii.gz", LabelStrategy::Mean, "", 0, true},
        LabelsCase{"labels_mean_f32", "tiny_bold_f32.nii.gz", LabelStrategy::Mean, "", 0, true},
        LabelsCase{"labels_median_f64", "tiny_bold_f64.nii.gz", LabelStrategy::Median, "", 0, true},
        LabelsCase{"labels_median_f32", "tiny_bold_f32.nii.gz", LabelStrategy::Median, "", 0, true},
        LabelsCase{"labels_sum_f64", "tiny_bold_f64.nii.gz", LabelStrategy::Sum, "", 0, true},
        LabelsCase{"labels_sum_f32", "tiny_bold_f32.nii.gz", LabelStrategy::Sum, "", 0, true},
        LabelsCase{"labels_minimum_f64", "tiny_bold_f64.nii.gz", LabelStrategy::Minimum, "", 0,
                   true},
        LabelsCase{"labels_minimum_f32", "tiny_bold_f32.nii.gz", LabelStrategy::Minimum, "", 0,
                   true},
        LabelsCase{"labels_maximum_f64", "tiny_bold_f64.nii.gz", LabelStrategy::Maximum, "", 0,
                   true},
        LabelsCase{"labels_maximum_f32", "tiny_bold_f32.nii.gz", LabelStrategy::Maximum, "", 0,
                   true},
        LabelsCase{"labels_variance_f64", "tiny_bold_f64.nii.gz", LabelStrategy::Variance, "", 0,
                   true},
        LabelsCase{"labels_variance_f32", "tiny_bold_f32.nii.gz", LabelStrategy::Variance, "", 0,
                   true},
        LabelsCase{"labels_standard_deviation_f64", "tiny_bold_f64.nii.gz",
                   LabelStrategy::StandardDeviation, "", 0, true},
        LabelsCase{"labels_standard_deviation_f32", "tiny_bold_f32.nii.gz",
                   LabelStrategy::StandardDeviation, "", 0, true},
        LabelsCase{"labels_mean_mask_drops_label_f64", "tiny_bold_f64.nii.gz", LabelStrategy::Mean,
                   "tiny_mask.nii.gz", 0, true},
        LabelsCase{"labels_mean_mask_keep_masked_false_f64", "tiny_bold_f64.nii.gz",
                   LabelStrategy::Mean, "tiny_mask.nii.gz", 0, false},
        LabelsCase{"labels_background_label_5_f64", "tiny_bold_f64.nii.gz", LabelStrategy::Mean, "",
                   5, true},
        LabelsCase{"labels_nan_voxels_f32", "tiny_bold_nan_20vol_f32.nii.gz", LabelStrategy::Mean,
                   "", 0, true}),
    [](const ::testing::TestParamInfo<LabelsCase>& p) { return std::string(p.param.name); });

TEST(LabelsMasker, EmptyRegionAfterMaskIsZeroColumnAndReported) {
  // 4 voxels: labels 1,1,2,2; the mask removes both voxels of label 2.
  LabelsMasker m({1, 1, 2, 2}, {1, 1, 0, 0}, LabelsMaskerOptions{});
  ASSERT_EQ(m.labels(), (std::vector<double>{1, 2}));
  EXPECT_EQ(m.masked_out_labels(), (std::vector<double>{2}));
  const double frame[4] = {1, 3, 100, 100};
  m.add_frame(frame);
  const Eigen::MatrixXd s = m.signals();
  EXPECT_DOUBLE_EQ(s(0, 0), 2.0);
  EXPECT_DOUBLE_EQ(s(0, 1), 0.0);
}
