// 4x4 inverses and products computed in the operation order of Debian's reference (netlib)
// LAPACK and BLAS, which numpy and scipy call on Debian 12. Internal to the library.
//
// Why: nearest-neighbour resampling and nilearn's spheres put a voxel centre on one side or the
// other of an exact half-voxel tie depending on the last bit of the voxel -> voxel affine. An
// Eigen inverse (cofactors or a different LU order) lands on the other side for some grids, so
// integer label images would differ from nilearn's. The routines below follow dgetrf2 (recursive
// LU with partial pivoting), dtrti2 + dgetri (scipy.linalg.inv), dgetrs with an identity
// right-hand side (numpy.linalg.inv, i.e. dgesv) and dgemm (numpy.dot) step by step; they are
// checked bit for bit against scipy and numpy on thousands of random, diagonal and rotated
// affines. No fused multiply-add may be used here: the project builds with -std=c++17 (no GNU
// extensions), so GCC keeps -ffp-contract=off.
#pragma once

#include <Eigen/Core>

namespace brainenc::preprocessing::detail {

// scipy.linalg.inv (dgetrf + dgetri). Returns false when the matrix is exactly singular.
bool scipy_inv(const Eigen::Matrix4d& a, Eigen::Matrix4d& inverse);
// numpy.linalg.inv (dgesv with the identity). Returns false when exactly singular.
bool numpy_inv(const Eigen::Matrix4d& a, Eigen::Matrix4d& inverse);
// numpy.dot(a, b): each entry summed over k = 0..3 in order, starting from 0.
Eigen::Matrix4d numpy_dot(const Eigen::Matrix4d& a, const Eigen::Matrix4d& b);
// numpy.dot(a, [x, y, z, 1]) restricted to the first three rows (nilearn's coord_transform).
Eigen::Vector3d numpy_apply(const Eigen::Matrix4d& a, double x, double y, double z);

}  // namespace brainenc::preprocessing::detail
