// Atlas resampling as nilearn's NiftiLabelsMasker does it: shared/reference cases
// labels_resample_atlas_to_data_f64 (atlas -> data grid, nearest) and
// labels_resample_data_to_labels_f64 (BOLD -> atlas grid, continuous + clip, streamed), plus
// the label report, the cache and the field-of-view errors on small images made here.
#include <gtest/gtest.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include <fstream>

#include "brainenc/io/error.hpp"
#include "brainenc/io/npy.hpp"
#include "brainenc/io/volume.hpp"
#include "brainenc/io/volume_reader.hpp"
#include "brainenc/preprocessing/atlas_resampling.hpp"
#include "brainenc/preprocessing/labels_masker.hpp"
#include "brainenc/preprocessing/resampled_reader.hpp"
#include "test_support.hpp"

using namespace brainenc;
using namespace brainenc::preprocessing;

namespace {

std::vector<double> expected_labels(const std::string& case_name) {
  std::ifstream in(test::shared_file("reference/" + case_name + "/expected_labels_.json"));
  return nlohmann::json::parse(in).get<std::vector<double>>();
}

io::Volume<double> small_atlas(std::array<int64_t, 3> dims, double spacing, double origin) {
  io::Volume<double> v;
  v.grid.dims = dims;
  v.grid.affine = Eigen::Matrix4d::Identity();
  for (int a = 0; a < 3; ++a) {
    v.grid.affine(a, a) = spacing;
    v.grid.affine(a, 3) = origin;
  }
  v.header.datatype = static_cast<int>(io::NiftiType::Int16);
  v.data.assign(static_cast<size_t>(v.grid.voxels()), 0.0);
  return v;
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

TEST(AtlasResamplingParity, AtlasOntoDataGrid) {
  const std::string name = "labels_resample_atlas_to_data_f64";
  BRAINENC_SKIP_IF_EMPTY(test::reference_case(name));
  const std::string atlas_path = test::shared_file("reference/inputs/labels_2mm_other_grid.nii.gz");
  const std::string bold_path = test::shared_file("reference/inputs/tiny_bold_f64.nii.gz");
  io::VolumeReader reader(bold_path);
  const io::Grid data_grid = io::grid_of(reader.header());

  AtlasCache cache;
  const auto labels = cache.labels(atlas_path, data_grid);
  // The resampled label image: identical to nilearn's _resampled_labels_img_.
  const io::NpyArray want =
      io::read_npy(test::shared_file("reference/" + name + "/expected_resampled_labels.npy"));
  ASSERT_EQ(want.size(), data_grid.voxels());
  int64_t mismatches = 0;
  for (int64_t i = 0; i < data_grid.dims[0]; ++i)
    for (int64_t j = 0; j < data_grid.dims[1]; ++j)
      for (int64_t k = 0; k < data_grid.dims[2]; ++k)
        mismatches +=
            labels->labels[static_cast<size_t>(data_grid.index(i, j, k))] !=
            want.data[static_cast<size_t>((i * data_grid.dims[1] + j) * data_grid.dims[2] + k)];
  EXPECT_EQ(mismatches, 0);
  EXPECT_TRUE(labels->report.lost.empty());

  LabelsMasker masker(labels->labels, {}, LabelsMaskerOptions{});
  std::vector<double> frame;
  while (reader.next_frame(frame)) masker.add_frame(frame.data());
  EXPECT_EQ(masker.labels(), expected_labels(name));
  EXPECT_LE(recorded_diff(masker.signals(), test::expected_matrix(name)), 1e-6);
}

TEST(AtlasResamplingParity, DataOntoAtlasGridStreamed) {
  const std::string name = "labels_resample_data_to_labels_f64";
  BRAINENC_SKIP_IF_EMPTY(test::reference_case(name));
  const io::Volume<double> atlas =
      io::read_volume(test::shared_file("reference/inputs/labels_2mm_other_grid.nii.gz"));
  // resampling_target='labels': every BOLD frame goes through resample_img(continuous,
  // clip=True) onto the atlas grid; the clip bounds are the whole series' range.
  ResampledFrameReader reader(test::shared_file("reference/inputs/tiny_bold_f64.nii.gz"),
                              atlas.grid);
  EXPECT_EQ(reader.kind(), ResampleKind::Zoom);
  EXPECT_EQ(reader.clip_range().first, 0.0);
  EXPECT_EQ(reader.clip_range().second, 131.7890625);  // max of tiny_bold
  LabelsMasker masker(atlas.data, {}, LabelsMaskerOptions{});
  std::vector<double> frame;
  int64_t frames = 0;
  while (reader.next_frame(frame)) {
    masker.add_frame(frame.data());
    ++frames;
  }
  EXPECT_EQ(frames, 60);
  EXPECT_EQ(masker.labels(), expected_labels(name));
  EXPECT_LE(recorded_diff(masker.signals(), test::expected_matrix(name)), 1e-6);
}

TEST(AtlasResampling, OneVoxelLabelLostAndShrunkLabelsReported) {
  // 1 mm atlas, 12^3: label 7 is a single voxel, label 3 a 6^3 block, label 9 a 2x6x6 slab.
  io::Volume<double> atlas = small_atlas({12, 12, 12}, 1.0, 0.0);
  for (int64_t k = 0; k < 6; ++k)
    for (int64_t j = 0; j < 6; ++j)
      for (int64_t i = 0; i < 6; ++i) atlas.at(i, j, k) = 3;
  for (int64_t k = 0; k < 6; ++k)
    for (int64_t j = 0; j < 6; ++j)
      for (int64_t i = 6; i < 8; ++i) atlas.at(i, j, k) = 9;
  atlas.at(9, 9, 9) = 7;
  // 3 mm target: samples at source coordinates 0, 3, 6, 9 (and 12: outside).
  io::Grid target = small_atlas({5, 5, 5}, 3.0, 0.0).grid;
  const ResampledLabels r = resample_labels(atlas, target, "atlas.nii.gz");
  ASSERT_EQ(r.report.labels.size(), 3u);
  const LabelChange& l3 = r.report.labels[0];
  EXPECT_EQ(l3.label, 3.0);
  EXPECT_EQ(l3.voxels_before, 216);
  EXPECT_DOUBLE_EQ(l3.expected_voxels, 216.0 / 27.0);
  EXPECT_EQ(l3.voxels_after, 8);  // coordinates 0 and 3 on each axis
  const LabelChange& l7 = r.report.labels[1];
  EXPECT_EQ(l7.label, 7.0);
  EXPECT_EQ(l7.voxels_before, 1);
  EXPECT_EQ(l7.voxels_after, 1);  // (9, 9, 9) is a sample point: it survives
  const LabelChange& l9 = r.report.labels[2];
  EXPECT_EQ(l9.voxels_after, 4);  // x = 6 (label 9 covers x 6..7), y, z in {0, 3}
  EXPECT_TRUE(r.report.lost.empty());

  // Move the single voxel off the sample points: it disappears.
  atlas.at(9, 9, 9) = 0;
  atlas.at(10, 10, 10) = 7;
  const ResampledLabels lost = resample_labels(atlas, target, "atlas.nii.gz");
  EXPECT_EQ(lost.report.lost, std::vector<double>{7.0});
  EXPECT_EQ(lost.report.shrunk(0.5), std::vector<double>{7.0});
  EXPECT_NE(lost.report.summary().find("label 7 lost"), std::string::npos) << lost.report.summary();
}

TEST(AtlasResampling, AtlasThatMissesTheDataIsADataError) {
  io::Volume<double> atlas = small_atlas({10, 10, 10}, 2.0, 0.0);
  atlas.at(1, 1, 1) = 4;
  // The target overlaps the atlas' box (no BoundingBoxError) but only where it is background.
  const io::Grid target = small_atlas({4, 4, 4}, 2.0, 12.0).grid;
  try {
    resample_labels(atlas, target, "atlas_far.nii.gz");
    FAIL() << "expected a DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("atlas_far.nii.gz"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no label survives"), std::string::npos) << e.what();
  }
  // Entirely outside: nilearn's BoundingBoxError, also a DataError naming the atlas.
  const io::Grid beyond = small_atlas({4, 4, 4}, 2.0, 200.0).grid;
  EXPECT_THROW(resample_labels(atlas, beyond, "atlas_far.nii.gz"), DataError);
}

