// Not-a-knot cubic spline (scipy 1.10.1 CubicSpline) and the interpolation of scrubbed volumes
// (nilearn 0.10.2 _interpolate_volumes, reference README quirk 2).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "brainenc/io/error.hpp"
#include "brainenc/preprocessing/spline_interpolation.hpp"

using namespace brainenc;
using namespace brainenc::preprocessing;

namespace {

double cubic(double t) { return 0.5 * t * t * t - 2.0 * t * t + 3.0 * t - 1.0; }

}  // namespace

// x = [0, 1, 2.5, 4, 5], y columns [1, 3, 2, 5, 4] and [0, -1, 4, 2, 2.5];
// CubicSpline(x, y)([-1, 0.5, 3, 5, 6]) with scipy 1.10.1.
TEST(CubicSpline, MatchesScipy) {
  Eigen::VectorXd x(5);
  x << 0.0, 1.0, 2.5, 4.0, 5.0;
  Eigen::MatrixXd y(5, 2);
  y << 1.0, 0.0, 3.0, -1.0, 2.0, 4.0, 5.0, 2.0, 4.0, 2.5;
  Eigen::VectorXd at(5);
  at << -1.0, 0.5, 3.0, 5.0, 6.0;
  Eigen::MatrixXd want(5, 2);
  want << -8.678888888888887, 13.150555555555556,  //
      2.6627777777777775, -1.553611111111111,      //
      2.7744444444444443, 3.957222222222222,       //
      4.0, 2.5,                                    //
      -5.17888888888889, 11.400555555555556;
  EXPECT_LE((cubic_spline(x, y, at) - want).cwiseAbs().maxCoeff(), 1e-13);
}

// Three points: the parabola through them. CubicSpline([0, 2, 3], [1, -2, 5])([-1, 1, 2.5, 4]).
TEST(CubicSpline, ThreePointsGiveTheParabola) {
  Eigen::VectorXd x(3);
  x << 0.0, 2.0, 3.0;
  Eigen::MatrixXd y(3, 1);
  y << 1.0, -2.0, 5.0;
  Eigen::VectorXd at(4);
  at << -1.0, 1.0, 2.5, 4.0;
  Eigen::MatrixXd want(4, 1);
  want << 11.0, -3.333333333333333, 0.7916666666666665, 17.666666666666668;
  EXPECT_LE((cubic_spline(x, y, at) - want).cwiseAbs().maxCoeff(), 1e-13);
}

TEST(CubicSpline, TwoPointsGiveTheLine) {
  Eigen::VectorXd x(2);
  x << 1.0, 3.0;
  Eigen::MatrixXd y(2, 1);
  y << 2.0, 6.0;
  Eigen::VectorXd at(3);
  at << 0.0, 2.0, 5.0;
  EXPECT_LE((cubic_spline(x, y, at) - Eigen::Vector3d(0.0, 4.0, 10.0)).cwiseAbs().maxCoeff(),
            1e-14);
}

// Not-a-knot reproduces any cubic exactly, extrapolation included.
TEST(CubicSpline, ReproducesCubics) {
  const std::vector<double> knots{0.0, 0.5, 2.0, 2.5, 4.0, 7.0, 7.5};
  Eigen::VectorXd x(7);
  Eigen::MatrixXd y(7, 1);
  for (int i = 0; i < 7; ++i) {
    x[i] = knots[static_cast<std::size_t>(i)];
    y(i, 0) = cubic(x[i]);
  }
  Eigen::VectorXd at = Eigen::VectorXd::LinSpaced(23, -2.0, 9.0);
  const Eigen::MatrixXd got = cubic_spline(x, y, at);
  for (Eigen::Index i = 0; i < at.size(); ++i) EXPECT_NEAR(got(i, 0), cubic(at[i]), 1e-10);
}

