// NiftiMapsMasker parity (shared/reference maps_* cases, nilearn 0.10.2, README quirk 12) and
// unit tests of the least-squares masker on small maps made here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include <Eigen/QR>

#include "brainenc/io/error.hpp"
#include "brainenc/io/table.hpp"
#include "brainenc/io/volume.hpp"
#include "brainenc/io/volume_reader.hpp"
#include "brainenc/preprocessing/maps_masker.hpp"
#include "brainenc/preprocessing/signal_clean.hpp"
#include "test_support.hpp"

using namespace brainenc;
using namespace brainenc::preprocessing;

namespace {

std::string input(const std::string& name) { return test::shared_file("reference/inputs/" + name); }

Eigen::MatrixXd run_maps(const std::string& bold, const std::string& mask_file) {
  const io::Volume<double> maps = io::read_volume(input("tiny_maps.nii.gz"));
  io::VolumeReader reader(input(bold));
  io::Volume<double> mask;
  if (!mask_file.empty()) mask = io::read_volume(input(mask_file));
  MapsMasker m =
      MapsMasker::on_grid(maps, io::grid_of(reader.header()), mask_file.empty() ? nullptr : &mask,
                          MapsMaskerOptions{}, "tiny_maps.nii.gz");
  EXPECT_EQ(m.map_indices(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_FALSE(m.rank_deficient());
  std::vector<double> frame;
  while (reader.next_frame(frame)) m.add_frame(frame.data());
  return m.signals();
}

// float32 references: nilearn's lstsq runs in float32 (quirk 1); 1e-5 relative to the column max.
void expect_close_f32(const Eigen::MatrixXd& got, const Eigen::MatrixXd& want) {
  ASSERT_EQ(got.rows(), want.rows());
  ASSERT_EQ(got.cols(), want.cols());
  double worst = 0.0;
  for (Eigen::Index j = 0; j < want.cols(); ++j) {
    const double scale = want.col(j).cwiseAbs().maxCoeff();
    const double diff = (got.col(j) - want.col(j)).cwiseAbs().maxCoeff();
    EXPECT_TRUE(diff <= 1e-4 || diff <= 1e-5 * scale) << "column " << j << ": " << diff;
    worst = std::max(worst, diff / scale);
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", worst);
  ::testing::Test::RecordProperty("max_rel_diff", buf);
}

// Max |got - want|, recorded in the test report (--gtest_output=xml) as max_abs_diff.
double recorded_diff(const Eigen::MatrixXd& got, const Eigen::MatrixXd& want) {
  const double d = test::max_abs_diff(got, want);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", d);
  ::testing::Test::RecordProperty("max_abs_diff", buf);
  return d;
}

}  // namespace

TEST(MapsMaskerParity, DefaultF64) {
  BRAINENC_SKIP_IF_EMPTY(test::reference_case("maps_default_f64"));
  EXPECT_LE(recorded_diff(run_maps("tiny_bold_f64.nii.gz", ""),
                          test::expected_matrix("maps_default_f64")),
            1e-6);
}

TEST(MapsMaskerParity, DefaultF32) {
  BRAINENC_SKIP_IF_EMPTY(test::reference_case("maps_default_f32"));
  expect_close_f32(run_maps("tiny_bold_f32.nii.gz", ""), test::expected_matrix("maps_default_f32"));
}

TEST(MapsMaskerParity, MaskF64) {
  BRAINENC_SKIP_IF_EMPTY(test::reference_case("maps_mask_f64"));
  EXPECT_LE(recorded_diff(run_maps("tiny_bold_f64.nii.gz", "tiny_mask.nii.gz"),
                          test::expected_matrix("maps_mask_f64")),
            1e-6);
}

TEST(MapsMaskerParity, CleanPipelineF64) {
  // NiftiMapsMasker(standardize='zscore_sample', detrend=True, low_pass=0.1, high_pass=0.01,
  // t_r=2.0) with the confounds TSV: the masker's signals go through signal.clean.
  BRAINENC_SKIP_IF_EMPTY(test::reference_case("maps_clean_pipeline_f64"));
  const Eigen::MatrixXd raw = run_maps("tiny_bold_f64.nii.gz", "");
  CleanOptions o;
  o.detrend = true;
  o.standardize = Standardize::ZScoreSample;
  o.low_pass = 0.1;
  o.high_pass = 0.01;
  o.t_r = 2.0;
  const io::Table conf = io::read_table(input("tiny_confounds.tsv"));
  const Eigen::MatrixXd got = clean(raw, o, conf.values);
  // Filtered path: orders of summation in filtfilt differ (README tolerances: ~1e-9).
  EXPECT_LE(recorded_diff(got, test::expected_matrix("maps_clean_pipeline_f64")), 1e-6);
}

TEST(MapsMasker, FullRankMatchesLeastSquares) {
  // 3 overlapping maps on 6 voxels; the frame is an exact combination plus a residual.
  const std::vector<double> maps = {1, 1,   0.5, 0,   0, 0,   // map 0
                                    0, 0.5, 1,   1,   0, 0,   // map 1
                                    0, 0,   0,   0.5, 1, 1};  // map 2
  MapsMasker m(maps, 3, 6, {});
  EXPECT_EQ(m.rank(), 3);
  EXPECT_EQ(m.support_voxels(), 6);
  const double frame[6] = {2, 3, 4, 5, 6, 1};
  m.add_frame(frame);
  Eigen::MatrixXd a(6, 3);
  for (int k = 0; k < 3; ++k)
    for (int v = 0; v < 6; ++v) a(v, k) = maps[static_cast<size_t>(k * 6 + v)];
  const Eigen::VectorXd want =
      a.colPivHouseholderQr().solve(Eigen::Map<const Eigen::VectorXd>(frame, 6));
  EXPECT_LE((m.signals().row(0).transpose() - want).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(MapsMasker, RankDeficientMapsGiveTheMinimumNormSolution) {
  // Map 2 duplicates map 0: lstsq (gelsd) returns the minimum-norm solution, which splits
  // map 0's coefficient equally between the two copies.
  const std::vector<double> maps = {1, 2, 0, 0,   // map 0
                                    0, 0, 1, 1,   // map 1
                                    1, 2, 0, 0};  // map 2 == map 0
  MapsMasker m(maps, 3, 4, {});
  EXPECT_EQ(m.rank(), 2);
  EXPECT_TRUE(m.rank_deficient());
  const double frame[4] = {3, 6, 2, 4};  // 3 x map 0 + 3 x map 1 with a residual on map 1
  m.add_frame(frame);
  const Eigen::MatrixXd s = m.signals();
  EXPECT_NEAR(s(0, 0), 1.5, 1e-12);
  EXPECT_NEAR(s(0, 1), 3.0, 1e-12);
  EXPECT_NEAR(s(0, 2), 1.5, 1e-12);
  // Same as Eigen's complete orthogonal decomposition (minimum norm).
  Eigen::MatrixXd a(4, 3);
  for (int k = 0; k < 3; ++k)
    for (int v = 0; v < 4; ++v) a(v, k) = maps[static_cast<size_t>(k * 4 + v)];
  const Eigen::VectorXd want =
      a.completeOrthogonalDecomposition().solve(Eigen::Map<const Eigen::VectorXd>(frame, 4));
  EXPECT_LE((s.row(0).transpose() - want).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(MapsMasker, MaskedOutMapIsAZeroColumnOrDropped) {
  const std::vector<double> maps = {1, 1, 0, 0,   // map 0
                                    0, 0, 1, 1};  // map 1: outside the mask
  const std::vector<double> mask = {1, 1, 0, 0};
  MapsMasker keep(maps, 2, 4, mask);
  EXPECT_EQ(keep.masked_out_maps(), std::vector<int64_t>{1});
  EXPECT_EQ(keep.map_indices(), (std::vector<int64_t>{0, 1}));
  const double frame[4] = {2, 4, 100, 100};
  keep.add_frame(frame);
  EXPECT_DOUBLE_EQ(keep.signals()(0, 0), 3.0);
  EXPECT_EQ(keep.signals()(0, 1), 0.0);
  MapsMaskerOptions o;
  o.keep_masked_maps = false;
  MapsMasker drop(maps, 2, 4, mask, o);
  EXPECT_EQ(drop.map_indices(), std::vector<int64_t>{0});
  drop.add_frame(frame);
  EXPECT_EQ(drop.signals().cols(), 1);
}

TEST(MapsMasker, BadInputIsADataErrorNamingTheFile) {
  io::Volume<double> maps;
  maps.grid.dims = {2, 2, 1};
  maps.frames = 2;
  maps.data = {1, 1, 0, 0, 0, 0, 1, 1};
  io::Grid other = maps.grid;
  other.affine(0, 0) = 2.0;
  try {
    MapsMasker::on_grid(maps, other, nullptr, {}, "difumo.nii.gz");
    FAIL() << "expected a DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("difumo.nii.gz"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not on the data grid"), std::string::npos) << e.what();
  }
  MapsMaskerOptions no_overlap;
  no_overlap.allow_overlap = false;
  const std::vector<double> overlapping = {1, 1, 0, 0, 0, 0.5, 1, 1};
  EXPECT_THROW(MapsMasker(overlapping, 2, 4, {}, no_overlap, "maps.nii.gz"), DataError);
  EXPECT_NO_THROW(MapsMasker(maps.data, 2, 4, {}, no_overlap, "maps.nii.gz"));
  EXPECT_THROW(MapsMasker(maps.data, 3, 4, {}, {}, "maps.nii.gz"), DataError);  // wrong size
}
