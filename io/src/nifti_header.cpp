// NIfTI header parsing with validation before any allocation. Field offsets come from
// niftilib's packed structs (nifti1.h / nifti2.h); the quaternion -> matrix conversion is
// niftilib's. Everything else (which affine wins, TR units) follows nibabel 5.
#include "brainenc/io/nifti_header.hpp"

#include <nifti2_io.h>
#include <zlib.h>
#include <Eigen/LU>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <limits>
#include <sstream>

#include "brainenc/io/error.hpp"

namespace brainenc::io {
namespace {

template <class T>
T field(const unsigned char* base, size_t offset, bool swap) {
  T value;
  unsigned char bytes[sizeof(T)];
  std::memcpy(bytes, base + offset, sizeof(T));
  if (swap) std::reverse(bytes, bytes + sizeof(T));
  std::memcpy(&value, bytes, sizeof(T));
  return value;
}

template <class T>
std::string fmt(T v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

std::string text_field(const unsigned char* base, size_t offset, size_t size) {
  const char* p = reinterpret_cast<const char*>(base + offset);
  return std::string(p, strnlen(p, size));
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The raw header fields, widened to NIfTI-2 types.
struct RawFields {
  int16_t datatype, bitpix;
  std::array<int64_t, 8> dim;
  std::array<double, 8> pixdim;
  double vox_offset, scl_slope, scl_inter;
  int32_t xyzt_units, qform_code, sform_code, intent_code;
  double quatern[3], qoffset[3], srow[3][4];
  std::string descrip, intent_name;
};

RawFields read_nifti1(const unsigned char* b, bool s) {
  using H = nifti_1_header;
  RawFields r{};
  r.datatype = field<int16_t>(b, offsetof(H, datatype), s);
  r.bitpix = field<int16_t>(b, offsetof(H, bitpix), s);
  for (int i = 0; i < 8; ++i) {
    r.dim[i] = field<int16_t>(b, offsetof(H, dim) + 2 * i, s);
    r.pixdim[i] = field<float>(b, offsetof(H, pixdim) + 4 * i, s);
  }
  r.vox_offset = field<float>(b, offsetof(H, vox_offset), s);
  r.scl_slope = field<float>(b, offsetof(H, scl_slope), s);
  r.scl_inter = field<float>(b, offsetof(H, scl_inter), s);
  r.xyzt_units = static_cast<unsigned char>(b[offsetof(H, xyzt_units)]);
  r.qform_code = field<int16_t>(b, offsetof(H, qform_code), s);
  r.sform_code = field<int16_t>(b, offsetof(H, sform_code), s);
  r.intent_code = field<int16_t>(b, offsetof(H, intent_code), s);
  r.quatern[0] = field<float>(b, offsetof(H, quatern_b), s);
  r.quatern[1] = field<float>(b, offsetof(H, quatern_c), s);
  r.quatern[2] = field<float>(b, offsetof(H, quatern_d), s);
  r.qoffset[0] = field<float>(b, offsetof(H, qoffset_x), s);
  r.qoffset[1] = field<float>(b, offsetof(H, qoffset_y), s);
  r.qoffset[2] = field<float>(b, offsetof(H, qoffset_z), s);
  for (int j = 0; j < 4; ++j) {
    r.srow[0][j] = field<float>(b, offsetof(H, srow_x) + 4 * j, s);
    r.srow[1][j] = field<float>(b, offsetof(H, srow_y) + 4 * j, s);
    r.srow[2][j] = field<float>(b, offsetof(H, srow_z) + 4 * j, s);
  }
  r.descrip = text_field(b, offsetof(H, descrip), 80);
  r.intent_name = text_field(b, offsetof(H, intent_name), 16);
  return r;
}

RawFields read_nifti2(const unsigned char* b, bool s) {
  using H = nifti_2_header;
  RawFields r{};
  r.datatype = field<int16_t>(b, offsetof(H, datatype), s);
  r.bitpix = field<int16_t>(b, offsetof(H, bitpix), s);
  for (int i = 0; i < 8; ++i) {
    r.dim[i] = field<int64_t>(b, offsetof(H, dim) + 8 * i, s);
    r.pixdim[i] = field<double>(b, offsetof(H, pixdim) + 8 * i, s);
  }
  r.vox_offset = static_cast<double>(field<int64_t>(b, offsetof(H, vox_offset), s));
  r.scl_slope = field<double>(b, offsetof(H, scl_slope), s);
  r.scl_inter = field<double>(b, offsetof(H, scl_inter), s);
  r.xyzt_units = field<int32_t>(b, offsetof(H, xyzt_units), s);
  r.qform_code = field<int32_t>(b, offsetof(H, qform_code), s);
  r.sform_code = field<int32_t>(b, offsetof(H, sform_code), s);
  r.intent_code = field<int32_t>(b, offsetof(H, intent_code), s);
  r.quatern[0] = field<double>(b, offsetof(H, quatern_b), s);
  r.quatern[1] = field<double>(b, offsetof(H, quatern_c), s);
  r.quatern[2] = field<double>(b, offsetof(H, quatern_d), s);
  r.qoffset[0] = field<double>(b, offsetof(H, qoffset_x), s);
  r.qoffset[1] = field<double>(b, offsetof(H, qoffset_y), s);
  r.qoffset[2] = field<double>(b, offsetof(H, qoffset_z), s);
  for (int j = 0; j < 4; ++j) {
    r.srow[0][j] = field<double>(b, offsetof(H, srow_x) + 8 * j, s);
    r.srow[1][j] = field<double>(b, offsetof(H, srow_y) + 8 * j, s);
    r.srow[2][j] = field<double>(b, offsetof(H, srow_z) + 8 * j, s);
  }
  r.descrip = text_field(b, offsetof(H, descrip), 80);
  r.intent_name = text_field(b, offsetof(H, intent_name), 16);
  return r;
}

// nibabel's get_base_affine: x flipped, origin at the centre of the grid.
Eigen::Matrix4d base_affine(const NiftiHeader& h) {
  Eigen::Matrix4d a = Eigen::Matrix4d::Identity();
  const Eigen::Vector3d zooms = h.voxel_size();
  const double n[3] = {double(h.nx()), double(h.ny()), double(h.nz())};
  a(0, 0) = -zooms[0];
  a(1, 1) = zooms[1];
  a(2, 2) = zooms[2];
  a(0, 3) = zooms[0] * (n[0] - 1) / 2;
  a(1, 3) = -zooms[1] * (n[1] - 1) / 2;
  a(2, 3) = -zooms[2] * (n[2] - 1) / 2;
  return a;
}

// Data can be at most 2^48 bytes (256 TiB) and each axis 2^31 - 1: anything larger is a
// corrupt header, and refusing it keeps every size computation far from overflow.
constexpr int64_t kMaxAxis = (int64_t{1} << 31) - 1;
constexpr double kMaxDataBytes = 281474976710656.0;

}  // namespace

std::string nifti_type_name(int datatype) {
  switch (static_cast<NiftiType>(datatype)) {
    case NiftiType::UInt8:
      return "uint8";
    case NiftiType::Int16:
      return "int16";
    case NiftiType::Int32:
      return "int32";
    case NiftiType::Float32:
      return "float32";
    case NiftiType::Float64:
      return "float64";
    case NiftiType::Int8:
      return "int8";
    case NiftiType::UInt16:
      return "uint16";
    case NiftiType::UInt32:
      return "uint32";
    case NiftiType::Int64:
      return "int64";
    case NiftiType::UInt64:
      return "uint64";
  }
  return "unknown";
}

int nifti_type_size(int datatype) {
  switch (static_cast<NiftiType>(datatype)) {
    case NiftiType::UInt8:
    case NiftiType::Int8:
      return 1;
    case NiftiType::Int16:
    case NiftiType::UInt16:
      return 2;
    case NiftiType::Int32:
    case NiftiType::UInt32:
    case NiftiType::Float32:
      return 4;
    case NiftiType::Float64:
    case NiftiType::Int64:
    case NiftiType::UInt64:
      return 8;
  }
  return 0;
}

Eigen::Vector3d NiftiHeader::voxel_size() const {
  return Eigen::Vector3d(std::abs(pixdim[1]), dim[0] >= 2 ? std::abs(pixdim[2]) : 1.0,
                         dim[0] >= 3 ? std::abs(pixdim[3]) : 1.0);
}

NiftiHeader parse_nifti_header(const std::string& path, const unsigned char* bytes, size_t n,
                               int64_t file_size, bool gzipped) {
  auto fail = [&](const std::string& what) -> DataError {
    return DataError(path, "invalid NIfTI header: " + what);
  };
  if (n < 348) throw fail("file is shorter than a NIfTI header (" + fmt(n) + " bytes, need 348)");

  NiftiHeader h;
  h.path = path;
  h.gzipped = gzipped;
  const int32_t size_native = field<int32_t>(bytes, 0, false);
  const int32_t size_swapped = field<int32_t>(bytes, 0, true);
  if (size_native == 348 || size_swapped == 348) {
    h.version = 1;
    h.byte_swapped = size_native != 348;
  } else if (size_native == 540 || size_swapped == 540) {
    h.version = 2;
    h.byte_swapped = size_native != 540;
    if (n < 540) throw fail("NIfTI-2 header truncated (" + fmt(n) + " bytes, need 540)");
  } else {
    throw fail("sizeof_hdr = " + fmt(size_native) +
               " (expected 348 for NIfTI-1 or 540 for NIfTI-2)");
  }

  const std::string magic = h.version == 1 ? text_field(bytes, offsetof(nifti_1_header, magic), 4)
                                           : text_field(bytes, offsetof(nifti_2_header, magic), 4);
  if (h.version == 1 && magic == "ni1")
    throw fail("magic = 'ni1' (a two-file .hdr/.img pair); only single-file .nii/.nii.gz is read");
  if ((h.version == 1 && magic != "n+1") || (h.version == 2 && magic != "n+2"))
    throw fail("magic = '" + magic + "' (expected '" + (h.version == 1 ? "n+1" : "n+2") + "')");

  const RawFields r =
      h.version == 1 ? read_nifti1(bytes, h.byte_swapped) : read_nifti2(bytes, h.byte_swapped);

  // dims: 1..7 axes, each >= 1; brainenc reads at most 4 (axes 5..7 must be 1).
  if (r.dim[0] < 1 || r.dim[0] > 7) throw fail("dim[0] = " + fmt(r.dim[0]) + " (must be 1..7)");
  for (int i = 1; i <= r.dim[0]; ++i) {
    if (r.dim[i] < 1) throw fail("dim[" + fmt(i) + "] = " + fmt(r.dim[i]) + " (must be >= 1)");
    if (r.dim[i] > kMaxAxis) throw fail("dim[" + fmt(i) + "] = " + fmt(r.dim[i]) + " is absurd");
  }
  for (int i = 5; i <= r.dim[0]; ++i)
    if (r.dim[i] != 1)
      throw fail("dim[" + fmt(i) + "] = " + fmt(r.dim[i]) +
                 ": data with more than 4 axes is not supported");
  h.dim = r.dim;
  for (int i = r.dim[0] + 1; i < 8; ++i) h.dim[i] = 1;
  h.dim[0] = std::min<int64_t>(r.dim[0], 4);

  h.datatype = r.datatype;
  const int size = nifti_type_size(r.datatype);
  if (size == 0)
    throw fail("datatype = " + fmt(r.datatype) +
               " is not supported (supported: "
               "uint8, int8, int16, uint16, int32, uint32, int64, uint64, float32, float64)");
  h.bitpix = r.bitpix;
  if (r.bitpix != 8 * size)
    throw fail("bitpix = " + fmt(r.bitpix) + " does not match datatype " +
               nifti_type_name(r.datatype) + " (" + fmt(8 * size) + " bits)");
  const double total = double(h.nx()) * double(h.ny()) * double(h.nz()) * double(h.nt()) * size;
  if (total > kMaxDataBytes)
    throw fail("dims promise " + fmt(total) + " bytes of data, which is absurd");

  for (int i = 0; i < 8; ++i)
    if (!std::isfinite(r.pixdim[i])) throw fail("pixdim[" + fmt(i) + "] is not finite");
  h.pixdim = r.pixdim;
  for (int i = 1; i <= std::min<int64_t>(3, h.dim[0]); ++i)
    if (r.pixdim[i] == 0.0 && r.sform_code <= 0)
      throw fail("pixdim[" + fmt(i) + "] = 0 (voxel size) and no sform to take it from");

  const int64_t header_size = h.version == 1 ? 348 : 540;
  if (!std::isfinite(r.vox_offset) || r.vox_offset < header_size || r.vox_offset > 1e15)
    throw fail("vox_offset = " + fmt(r.vox_offset) + " (must be >= " + fmt(header_size) + ")");
  h.vox_offset = static_cast<int64_t>(r.vox_offset);

  if (std::isinf(r.scl_slope) || std::isinf(r.scl_inter))
    throw fail(std::string(std::isinf(r.scl_slope) ? "scl_slope" : "scl_inter") + " is infinite");
  if (r.scl_slope != 0.0 && !std::isnan(r.scl_slope)) {
    h.scl_slope = r.scl_slope;
    h.scl_inter = std::isnan(r.scl_inter) ? 0.0 : r.scl_inter;
  }

  h.qform_code = r.qform_code;
  h.sform_code = r.sform_code;
  h.intent_code = r.intent_code;
  h.descrip = r.descrip;
  h.intent_name = r.intent_name;
  h.xyzt_units = r.xyzt_units;

  // qform: quaternion + voxel sizes + qfac (pixdim[0], 0 read as 1 as nibabel does).
  for (double q : r.quatern)
    if (!std::isfinite(q)) throw fail("quatern_b/c/d is not finite");
  for (double q : r.qoffset)
    if (!std::isfinite(q)) throw fail("qoffset_x/y/z is not finite");
  const double qfac = r.pixdim[0] < 0 ? -1.0 : 1.0;
  const nifti_dmat44 q = nifti_quatern_to_dmat44(
      r.quatern[0], r.quatern[1], r.quatern[2], r.qoffset[0], r.qoffset[1], r.qoffset[2],
      std::abs(r.pixdim[1]), std::abs(r.pixdim[2]), std::abs(r.pixdim[3]), qfac);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) h.qform(i, j) = q.m[i][j];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) {
      if (!std::isfinite(r.srow[i][j]) && r.sform_code > 0)
        throw fail(std::string("srow_") + "xyz"[i] + "[" + fmt(j) + "] is not finite");
      h.sform(i, j) = r.srow[i][j];
    }

