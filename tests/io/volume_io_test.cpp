#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "brainenc/io/error.hpp"
#include "brainenc/io/volume.hpp"
#include "brainenc/io/volume_reader.hpp"
#include "test_support.hpp"

using namespace brainenc;
using namespace brainenc::io;

namespace {

Grid oblique_grid() {
  Grid g;
  g.dims = {7, 6, 5};
  g.affine << 2.9, -0.5, 0.1, -20, 0.5, 2.9, 0.0, 10, 0.0, 0.0, 3.0, -5, 0, 0, 0, 1;
  return g;
}

std::vector<double> ramp(size_t n, double scale) {
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = double(i % 97) * scale - 40.0;
  return v;
}

}  // namespace

class RoundTrip : public ::testing::TestWithParam<std::tuple<NiftiType, const char*>> {};

TEST_P(RoundTrip, ValuesAffineAndTrSurvive) {
  const auto [type, ext] = GetParam();
  const std::string p = test::scratch_dir() + "/img" + ext;
  const Grid g = oblique_grid();
  const bool integer = type != NiftiType::Float32 && type != NiftiType::Float64;
  const auto values = ramp(size_t(g.voxels()) * 4, integer ? 1.0 : 0.25);
  std::vector<double> stored = values;
  if (type == NiftiType::UInt8)
    for (auto& x : stored) x += 40.0;
  write_nifti(p, g, 4, stored, type, 1.5, "roundtrip");
  const Volume<double> v = read_volume(p);
  EXPECT_EQ(v.frames, 4);
  EXPECT_EQ(v.grid.dims, g.dims);
  EXPECT_LT((v.grid.affine - g.affine).cwiseAbs().maxCoeff(), 1e-5);
  EXPECT_DOUBLE_EQ(v.header.tr_seconds, 1.5);
  EXPECT_EQ(v.header.descrip, "roundtrip");
  ASSERT_EQ(v.data.size(), stored.size());
  for (size_t i = 0; i < stored.size(); ++i) ASSERT_DOUBLE_EQ(v.data[i], stored[i]) << i;
}

INSTANTIATE_TEST_SUITE_P(Types, RoundTrip,
                         ::testing::Combine(::testing::Values(NiftiType::UInt8, NiftiType::Int16,
                                                              NiftiType::Int32, NiftiType::Float32,
                                                              NiftiType::Float64),
                                            ::testing::Values(".nii", ".nii.gz")));

TEST(VolumeReader, StreamsFramesInOrder) {
  const std::string p = test::scratch_dir() + "/bold.nii.gz";
  Grid g;
  g.dims = {3, 4, 5};
  std::vector<double> values(size_t(g.voxels()) * 6);
  for (size_t i = 0; i < values.size(); ++i) values[i] = double(i);
  write_nifti(p, g, 6, values, NiftiType::Float32, 2.0);
  VolumeReader r(p);
  std::vector<double> frame;
  int64_t t = 0;
  while (r.next_frame(frame)) {
    ASSERT_EQ(frame.size(), 60u);
    EXPECT_DOUBLE_EQ(frame[0], double(t * 60));
    EXPECT_DOUBLE_EQ(frame[59], double(t * 60 + 59));
    ++t;
  }
  EXPECT_EQ(t, 6);
}

TEST(VolumeReader, TruncatedGzipIsADataErrorNamingTheFile) {
  const std::string dir = test::scratch_dir();
  const std::string p = dir + "/big.nii.gz";
  Grid g;
  g.dims = {32, 32, 16};
  std::vector<double> values(size_t(g.voxels()) * 20);
  uint64_t s = 12345;
  for (auto& x : values) {  // noise, so that gzip cannot shrink it to nothing
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    x = double(s >> 40);
  }
  write_nifti(p, g, 20, values, NiftiType::Float32, 2.0);
  const auto size = std::filesystem::file_size(p);
  std::filesystem::resize_file(p, size / 2);
  try {
    VolumeReader r(p);  // the header is intact; the inflater may fail as soon as it starts
    std::vector<double> frame;
    while (r.next_frame(frame)) {
    }
    FAIL() << "a truncated .nii.gz was read to the end";
  } catch (const DataError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("big.nii.gz"), std::string::npos) << msg;
    EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
  }
}

TEST(VolumeReader, CorruptGzipIsADataError) {
  const std::string dir = test::scratch_dir();
  const std::string p = dir + "/corrupt.nii.gz";
  Grid g;
  g.dims = {16, 16, 8};
  std::vector<double> values(size_t(g.voxels()) * 10, 1.0);
  for (size_t i = 0; i < values.size(); ++i) values[i] = double(i % 1013);
  write_nifti(p, g, 10, values, NiftiType::Float32, 2.0);
  {
    std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(std::filesystem::file_size(p) / 2));
    const char junk[64] = "this is not deflate data at all, it is junk written by a test..";
    f.write(junk, sizeof junk);
  }
  EXPECT_THROW(
      {
        VolumeReader r(p);
        std::vector<double> frame;
        while (r.next_frame(frame)) {
        }
      },
      DataError);
}
