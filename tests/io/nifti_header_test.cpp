#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "brainenc/io/error.hpp"
#include "brainenc/io/nifti_header.hpp"
#include "brainenc/io/volume.hpp"
#include "brainenc/io/volume_reader.hpp"
#include "test_support.hpp"

using namespace brainenc;
using namespace brainenc::io;

namespace {

// Affine that nibabel 5.0.0 reports for header_quirks/example4d.nii.gz and example_nifti2.nii.gz.
Eigen::Matrix4d nibabel_example4d_affine() {
  Eigen::Matrix4d a;
  a << -2.0, 6.7147156536e-19, 9.0810245111e-18, 1.1785510254e+02,            //
      -6.7147156536e-19, 1.9737114906, -3.5552823544e-01, -3.5722942352e+01,  //
      8.2554808890e-18, 3.2320761681e-01, 2.1710817814, -7.2487983704,        //
      0, 0, 0, 1;
  return a;
}

}  // namespace

TEST(NiftiHeader, TrStoredInMillisecondsIsReadAsSeconds) {
  const std::string f = test::shared_file("data/fmri/header_quirks/example4d.nii.gz");
  BRAINENC_SKIP_IF_EMPTY(f);
  const NiftiHeader h = read_nifti_header(f);
  EXPECT_EQ(h.version, 1);
  EXPECT_TRUE(h.gzipped);
  EXPECT_EQ(h.dim[0], 4);
  EXPECT_EQ(h.nx(), 128);
  EXPECT_EQ(h.ny(), 96);
  EXPECT_EQ(h.nz(), 24);
  EXPECT_EQ(h.nt(), 2);
  EXPECT_EQ(nifti_type_name(h.datatype), "int16");
  EXPECT_DOUBLE_EQ(h.tr_seconds, 2.0);  // pixdim[4] = 2000 with units "s"
  EXPECT_NE(h.tr_note.find("milliseconds"), std::string::npos);
  EXPECT_EQ(h.affine_source, "sform");
  EXPECT_LT((h.affine - nibabel_example4d_affine()).cwiseAbs().maxCoeff(), 1e-6);
}

TEST(NiftiHeader, Nifti2HeaderMatchesNibabel) {
  const std::string f = test::shared_file("data/fmri/header_quirks/example_nifti2.nii.gz");
  BRAINENC_SKIP_IF_EMPTY(f);
  const NiftiHeader h = read_nifti_header(f);
  EXPECT_EQ(h.version, 2);
  EXPECT_EQ(h.nx(), 32);
  EXPECT_EQ(h.ny(), 20);
  EXPECT_EQ(h.nz(), 12);
  EXPECT_EQ(h.nt(), 2);
  EXPECT_DOUBLE_EQ(h.tr_seconds, 2.0);
  EXPECT_LT((h.affine - nibabel_example4d_affine()).cwiseAbs().maxCoeff(), 1e-6);
  // nibabel 5.0.0: get_fdata().sum() = 6926802.0, C-order flat[1234] = voxel (2,11,5,0) = 431,
  // centre voxel (16,10,6,1) = 266.
  const Volume<double> v = read_volume(f);
  double sum = 0;
  for (double x : v.data) sum += x;
  EXPECT_DOUBLE_EQ(sum, 6926802.0);
  EXPECT_DOUBLE_EQ(v.at(2, 11, 5, 0), 431.0);
  EXPECT_DOUBLE_EQ(v.at(16, 10, 6, 1), 266.0);
}

TEST(NiftiHeader, ScaledInt16MatchesNibabel) {
  const std::string f = test::shared_file("data/fmri/spm_mni_bold/functional.nii");
  BRAINENC_SKIP_IF_EMPTY(f);
  const NiftiHeader h = read_nifti_header(f);
  EXPECT_TRUE(h.has_scaling());
  EXPECT_NEAR(h.scl_slope, 0.0754070, 1e-7);
  EXPECT_EQ(h.sform_code, 2);
  // nibabel 5.0.0 get_fdata(): sum 77913290.36292362, C-order flat[1234] = voxel (0,20,1,14)
  // 3292.2954189777374, voxel (8,10,1,10) 3937.251221358776.
  const Volume<double> v = read_volume(f);
  double sum = 0;
  for (double x : v.data) sum += x;
  EXPECT_NEAR(sum, 77913290.36292362, 1e-6);
  EXPECT_DOUBLE_EQ(v.at(0, 20, 1, 14), 3292.2954189777374);
  EXPECT_DOUBLE_EQ(v.at(8, 10, 1, 10), 3937.251221358776);
  Eigen::Matrix4d expected;
  expected << -4, 0, 0, 32, 0, 4, 0, -40, 0, 0, 8, 0, 0, 0, 0, 1;
  EXPECT_LT((h.affine - expected).cwiseAbs().maxCoeff(), 1e-9);
}

