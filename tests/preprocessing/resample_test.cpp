// Resampling unit tests on small images made here. Expected numbers marked "nilearn" were
// produced by nilearn 0.10.2 image.resample_img (scipy 1.10, numpy 1.24, Debian 12) on the
// same arrays; the Python is quoted next to each.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "brainenc/io/error.hpp"
#include "brainenc/preprocessing/resample.hpp"

using namespace brainenc;
using namespace brainenc::preprocessing;

namespace {

io::Grid make_grid(std::array<int64_t, 3> dims, const Eigen::Matrix4d& affine) {
  io::Grid g;
  g.dims = dims;
  g.affine = affine;
  return g;
}

Eigen::Matrix4d diag_affine(double sx, double sy, double sz, double ox, double oy, double oz) {
  Eigen::Matrix4d a = Eigen::Matrix4d::Identity();
  a(0, 0) = sx, a(1, 1) = sy, a(2, 2) = sz;
  a(0, 3) = ox, a(1, 3) = oy, a(2, 3) = oz;
  return a;
}

// value = 1 + NIfTI linear index (np.arange(n).reshape(shape, order='F') + 1)
io::Volume<double> arange_volume(const io::Grid& g) {
  io::Volume<double> v;
  v.grid = g;
  v.header.datatype = static_cast<int>(io::NiftiType::Float64);
  v.data.resize(static_cast<size_t>(g.voxels()));
  for (size_t i = 0; i < v.data.size(); ++i) v.data[i] = static_cast<double>(i + 1);
  return v;
}

ResampleOptions with(Interpolation i) {
  ResampleOptions o;
  o.interpolation = i;
  return o;
}

}  // namespace

TEST(Resample, IdentityIsExactForEveryInterpolation) {
  const io::Grid g = make_grid({5, 4, 3}, diag_affine(2, 2, 2, -4, -3, 1));
  io::Volume<double> v = arange_volume(g);
  for (double& x : v.data) x = std::sqrt(x) * 3.7;
  for (Interpolation i :
       {Interpolation::Nearest, Interpolation::Linear, Interpolation::Continuous}) {
    Resampler r(g, g, with(i));
    EXPECT_EQ(r.kind(), ResampleKind::Same);
    const io::Volume<double> out = resample_to_grid(v, g, with(i));
    EXPECT_EQ(out.data, v.data) << to_string(i);
  }
  // Same affine, larger extent: an exact copy padded with zeros (nilearn's shift path).
  const io::Grid bigger = make_grid({7, 4, 3}, g.affine);
  const io::Volume<double> out = resample_to_grid(v, bigger, with(Interpolation::Continuous));
  for (int64_t k = 0; k < 3; ++k)
    for (int64_t j = 0; j < 4; ++j)
      for (int64_t i = 0; i < 7; ++i) EXPECT_EQ(out.at(i, j, k), i < 5 ? v.at(i, j, k) : 0.0);
}

TEST(Resample, NearestTiesAndBordersFollowNilearn) {
  // S = [[2,0,0,-16.5],[0,2,0,-12],[0,0,3,-12]], shape (10, 9, 12); T = [[3,0,0,-21.5],
  // [0,3,0,-17],[0,0,5,-21.5]], shape (8, 7, 9). Along x the source coordinate is 1.5 i - 2.5:
  // the exact ties 0.5 and 3.5 come out of scipy.linalg.inv as 0.4999... and round down, 6.5
  // rounds up; -2.5 and -1 are outside, and so is anything past n - 1 (no half-voxel margin).
  const io::Grid s = make_grid({10, 9, 12}, diag_affine(2, 2, 3, -16.5, -12, -12));
  const io::Grid t = make_grid({8, 7, 9}, diag_affine(3, 3, 5, -21.5, -17, -21.5));
  const io::Volume<double> v = arange_volume(s);
  const io::Volume<double> out = resample_to_grid(v, t, with(Interpolation::Nearest));
  // nilearn: source index chosen along each axis (-1: outside, value 0).
  const std::vector<int64_t> map[3] = {
      {-1, -1, 0, 2, 3, 5, 7, 8}, {-1, -1, 0, 2, 3, 5, 7}, {-1, -1, 0, 2, 4, 5, 7, 8, 10}};
  Resampler r(s, t, with(Interpolation::Nearest));
  EXPECT_EQ(r.kind(), ResampleKind::Zoom);
  for (int64_t k = 0; k < 9; ++k)
    for (int64_t j = 0; j < 7; ++j)
      for (int64_t i = 0; i < 8; ++i) {
        const int64_t a = map[0][i], b = map[1][j], c = map[2][k];
        const double want = a < 0 || b < 0 || c < 0 ? 0.0 : v.at(a, b, c);
        ASSERT_EQ(out.at(i, j, k), want) << i << " " << j << " " << k;
      }
}