  if (h.sform_code > 0) {
    h.affine = h.sform;
    h.affine_source = "sform";
  } else if (h.qform_code > 0) {
    h.affine = h.qform;
    h.affine_source = "qform";
  } else {
    h.affine = base_affine(h);
    h.affine_source = "base";
  }
  if (!h.affine.allFinite()) throw fail(h.affine_source + " affine is not finite");
  const double det = h.affine.topLeftCorner<3, 3>().determinant();
  if (!(std::abs(det) > 1e-12))
    throw fail(h.affine_source + " affine is singular (determinant " + fmt(det) + ")");

  // TR: pixdim[4] in the time unit of xyzt_units. A TR stored in ms while the units say s is a
  // real quirk (nibabel's example4d.nii.gz): no fMRI TR is 100 s or more, so read it as ms.
  if (h.dim[0] >= 4 && r.pixdim[4] > 0) {
    const int time_unit = r.xyzt_units & 0x38;
    double tr = r.pixdim[4];
    if (time_unit == NIFTI_UNITS_MSEC)
      tr *= 1e-3;
    else if (time_unit == NIFTI_UNITS_USEC)
      tr *= 1e-6;
    if (tr >= 100.0) {
      h.tr_note = "pixdim[4] = " + fmt(r.pixdim[4]) + " with xyzt_units in " +
                  (time_unit == NIFTI_UNITS_SEC ? "s" : "unknown units") +
                  " is read as milliseconds (TR " + fmt(tr / 1000.0) + " s)";
      tr /= 1000.0;
    }
    h.tr_seconds = tr;
  }

