// NIfTI-1 / NIfTI-2 header: read, validate (before any data is allocated) and interpret.
#pragma once

#include <Eigen/Core>

#include <array>
#include <cstdint>
#include <string>

namespace brainenc::io {

// NIfTI datatype codes brainenc reads (NIFTI_TYPE_* in nifti1.h).
enum class NiftiType : int {
  UInt8 = 2,
  Int16 = 4,
  Int32 = 8,
  Float32 = 16,
  Float64 = 64,
  Int8 = 256,
  UInt16 = 512,
  UInt32 = 768,
  Int64 = 1024,
  UInt64 = 1280,
};

// Name as nibabel prints it ("float32"); "unknown" for codes brainenc does not read.
std::string nifti_type_name(int datatype);
// Bytes per voxel of a supported datatype, 0 otherwise.
int nifti_type_size(int datatype);

struct NiftiHeader {
  std::string path;
  int version = 1;               // 1 or 2
  bool gzipped = false;          // .nii.gz
  bool byte_swapped = false;     // stored in the other byte order than this machine's
  std::array<int64_t, 8> dim{};  // dim[0] = number of dimensions
  int datatype = 0;
  int bitpix = 0;
  std::array<double, 8> pixdim{};
  int64_t vox_offset = 0;
  // Effective scaling: value = raw * slope + inter. slope 0 or NaN in the file means none
  // (slope 1, inter 0), as nibabel.
  double scl_slope = 1.0;
  double scl_inter = 0.0;
  int qform_code = 0;
  int sform_code = 0;
  Eigen::Matrix4d qform = Eigen::Matrix4d::Identity();
  Eigen::Matrix4d sform = Eigen::Matrix4d::Identity();
  // Voxel (i, j, k) -> world mm, chosen as nibabel's get_best_affine: sform when sform_code
  // > 0, else qform when qform_code > 0, else the scanner-free base affine.
  Eigen::Matrix4d affine = Eigen::Matrix4d::Identity();
  std::string affine_source;  // "sform", "qform" or "base"
  int xyzt_units = 0;
  // Repetition time in seconds, unit-normalised (0 when the file has no time axis or none is
  // stored). tr_note explains any correction (a TR stored in ms while the units say s).
  double tr_seconds = 0.0;
  std::string tr_note;
  std::string descrip;
  std::string intent_name;
  int intent_code = 0;

  int64_t nx() const { return dim[1]; }
  int64_t ny() const { return dim[0] >= 2 ? dim[2] : 1; }
  int64_t nz() const { return dim[0] >= 3 ? dim[3] : 1; }
  // Number of frames (volumes): dim[4] for 4D data, 1 for 3D.
  int64_t nt() const { return dim[0] >= 4 ? dim[4] : 1; }
  int64_t voxels_per_frame() const { return nx() * ny() * nz(); }
  int bytes_per_voxel() const { return nifti_type_size(datatype); }
  int64_t frame_bytes() const { return voxels_per_frame() * bytes_per_voxel(); }
  int64_t data_bytes() const { return frame_bytes() * nt(); }
  bool has_scaling() const { return scl_slope != 1.0 || scl_inter != 0.0; }
  // Voxel sizes in mm (absolute pixdim[1..3]).
  Eigen::Vector3d voxel_size() const;
};

// Reads and validates the header of a .nii or .nii.gz file. Throws DataError naming the file
// and the field for anything malformed: unknown magic or datatype, non-positive or absurd
// dims, bitpix not matching datatype, non-finite scaling or affine, a data offset inside the
// header, and (uncompressed files) a file shorter than the header promises.
NiftiHeader read_nifti_header(const std::string& path);

// Parses a header from its raw bytes (at least 348 / 540). `file_size` is the size of the
// uncompressed file when known (negative when not: .nii.gz), used for the truncation check.
NiftiHeader parse_nifti_header(const std::string& path, const unsigned char* bytes, size_t n,
                               int64_t file_size, bool gzipped);

}  // namespace brainenc::io
