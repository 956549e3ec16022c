// image.resample_to_img parity: shared/reference resample_* cases (nilearn 0.10.2 on scipy
// 1.10 ndimage.affine_transform). Label images must be identical; linear and continuous
// (cubic B-spline) float32 outputs within 1e-5.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "brainenc/io/npy.hpp"
#include "brainenc/io/volume.hpp"
#include "brainenc/preprocessing/resample.hpp"
#include "test_support.hpp"

using namespace brainenc;
using namespace brainenc::preprocessing;

namespace {

enum class Target { Coarser, Oblique, DataGrid };

struct ResampleCase {
  const char* name;
  const char* source;  // file in reference/inputs
  Target target;
  Interpolation interpolation;
  double tolerance;  // 0: identical
};

std::ostream& operator<<(std::ostream& os, const ResampleCase& c) { return os << c.name; }

io::Grid target_grid(Target t) {
  io::Grid g;
  switch (t) {
    case Target::Coarser:  // np.zeros((8, 9, 7)), 4.5 mm, as written in call.txt
      g.dims = {8, 9, 7};
      g.affine << 4.5, 0, 0, -17.0, 0, 4.5, 0, -21.5, 0, 0, 4.5, -13.0, 0, 0, 0, 1;
      break;
    case Target::Oblique: {  // 4 mm rotated 10 degrees about z: the affine nilearn saw, bit for bit
      g.dims = {9, 10, 8};
      const io::NpyArray a = io::read_npy(
          test::shared_file("reference/resample_labels_nearest_oblique/expected_affine.npy"));
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) g.affine(i, j) = a.data[static_cast<size_t>(4 * i + j)];
      break;
    }
    case Target::DataGrid:
      g = io::read_volume(test::shared_file("reference/inputs/tiny_labels.nii.gz")).grid;
      break;
  }
  return g;
}

}  // namespace

class ResampleParity : public ::testing::TestWithParam<ResampleCase> {};

TEST_P(ResampleParity, MatchesNilearn) {
  const ResampleCase& c = GetParam();
  BRAINENC_SKIP_IF_EMPTY(test::reference_case(c.name));
  const io::Volume<double> source =
      io::read_volume(test::shared_file(std::string("reference/inputs/") + c.source));
  const io::Grid target = target_grid(c.target);
  ResampleOptions o;
  o.interpolation = c.interpolation;  // resample_to_img defaults: clip=False, fill_value=0
  const io::Volume<double> got = resample_to_grid(source, target, o, c.source);
  const io::NpyArray want =
      io::read_npy(test::shared_file(std::string("reference/") + c.name + "/expected_out.npy"));

  // expected_out is C order [x, y, z] or [x, y, z, map]; Volume is x fastest, frame-major.
  const int64_t frames = want.shape.size() == 4 ? want.shape[3] : 1;
  ASSERT_EQ(want.shape[0], target.dims[0]);
  ASSERT_EQ(want.shape[1], target.dims[1]);
  ASSERT_EQ(want.shape[2], target.dims[2]);
  ASSERT_EQ(got.frames, frames);
  int64_t mismatches = 0, inexact = 0;
  double max_diff = 0.0, max_value = 0.0;
  for (int64_t i = 0; i < target.dims[0]; ++i)
    for (int64_t j = 0; j < target.dims[1]; ++j)
      for (int64_t k = 0; k < target.dims[2]; ++k)
        for (int64_t m = 0; m < frames; ++m) {
          const double w = want.data[static_cast<size_t>(
              ((i * target.dims[1] + j) * target.dims[2] + k) * frames + m)];
          const double g = got.at(i, j, k, m);
          max_diff = std::max(max_diff, std::fabs(g - w));
          max_value = std::max(max_value, std::fabs(w));
          inexact += g != w;
          if (c.tolerance == 0.0 ? g != w : !(std::fabs(g - w) <= c.tolerance)) ++mismatches;
        }
  EXPECT_EQ(mismatches, 0) << "max |diff| " << max_diff;
  EXPECT_GT(max_value, 0.0);  // the reference is not trivially empty
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", max_diff);
  RecordProperty("max_abs_diff", buf);
  RecordProperty("values_not_bit_identical", std::to_string(inexact));
}

INSTANTIATE_TEST_SUITE_P(
    Reference, ResampleParity,
    ::testing::Values(ResampleCase{"resample_labels_nearest_coarser", "tiny_labels.nii.gz",
                                   Target::Coarser, Interpolation::Nearest, 0.0},
                      ResampleCase{"resample_labels_nearest_oblique", "tiny_labels.nii.gz",
                                   Target::Oblique, Interpolation::Nearest, 0.0},
                      ResampleCase{"resample_labels_2mm_to_data_grid",
                                   "labels_2mm_other_grid.nii.gz", Target::DataGrid,
                                   Interpolation::Nearest, 0.0},
                      ResampleCase{"resample_maps_linear_coarser", "tiny_maps.nii.gz",
                                   Target::Coarser, Interpolation::Linear, 1e-5},
                      ResampleCase{"resample_maps_continuous_coarser", "tiny_maps.nii.gz",
                                   Target::Coarser, Interpolation::Continuous, 1e-5},
                      ResampleCase{"resample_maps_continuous_oblique", "tiny_maps.nii.gz",
                                   Target::Oblique, Interpolation::Continuous, 1e-5}),
    [](const ::testing::TestParamInfo<ResampleCase>& p) { return std::string(p.param.name); });