TEST(CubicSpline, RejectsBadKnots) {
  Eigen::VectorXd x(3);
  x << 0.0, 1.0, 1.0;
  EXPECT_THROW(cubic_spline(x, Eigen::MatrixXd::Zero(3, 1), x), DataError);
  EXPECT_THROW(cubic_spline(x.head(1), Eigen::MatrixXd::Zero(1, 1), x), DataError);
}

namespace {

// A cubic over 10 frames (t_r = 2) with spikes at the censored frames 3 and 6. 9 - 3 = 6:
// the two censored frames mirror each other, as 30 and 49 in the reference's mask.
struct Spiked {
  Eigen::MatrixXd volumes{10, 2};
  std::vector<int64_t> kept{0, 1, 2, 4, 5, 7, 8, 9};
  Spiked() {
    for (Eigen::Index i = 0; i < 10; ++i) {
      volumes(i, 0) = cubic(2.0 * static_cast<double>(i));
      volumes(i, 1) = -3.0 * cubic(2.0 * static_cast<double>(i)) + 1.0;
    }
    volumes.row(3).setConstant(100.0);
    volumes.row(6).setConstant(-100.0);
  }
};

}  // namespace

// What nilearn intends: the censored rows get the spline (here the cubic itself).
TEST(InterpolateVolumes, CensoredVolumesReplacesTheCensoredRows) {
  Spiked s;
  Eigen::MatrixXd v = s.volumes;
  interpolate_volumes(v, s.kept, 2.0, ScrubInterpolation::CensoredVolumes);
  for (Eigen::Index i : {3, 6}) {
    EXPECT_NEAR(v(i, 0), cubic(2.0 * static_cast<double>(i)), 1e-10);
    EXPECT_NEAR(v(i, 1), -3.0 * cubic(2.0 * static_cast<double>(i)) + 1.0, 1e-10);
  }
  for (int64_t k : s.kept) EXPECT_EQ(v.row(k), s.volumes.row(k)) << "kept row " << k;
}

// nilearn 0.10.2 as it runs: rows n-1-k for kept k. Rows 3 and 6 mirror censored rows, so
// their spikes stay; every kept row is rewritten with the spline's value at its own knot.
TEST(InterpolateVolumes, NilearnMirroredKeepsMirroredSpikes) {
  Spiked s;
  Eigen::MatrixXd v = s.volumes;
  interpolate_volumes(v, s.kept, 2.0, ScrubInterpolation::NilearnMirrored);
  EXPECT_EQ(v.row(3), s.volumes.row(3));
  EXPECT_EQ(v.row(6), s.volumes.row(6));
  for (int64_t k : s.kept) {
    EXPECT_LE((v.row(k) - s.volumes.row(k)).cwiseAbs().maxCoeff(), 1e-12) << "kept row " << k;
  }
}

// With one censored frame j whose mirror 9 - j is kept, both modes interpolate j.
TEST(InterpolateVolumes, NilearnMirroredInterpolatesWhenTheMirrorIsKept) {
  Spiked s;
  s.volumes.row(6) = Eigen::RowVector2d(cubic(12.0), -3.0 * cubic(12.0) + 1.0);
  const std::vector<int64_t> kept{0, 1, 2, 4, 5, 6, 7, 8, 9};  // only 3 censored, 6 kept
  Eigen::MatrixXd mirrored = s.volumes;
  interpolate_volumes(mirrored, kept, 2.0, ScrubInterpolation::NilearnMirrored);
  EXPECT_NEAR(mirrored(3, 0), cubic(6.0), 1e-10);
}

TEST(InterpolateVolumes, RejectsBadMasks) {
  Spiked s;
  EXPECT_THROW(interpolate_volumes(s.volumes, {4}, 2.0, ScrubInterpolation::NilearnMirrored),
               DataError);
  EXPECT_THROW(interpolate_volumes(s.volumes, {4, 2}, 2.0, ScrubInterpolation::NilearnMirrored),
               DataError);
  EXPECT_THROW(interpolate_volumes(s.volumes, {4, 10}, 2.0, ScrubInterpolation::CensoredVolumes),
               DataError);
}
