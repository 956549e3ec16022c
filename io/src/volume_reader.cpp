#include "brainenc/io/volume_reader.hpp"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "brainenc/io/error.hpp"

namespace brainenc::io {
namespace {

template <class Raw>
Raw load(const unsigned char* p, bool swap) {
  unsigned char bytes[sizeof(Raw)];
  std::memcpy(bytes, p, sizeof(Raw));
  if (swap) std::reverse(bytes, bytes + sizeof(Raw));
  Raw v;
  std::memcpy(&v, bytes, sizeof(Raw));
  return v;
}

template <class Raw, class Out>
void decode_as(const NiftiHeader& h, const unsigned char* raw, int64_t n, Out* out) {
  const bool swap = h.byte_swapped;
  if (!h.has_scaling()) {
    if (!swap && std::is_same<Raw, Out>::value) {
      std::memcpy(out, raw, static_cast<size_t>(n) * sizeof(Raw));
      return;
    }
    for (int64_t i = 0; i < n; ++i)
      out[i] = static_cast<Out>(load<Raw>(raw + i * sizeof(Raw), swap));
    return;
  }
  // Scaling in double, as nibabel (slope and inter are promoted to float64).
  const double slope = h.scl_slope, inter = h.scl_inter;
  for (int64_t i = 0; i < n; ++i)
    out[i] = static_cast<Out>(static_cast<double>(load<Raw>(raw + i * sizeof(Raw), swap)) * slope +
                              inter);
}

template <class Out>
void decode(const NiftiHeader& h, const unsigned char* raw, int64_t n, Out* out) {
  switch (static_cast<NiftiType>(h.datatype)) {
    case NiftiType::UInt8:
      return decode_as<uint8_t>(h, raw, n, out);
    case NiftiType::Int8:
      return decode_as<int8_t>(h, raw, n, out);
    case NiftiType::Int16:
      return decode_as<int16_t>(h, raw, n, out);
    case NiftiType::UInt16:
      return decode_as<uint16_t>(h, raw, n, out);
    case NiftiType::Int32:
      return decode_as<int32_t>(h, raw, n, out);
    case NiftiType::UInt32:
      return decode_as<uint32_t>(h, raw, n, out);
    case NiftiType::Int64:
      return decode_as<int64_t>(h, raw, n, out);
    case NiftiType::UInt64:
      return decode_as<uint64_t>(h, raw, n, out);
    case NiftiType::Float32:
      return decode_as<float>(h, raw, n, out);
    case NiftiType::Float64:
      return decode_as<double>(h, raw, n, out);
  }
  throw DataError(h.path, "datatype " + std::to_string(h.datatype) + " cannot be decoded");
}

}  // namespace

void decode_voxels(const NiftiHeader& h, const unsigned char* raw, int64_t n, double* out) {
  decode(h, raw, n, out);
}
void decode_voxels(const NiftiHeader& h, const unsigned char* raw, int64_t n, float* out) {
  decode(h, raw, n, out);
}

VolumeReader::VolumeReader(const std::string& path) : VolumeReader(read_nifti_header(path)) {}

VolumeReader::VolumeReader(NiftiHeader header) : header_(std::move(header)) {
  source_ = open_byte_source(header_.path, header_.gzipped);
  source_->skip(static_cast<size_t>(header_.vox_offset));
}

const unsigned char* VolumeReader::next_raw_frame() {
  if (next_ >= frames()) return nullptr;
  raw_.resize(static_cast<size_t>(header_.frame_bytes()));
  try {
    source_->read_exact(raw_.data(), raw_.size());
  } catch (const DataError& e) {
    throw DataError(std::string(e.what()) + " (while reading frame " + std::to_string(next_) +
                    " of " + std::to_string(frames()) + ")");
  }
  ++next_;
  return raw_.data();
}

bool VolumeReader::next_frame(double* out) {
  const unsigned char* raw = next_raw_frame();
  if (!raw) return false;
  decode_voxels(header_, raw, voxels(), out);
  return true;
}

bool VolumeReader::next_frame(float* out) {
  const unsigned char* raw = next_raw_frame();
  if (!raw) return false;
  decode_voxels(header_, raw, voxels(), out);
  return true;
}

bool VolumeReader::next_frame(std::vector<double>& out) {
  out.resize(static_cast<size_t>(voxels()));
  return next_frame(out.data());
}

}  // namespace brainenc::io
