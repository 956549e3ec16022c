// Streaming access to NIfTI data, one frame (3D volume) at a time: memory is one frame plus the
// decompressor's fixed buffer, whatever the number of time points.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "brainenc/io/byte_source.hpp"
#include "brainenc/io/nifti_header.hpp"

namespace brainenc::io {

class VolumeReader {
 public:
  // Reads and validates the header (DataError on anything malformed) and positions the
  // stream at the first voxel.
  explicit VolumeReader(const std::string& path);
  explicit VolumeReader(NiftiHeader header);

  const NiftiHeader& header() const { return header_; }
  int64_t frames() const { return header_.nt(); }
  int64_t voxels() const { return header_.voxels_per_frame(); }
  // Index of the next frame next_frame() will deliver.
  int64_t frame_index() const { return next_; }

  // Decodes the next frame into out[0 .. voxels()), scaled by scl_slope / scl_inter, in NIfTI
  // (x fastest) order. Returns false when every frame has been read.
  bool next_frame(double* out);
  bool next_frame(float* out);
  bool next_frame(std::vector<double>& out);

  // The next frame's raw bytes (file byte order, unscaled); valid until the next call.
  const unsigned char* next_raw_frame();

 private:
  NiftiHeader header_;
  std::unique_ptr<ByteSource> source_;
  std::vector<unsigned char> raw_;
  int64_t next_ = 0;
};

// Decodes n voxels of raw NIfTI data (datatype, byte order and scaling of `h`) into out.
void decode_voxels(const NiftiHeader& h, const unsigned char* raw, int64_t n, double* out);
void decode_voxels(const NiftiHeader& h, const unsigned char* raw, int64_t n, float* out);

}  // namespace brainenc::io