TEST(AtlasResampling, CacheResamplesOncePerGrid) {
  io::Volume<double> atlas = small_atlas({10, 10, 10}, 2.0, 0.0);
  for (int64_t i = 0; i < 5; ++i) atlas.at(i, i, i) = 1 + i;
  const std::string path = test::scratch_dir() + "/atlas.nii.gz";
  io::write_nifti(path, atlas.grid, 1, atlas.data, io::NiftiType::Int16);
  const io::Grid g1 = small_atlas({5, 5, 5}, 4.0, 0.0).grid;
  const io::Grid g2 = small_atlas({5, 5, 5}, 4.0, 2.0).grid;
  AtlasCache cache;
  const auto a = cache.labels(path, g1);
  const auto b = cache.labels(path, g1);
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(cache.resamplings(), 1);
  cache.labels(path, g2);
  EXPECT_EQ(cache.resamplings(), 2);
  // Same path, new content: a new key.
  atlas.at(8, 8, 8) = 9;
  io::write_nifti(path, atlas.grid, 1, atlas.data, io::NiftiType::Int16);
  const auto c = cache.labels(path, g1);
  EXPECT_NE(c.get(), a.get());
  EXPECT_EQ(cache.resamplings(), 3);
  EXPECT_EQ(cache.size(), 3u);
}