TEST(Resample, ObliqueTargetFollowsNilearn) {
  // Same source; target rotated 17 degrees about z:
  //   c, s = np.cos(np.deg2rad(17)), np.sin(np.deg2rad(17))
  //   T = [[2.5c, -2.5s, 0, -14], [2.5s, 2.5c, 0, -10], [0, 0, 3.5, -11]], shape (9, 8, 10)
  // Checked: sum(out), sum(out * w) with w = 1 + the target's linear index, max(out).
  const io::Grid s = make_grid({10, 9, 12}, diag_affine(2, 2, 3, -16.5, -12, -12));
  Eigen::Matrix4d ta;
  ta << 2.390761889907589, -0.7309292618068419, 0.0, -14.0, 0.7309292618068419, 2.390761889907589,
      0.0, -10.0, 0.0, 0.0, 3.5, -11.0, 0.0, 0.0, 0.0, 1.0;
  const io::Grid t = make_grid({9, 8, 10}, ta);
  const io::Volume<double> v = arange_volume(s);
  struct Want {
    Interpolation interpolation;
    double sum, weighted, max;
  };
  const Want wants[] = {
      {Interpolation::Nearest, 214860.0, 98748360.0, 1078.0},
      {Interpolation::Linear, 210908.59255295934, 97065136.98171581, 1062.703542798466},
      {Interpolation::Continuous, 210800.99399172436, 97285438.2627877, 1073.9266581264117}};
  for (const Want& w : wants) {
    const io::Volume<double> out = resample_to_grid(v, t, with(w.interpolation));
    double sum = 0, weighted = 0, max = 0;
    int64_t nonzero = 0;
    for (size_t i = 0; i < out.data.size(); ++i) {
      sum += out.data[i];
      weighted += out.data[i] * static_cast<double>(i + 1);
      max = std::max(max, out.data[i]);
      nonzero += out.data[i] != 0.0;
    }
    EXPECT_EQ(nonzero, 380) << to_string(w.interpolation);
    EXPECT_NEAR(sum, w.sum, 1e-9 * w.sum) << to_string(w.interpolation);
    EXPECT_NEAR(weighted, w.weighted, 1e-9 * w.weighted) << to_string(w.interpolation);
    EXPECT_NEAR(max, w.max, 1e-12 * w.max) << to_string(w.interpolation);
  }
}

TEST(Resample, NonFiniteVoxelsAreFilledThenMarkedAsNilearn) {
  // d = sqrt(arange(210) + 1) * 10 on (7, 6, 5), 2 mm; d[2,2,2] = d[3,2,2] = d[0,0,0] = nan,
  // d[5,1,1] = inf. Target [[1.5,0,0,-0.5],[0,1.5,0,0.25],[0,0,1.5,0.5]], shape (9, 8, 6),
  // clip=False. nilearn extrapolates the finite neighbours into the holes, interpolates, and
  // writes NaN where the nearest source voxel was not finite.
  const io::Grid s = make_grid({7, 6, 5}, diag_affine(2, 2, 2, 0, 0, 0));
  const io::Grid t = make_grid({9, 8, 6}, diag_affine(1.5, 1.5, 1.5, -0.5, 0.25, 0.5));
  io::Volume<double> v = arange_volume(s);
  for (double& x : v.data) x = std::sqrt(x) * 10;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  v.at(2, 2, 2) = v.at(3, 2, 2) = v.at(0, 0, 0) = nan;
  v.at(5, 1, 1) = std::numeric_limits<double>::infinity();
  struct Want {
    Interpolation interpolation;
    double sum, weighted;
  };
  const Want wants[] = {{Interpolation::Nearest, 33445.460051746755, 8406423.11664582},
                        {Interpolation::Linear, 33245.90967636698, 8292129.363953494},
                        {Interpolation::Continuous, 33102.912915550565, 8320168.553846258}};
  for (const Want& w : wants) {
    const io::Volume<double> out = resample_to_grid(v, t, with(w.interpolation));
    std::vector<size_t> nans;
    double sum = 0, weighted = 0;
    for (size_t i = 0; i < out.data.size(); ++i) {
      if (std::isnan(out.data[i])) {
        nans.push_back(i);
        continue;
      }
      sum += out.data[i];
      weighted += out.data[i] * static_cast<double>(i + 1);
    }
    EXPECT_EQ(nans, (std::vector<size_t>{88, 165, 166, 174, 175})) << to_string(w.interpolation);
    EXPECT_NEAR(sum, w.sum, 1e-9 * w.sum) << to_string(w.interpolation);
    EXPECT_NEAR(weighted, w.weighted, 1e-9 * w.weighted) << to_string(w.interpolation);
  }
}

