// NiftiSpheresMasker parity (shared/reference spheres_* cases, nilearn 0.10.2, README quirk
// 13) and unit tests of the sphere construction on small grids made here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

#include <fstream>

#include "brainenc/io/error.hpp"
#include "brainenc/io/table.hpp"
#include "brainenc/io/volume.hpp"
#include "brainenc/io/volume_reader.hpp"
#include "brainenc/preprocessing/signal_clean.hpp"
#include "brainenc/preprocessing/spheres_masker.hpp"
#include "test_support.hpp"

using namespace brainenc;
using namespace brainenc::preprocessing;

namespace {

std::string input(const std::string& name) { return test::shared_file("reference/inputs/" + name); }

const std::vector<Seed> kSeeds = {{-7.5, -8.0, 0.0}, {7.5, 10.0, -3.0}, {-1.5, 10.0, 12.0}};
const std::vector<Seed> kOverlapping = {{-4.5, -5.0, 3.0}, {-1.5, -5.0, 3.0}, {7.5, 10.0, -3.0}};

Eigen::MatrixXd run_spheres(const std::vector<Seed>& seeds, std::optional<double> radius,
                            bool allow_overlap, const std::string& bold,
                            const std::string& mask_file = "") {
  io::VolumeReader reader(input(bold));
  const io::Grid grid = io::grid_of(reader.header());
  SpheresMaskerOptions o;
  o.radius = radius;
  o.allow_overlap = allow_overlap;
  SpheresMasker m =
      mask_file.empty()
          ? SpheresMasker(seeds, grid, {}, o)
          : SpheresMasker::with_mask(seeds, grid, io::read_volume(input(mask_file)), o, mask_file);
  std::vector<double> frame;
  while (reader.next_frame(frame)) m.add_frame(frame.data());
  return m.signals();
}

io::Grid grid_2mm(std::array<int64_t, 3> dims, double ox, double oy, double oz) {
  io::Grid g;
  g.dims = dims;
  g.affine = Eigen::Matrix4d::Identity();
  g.affine.diagonal().head<3>().setConstant(2.0);
  g.affine.col(3).head<3>() << ox, oy, oz;
  return g;
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

TEST(SpheresMaskerParity, Radius6F64) {
  BRAINENC_SKIP_IF_EMPTY(test::reference_case("spheres_r6_f64"));
  EXPECT_LE(recorded_diff(run_spheres(kSeeds, 6.0, false, "tiny_bold_f64.nii.gz"),
                          test::expected_matrix("spheres_r6_f64")),
            1e-6);
}

TEST(SpheresMaskerParity, Radius6F32) {
  // nilearn averages in float32 (quirk 1): 1e-4 absolute or 1e-5 relative to the column max.
  BRAINENC_SKIP_IF_EMPTY(test::reference_case("spheres_r6_f32"));
  const Eigen::MatrixXd got = run_spheres(kSeeds, 6.0, false, "tiny_bold_f32.nii.gz");
  const Eigen::MatrixXd want = test::expected_matrix("spheres_r6_f32");
  ASSERT_EQ(got.rows(), want.rows());
  ASSERT_EQ(got.cols(), want.cols());
  double worst = 0.0;
  for (Eigen::Index j = 0; j < want.cols(); ++j) {
    const double diff = (got.col(j) - want.col(j)).cwiseAbs().maxCoeff();
    EXPECT_TRUE(diff <= 1e-4 || diff <= 1e-5 * want.col(j).cwiseAbs().maxCoeff())
        << "column " << j << ": " << diff;
    worst = std::max(worst, diff);
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", worst);
  RecordProperty("max_abs_diff", buf);
}

TEST(SpheresMaskerParity, RadiusNoneSingleVoxel) {
  BRAINENC_SKIP_IF_EMPTY(test::reference_case("spheres_r0_single_voxel_f64"));
  EXPECT_LE(recorded_diff(run_spheres(kSeeds, std::nullopt, false, "tiny_bold_f64.nii.gz"),
                          test::expected_matrix("spheres_r0_single_voxel_f64")),
            1e-6);
}

TEST(SpheresMaskerParity, Radius4p5WithMask) {
  BRAINENC_SKIP_IF_EMPTY(test::reference_case("spheres_r4p5_mask_f64"));
  EXPECT_LE(
      recorded_diff(run_spheres(kSeeds, 4.5, false, "tiny_bold_f64.nii.gz", "tiny_mask.nii.gz"),
                    test::expected_matrix("spheres_r4p5_mask_f64")),
      1e-6);
}

TEST(SpheresMaskerParity, OverlapAllowed) {
  BRAINENC_SKIP_IF_EMPTY(test::reference_case("spheres_overlap_allowed_f64"));
  EXPECT_LE(recorded_diff(run_spheres(kOverlapping, 6.0, true, "tiny_bold_f64.nii.gz"),
                          test::expected_matrix("spheres_overlap_allowed_f64")),
            1e-6);
}

TEST(SpheresMaskerParity, OverlapErrorNamesTheSeeds) {
  const std::string name = "spheres_overlap_error";
  BRAINENC_SKIP_IF_EMPTY(test::reference_case(name));
  std::ifstream in(test::shared_file("reference/" + name + "/expected_error.json"));
  const auto expected = nlohmann::json::parse(in);
  ASSERT_EQ(expected["type"], "ValueError");
  try {
    run_spheres(kOverlapping, 6.0, false, "tiny_bold_f64.nii.gz");
    FAIL() << "expected a DataError";
  } catch (const DataError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind(expected["message"].get<std::string>(), 0), 0u)
        << what;  // nilearn's text first
    EXPECT_NE(what.find("seed #0 (-4.5, -5, 3) mm and seed #1 (-1.5, -5, 3) mm"), std::string::npos)
        << what;
  }
}

TEST(SpheresMaskerParity, CleanPipelineF64) {
  // NiftiSpheresMasker(radius=6, standardize='zscore_sample', detrend=True, low_pass=0.1,
  // high_pass=0.01, t_r=2.0) with the confounds TSV.
  BRAINENC_SKIP_IF_EMPTY(test::reference_case("spheres_clean_pipeline_f64"));
  const Eigen::MatrixXd raw = run_spheres(kSeeds, 6.0, false, "tiny_bold_f64.nii.gz");
  CleanOptions o;
  o.detrend = true;
  o.standardize = Standardize::ZScoreSample;
  o.low_pass = 0.1;
  o.high_pass = 0.01;
  o.t_r = 2.0;
  const Eigen::MatrixXd got = clean(raw, o, io::read_table(input("tiny_confounds.tsv")).values);
  EXPECT_LE(recorded_diff(got, test::expected_matrix("spheres_clean_pipeline_f64")), 1e-6);
}

TEST(SpheresMasker, RadiusIsInclusiveAndCountsVoxelCentres) {
  // 2 mm grid, seed on a voxel centre, radius 2: the centre and its 6 face neighbours
  // (distance exactly 2 is inside, as sklearn's radius_neighbors); diagonals (2.83) are not.
  // nilearn 0.10.2 _apply_mask_and_get_affinity gives the same 7 voxels.
  const io::Grid g = grid_2mm({5, 5, 5}, 0, 0, 0);
  SpheresMaskerOptions o;
  o.radius = 2.0;
  SpheresMasker m({{4.0, 4.0, 4.0}}, g, {}, o);
  EXPECT_EQ(m.voxel_counts(), std::vector<int64_t>{7});
  std::vector<double> frame(static_cast<size_t>(g.voxels()), 0.0);
  frame[static_cast<size_t>(g.index(2, 2, 2))] = 7.0;
  frame[static_cast<size_t>(g.index(3, 2, 2))] = 14.0;
  frame[static_cast<size_t>(g.index(3, 3, 2))] = 1000.0;  // diagonal: excluded
  m.add_frame(frame.data());
  EXPECT_DOUBLE_EQ(m.signals()(0, 0), 3.0);
}

TEST(SpheresMasker, NearestVoxelRoundsHalfToEvenAndTruncationQuirkAddsAVoxel) {
  // radius None. Seed x = 1 is index 0.5: np.round gives 0; x = 3 (index 1.5) gives 2.
  // Checked with nilearn 0.10.2 _apply_mask_and_get_affinity on the same grids.
  const io::Grid g = grid_2mm({5, 3, 3}, 0, 0, 0);
  SpheresMasker m({{1.0, 2.0, 2.0}, {3.0, 0.0, 0.0}}, g, {}, SpheresMaskerOptions{});
  EXPECT_EQ(m.sphere_voxels(0), std::vector<int64_t>{g.index(0, 1, 1)});
  EXPECT_EQ(m.sphere_voxels(1), std::vector<int64_t>{g.index(2, 0, 0)});
  // Voxel centres x = -5.2, -3.2, -1.2, 0.8, 2.8. Seed x = -0.9: nearest centre -1.2, and
  // int(-0.9) == int(0.8) == 0, so nilearn also takes the voxel at 0.8.
  const io::Grid q = grid_2mm({5, 3, 3}, -5.2, 0, 0);
  SpheresMasker quirk({{-0.9, 2.0, 2.0}}, q, {}, SpheresMaskerOptions{});
  EXPECT_EQ(quirk.sphere_voxels(0), (std::vector<int64_t>{q.index(2, 1, 1), q.index(3, 1, 1)}));
}

TEST(SpheresMasker, BadSeedsAreDataErrorsNamingTheSeed) {
  const io::Grid g = grid_2mm({5, 5, 5}, 0, 0, 0);
  SpheresMaskerOptions o;
  o.radius = 3.0;
  try {
    SpheresMasker({{4.0, 4.0, 4.0}, {40.0, 4.0, 4.0}}, g, {}, o);
    FAIL() << "expected a DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("seed #1 (40, 4, 4) mm lies outside the image"),
              std::string::npos)
        << e.what();
  }
  // Inside the image but every voxel of the sphere is masked out.
  std::vector<double> mask(static_cast<size_t>(g.voxels()), 0.0);
  mask[0] = 1.0;
  try {
    SpheresMasker({{6.0, 6.0, 6.0}}, g, mask, o);
    FAIL() << "expected a DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("seed #0 (6, 6, 6) mm: the sphere is empty"),
              std::string::npos)
        << e.what();
  }
  // Two seeds in the same voxel overlap even without a radius.
  EXPECT_THROW(SpheresMasker({{4.0, 4.0, 4.0}, {4.2, 4.0, 4.0}}, g, {}, SpheresMaskerOptions{}),
               DataError);
}
