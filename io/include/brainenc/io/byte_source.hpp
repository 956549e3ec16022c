// Sequential byte streams over a file: plain (.nii) or gzip (.nii.gz, inflated by ISA-L on a
// producer thread so decompression overlaps the consumer's computation).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace brainenc::io {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Copies the next n bytes into dst. Throws DataError naming the file when the stream ends
  // early or is corrupt.
  virtual void read_exact(void* dst, size_t n) = 0;
  // Skips n bytes.
  virtual void skip(size_t n) = 0;
  // Bytes delivered so far.
  virtual uint64_t position() const = 0;
};

// Opens `path`; gzip when `gzipped`. `buffer_bytes` bounds the memory the inflater may hold
// ahead of the consumer.
std::unique_ptr<ByteSource> open_byte_source(const std::string& path, bool gzipped,
                                             size_t buffer_bytes = size_t{16} << 20);

}  // namespace brainenc::io