TEST(AtlasResampling, MapsAreResampledLinearlyOncePerGrid) {
  // Two 4 mm-wide ramps on a 1 mm grid; a 2 mm target samples them at even coordinates plus
  // half a voxel, where linear interpolation is the mean of the two neighbours.
  io::Volume<double> maps = small_atlas({8, 4, 4}, 1.0, 0.0);
  maps.header.datatype = static_cast<int>(io::NiftiType::Float64);
  maps.frames = 2;
  maps.data.assign(static_cast<size_t>(2 * maps.grid.voxels()), 0.0);
  for (int64_t k = 0; k < 4; ++k)
    for (int64_t j = 0; j < 4; ++j)
      for (int64_t i = 0; i < 8; ++i) {
        maps.at(i, j, k, 0) = static_cast<double>(i);
        maps.at(i, j, k, 1) = static_cast<double>(7 - i);
      }
  const std::string path = test::scratch_dir() + "/maps.nii.gz";
  io::write_nifti(path, maps.grid, 2, maps.data, io::NiftiType::Float64);
  const io::Grid target = small_atlas({3, 2, 2}, 2.0, 0.5).grid;
  AtlasCache cache;
  const auto a = cache.maps(path, target);
  const auto b = cache.maps(path, target);
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(cache.resamplings(), 1);
  ASSERT_EQ(a->frames, 2);
  for (int64_t i = 0; i < 3; ++i) {
    EXPECT_DOUBLE_EQ(a->at(i, 1, 1, 0), 0.5 + 2.0 * static_cast<double>(i));
    EXPECT_DOUBLE_EQ(a->at(i, 1, 1, 1), 6.5 - 2.0 * static_cast<double>(i));
  }
  // Maps whose field of view misses the data: every map is zero there.
  const io::Grid far = small_atlas({3, 3, 3}, 2.0, -5.0).grid;  // source coords <= -1: outside
  EXPECT_THROW(resample_maps(maps, far, "maps.nii.gz"), DataError);
}

TEST(AtlasResampling, SeriesOnTheSameGridIsPassedThrough) {
  // resample_img returns the image unchanged on an equal grid: no clipping, no first pass.
  io::Volume<double> bold = small_atlas({3, 3, 3}, 2.0, 0.0);
  const int64_t n = bold.grid.voxels();
  std::vector<double> values(static_cast<size_t>(3 * n));
  for (size_t i = 0; i < values.size(); ++i) values[i] = -50.0 + static_cast<double>(i);
  const std::string path = test::scratch_dir() + "/bold.nii.gz";
  io::write_nifti(path, bold.grid, 3, values, io::NiftiType::Float64, 2.0);
  io::Grid nearly = bold.grid;
  nearly.affine(0, 3) += 1e-9;  // np.allclose: the same grid
  ResampledFrameReader reader(path, nearly);
  EXPECT_EQ(reader.kind(), ResampleKind::Same);
  std::vector<double> frame;
  for (int64_t t = 0; t < 3; ++t) {
    ASSERT_TRUE(reader.next_frame(frame));
    for (int64_t v = 0; v < n; ++v)
      EXPECT_EQ(frame[static_cast<size_t>(v)], values[static_cast<size_t>(t * n + v)]);
  }
  EXPECT_FALSE(reader.next_frame(frame));
}