  if (file_size >= 0) {
    const int64_t need = h.vox_offset + h.data_bytes();
    if (file_size < need)
      throw DataError(path, "file is truncated: the header promises " + fmt(h.data_bytes()) +
                                " bytes of data from offset " + fmt(h.vox_offset) + " (" +
                                fmt(need) + " bytes), the file has " + fmt(file_size));
  }
  return h;
}

NiftiHeader read_nifti_header(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw DataError(path, "no such file");
  const bool gz = ends_with(path, ".gz");
  if (!gz && !ends_with(path, ".nii"))
    throw DataError(path, "not a NIfTI file name (expected .nii or .nii.gz)");
  unsigned char buffer[540] = {};
  int64_t got = 0;
  int64_t file_size = -1;
  if (gz) {
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) throw DataError(path, "cannot open");
    got = gzread(f, buffer, sizeof buffer);
    gzclose(f);
    if (got < 0) throw DataError(path, "corrupt gzip stream in the header");
  } else {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw DataError(path, "cannot open");
    got = static_cast<int64_t>(std::fread(buffer, 1, sizeof buffer, f));
    std::fclose(f);
    file_size = static_cast<int64_t>(std::filesystem::file_size(path, ec));
  }
  return parse_nifti_header(path, buffer, static_cast<size_t>(got), file_size, gz);
}

}  // namespace brainenc::io