TEST(Resample, IntegerShiftIsPlacedWhereTheAffinesSay) {
  // d = arange(1, 121).reshape(6, 5, 4) (C order), identity affine; target origin x = +2.
  // nilearn 0.10.2 returns [1, 21, 41, 61, 0, 0] along x at (y, z) = (0, 0): its crop-and-
  // paste path ignores a positive offset. With force_resample=True it returns
  // [41, 61, 81, 101, 0, 0], the values at x + 2, which is what brainenc gives.
  const io::Grid s = make_grid({6, 5, 4}, Eigen::Matrix4d::Identity());
  io::Volume<double> v = arange_volume(s);
  for (int64_t k = 0; k < 4; ++k)
    for (int64_t j = 0; j < 5; ++j)
      for (int64_t i = 0; i < 6; ++i) v.at(i, j, k) = static_cast<double>(1 + (i * 5 + j) * 4 + k);
  const io::Grid t = make_grid({6, 5, 4}, diag_affine(1, 1, 1, 2, 0, 0));
  Resampler r(s, t, with(Interpolation::Nearest));
  EXPECT_EQ(r.kind(), ResampleKind::Shift);
  const io::Volume<double> out = resample_to_grid(v, t, with(Interpolation::Nearest));
  const double want[6] = {41, 61, 81, 101, 0, 0};
  for (int64_t i = 0; i < 6; ++i) EXPECT_EQ(out.at(i, 0, 0), want[i]) << i;
}

TEST(Resample, ClipUsesTheWholeImageRangeAndZero) {
  // A spike makes the cubic spline ring below 0 next to it; clip=True (resample_img's
  // default) cuts the result to [min(image, 0), max(image, 0)].
  const io::Grid s = make_grid({6, 6, 6}, Eigen::Matrix4d::Identity());
  io::Volume<double> v = arange_volume(s);
  for (double& x : v.data) x = 0.0;
  v.at(3, 3, 3) = 10.0;
  const io::Grid t = make_grid({9, 9, 9}, diag_affine(0.6, 0.6, 0.6, 0.1, 0.1, 0.1));
  ResampleOptions o = with(Interpolation::Continuous);
  const io::Volume<double> raw = resample_to_grid(v, t, o);
  o.clip = true;
  const io::Volume<double> clipped = resample_to_grid(v, t, o);
  const double raw_min = *std::min_element(raw.data.begin(), raw.data.end());
  EXPECT_LT(raw_min, -0.1);
  EXPECT_EQ(*std::min_element(clipped.data.begin(), clipped.data.end()), 0.0);
  EXPECT_LE(*std::max_element(clipped.data.begin(), clipped.data.end()), 10.0);
  for (size_t i = 0; i < raw.data.size(); ++i)
    EXPECT_EQ(clipped.data[i], std::clamp(raw.data[i], 0.0, 10.0));
}

TEST(Resample, TargetThatMissesTheImageIsADataError) {
  const io::Grid s = make_grid({5, 5, 5}, diag_affine(2, 2, 2, 0, 0, 0));
  const io::Grid far = make_grid({5, 5, 5}, diag_affine(2, 2, 2, 500, 0, 0));
  try {
    Resampler r(s, far, with(Interpolation::Nearest), "atlas.nii.gz");
    FAIL() << "expected a DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("atlas.nii.gz"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("does not contain any of the image"), std::string::npos);
  }
  EXPECT_THROW(parse_interpolation("cubic"), UsageError);
  EXPECT_EQ(parse_interpolation("continuous"), Interpolation::Continuous);
}
