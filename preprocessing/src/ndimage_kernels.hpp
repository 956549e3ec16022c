// The pieces of scipy.ndimage (1.10) interpolation that nilearn's resample_img relies on, for
// 3D arrays stored x fastest. Internal to the library; resample.cpp drives them.
//
// Semantics reproduced (scipy/ndimage/src/ni_interpolation.c, ni_splines.c):
// - mode 'constant': a sample whose coordinate on any axis is < 0 or > n - 1 takes cval, even
//   when it is within half a voxel of the edge (so nearest neighbour does not extend the
//   image by half a voxel as ITK does);
// - inside, the spline taps that fall outside are mirrored (-1 -> 1, n -> n - 2);
// - nearest neighbour rounds half up: floor(c + 0.5);
// - cubic B-spline coefficients come from the recursive filter of Unser et al. (1991) with
//   the exact mirror initialisation, gain first, axes 0, 1, 2 in turn;
// - the weights and the order of the sums follow scipy's, so results agree to the last bits.
#pragma once

#include <array>
#include <cstdint>

namespace brainenc::preprocessing::detail {

using Dims3 = std::array<int64_t, 3>;

// Taps of one axis for a sample at coordinate `c` (spline order 0, 1 or 3).
struct AxisTaps {
  bool inside = false;               // false: the sample takes cval
  int64_t offset[4] = {0, 0, 0, 0};  // index along the axis times the axis stride
  double weight[4] = {1, 0, 0, 0};
};

void axis_taps(double c, int64_t n, int64_t stride, int order, AxisTaps& taps);

// Interpolated value from `data` (original values for order 0 / 1, spline coefficients for
// order 3) at the taps of the three axes; every axis must be inside.
double interpolate(const double* data, const AxisTaps& x, const AxisTaps& y, const AxisTaps& z,
                   int order);

// scipy.ndimage.spline_filter(order=3, mode='constant' -> mirror), in place.
void cubic_spline_prefilter(double* data, const Dims3& dims);

// nilearn masking._extrapolate_out_mask(data, isfinite(data), iterations=2): non-finite voxels
// next to finite ones (6-neighbourhood) take the mean of those neighbours, twice outwards;
// any other non-finite voxel becomes 0. `out` receives the filled frame.
void extrapolate_nonfinite(const double* in, double* out, const Dims3& dims);

}  // namespace brainenc::preprocessing::detail