TEST(NiftiHeader, BigEndianMatchesNibabel) {
  const std::string f = test::shared_file("data/fmri/spm_mni_bold/anatomical.nii");
  BRAINENC_SKIP_IF_EMPTY(f);
  const NiftiHeader h = read_nifti_header(f);
  EXPECT_TRUE(h.byte_swapped);
  EXPECT_EQ(h.dim[0], 3);
  EXPECT_EQ(h.nt(), 1);
  // nibabel 5.0.0: sum 284166082, C-order flat[1234] = voxel (1,8,9) 11457, voxel (16,20,12) 11881.
  const Volume<double> v = read_volume(f);
  double sum = 0;
  for (double x : v.data) sum += x;
  EXPECT_DOUBLE_EQ(sum, 284166082.0);
  EXPECT_DOUBLE_EQ(v.at(1, 8, 9), 11457.0);
  EXPECT_DOUBLE_EQ(v.at(16, 20, 12), 11881.0);
}

// --- Bad headers: each must be refused before any allocation, naming the field. ---

class BadHeader : public ::testing::Test {
 protected:
  // A valid 4x5x6x3 float32 .nii written by brainenc, returned as bytes for corruption.
  void SetUp() override {
    dir_ = test::scratch_dir();
    Grid g;
    g.dims = {4, 5, 6};
    g.affine.diagonal() << 2, 2, 2, 1;
    std::vector<double> values(4 * 5 * 6 * 3);
    for (size_t i = 0; i < values.size(); ++i) values[i] = double(i);
    good_ = dir_ + "/good.nii";
    write_nifti(good_, g, 3, values, NiftiType::Float32, 2.0);
    std::ifstream in(good_, std::ios::binary);
    bytes_.assign(std::istreambuf_iterator<char>(in), {});
  }
  template <class T>
  void poke(size_t offset, T value) {
    std::memcpy(bytes_.data() + offset, &value, sizeof(T));
  }
  std::string write(const std::string& name, size_t size = 0) {
    const std::string p = dir_ + "/" + name;
    std::ofstream out(p, std::ios::binary);
    out.write(bytes_.data(), static_cast<std::streamsize>(size ? size : bytes_.size()));
    return p;
  }
  // Message of the DataError thrown by read_nifti_header.
  std::string error_of(const std::string& path) {
    try {
      read_nifti_header(path);
    } catch (const DataError& e) {
      return e.what();
    }
    return "(no error)";
  }
  std::string dir_, good_;
  std::vector<char> bytes_;
};

TEST_F(BadHeader, GoodFileReadsBack) {
  const Volume<double> v = read_volume(good_);
  ASSERT_EQ(v.data.size(), 360u);
  EXPECT_DOUBLE_EQ(v.data[359], 359.0);
  EXPECT_DOUBLE_EQ(v.header.tr_seconds, 2.0);
}

TEST_F(BadHeader, NegativeDim) {
  poke<int16_t>(42, -3);  // dim[1]
  const std::string msg = error_of(write("negdim.nii"));
  EXPECT_NE(msg.find("negdim.nii"), std::string::npos) << msg;
  EXPECT_NE(msg.find("dim[1] = -3"), std::string::npos) << msg;
}

TEST_F(BadHeader, AbsurdDims) {
  poke<int16_t>(40, 4);
  poke<int16_t>(42, 32767);
  poke<int16_t>(44, 32767);
  poke<int16_t>(46, 32767);
  poke<int16_t>(48, 32767);
  const std::string msg = error_of(write("absurd.nii"));
  EXPECT_NE(msg.find("absurd"), std::string::npos) << msg;
}

TEST_F(BadHeader, UnknownDatatype) {
  poke<int16_t>(70, 17);
  const std::string msg = error_of(write("dtype.nii"));
  EXPECT_NE(msg.find("datatype = 17"), std::string::npos) << msg;
}

TEST_F(BadHeader, BitpixMismatch) {
  poke<int16_t>(72, 8);
  const std::string msg = error_of(write("bitpix.nii"));
  EXPECT_NE(msg.find("bitpix = 8"), std::string::npos) << msg;
}

TEST_F(BadHeader, NonFiniteAffine) {
  poke<float>(280 + 4, std::nanf(""));  // srow_x[1]
  const std::string msg = error_of(write("nanaffine.nii"));
  EXPECT_NE(msg.find("srow_x[1]"), std::string::npos) << msg;
}

TEST_F(BadHeader, VoxOffsetInsideHeader) {
  poke<float>(108, 10.0f);
  const std::string msg = error_of(write("offset.nii"));
  EXPECT_NE(msg.find("vox_offset"), std::string::npos) << msg;
}

TEST_F(BadHeader, WrongSizeofHdr) {
  poke<int32_t>(0, 1234);
  const std::string msg = error_of(write("sizeof.nii"));
  EXPECT_NE(msg.find("sizeof_hdr = 1234"), std::string::npos) << msg;
}

TEST_F(BadHeader, TruncatedData) {
  const std::string p = write("short.nii", bytes_.size() - 100);
  const std::string msg = error_of(p);
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
  EXPECT_NE(msg.find("short.nii"), std::string::npos) << msg;
}

TEST_F(BadHeader, TruncatedHeader) {
  const std::string msg = error_of(write("tiny.nii", 100));
  EXPECT_NE(msg.find("shorter than a NIfTI header"), std::string::npos) << msg;
}

TEST_F(BadHeader, MissingFile) {
  const std::string msg = error_of(dir_ + "/nothere.nii.gz");
  EXPECT_NE(msg.find("no such file"), std::string::npos) << msg;
}
