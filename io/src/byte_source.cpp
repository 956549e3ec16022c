// Plain and gzip byte sources. The gzip source inflates with ISA-L (igzip, several times
// zlib's speed) on its own thread into a small ring of chunks: memory stays fixed
// (buffer_bytes) whatever the file size, and decompression overlaps the consumer's work.
#include "brainenc/io/byte_source.hpp"

#include <isa-l/igzip_lib.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "brainenc/io/error.hpp"

namespace brainenc::io {
namespace {

class PlainFileSource final : public ByteSource {
 public:
  explicit PlainFileSource(const std::string& path)
      : path_(path), file_(std::fopen(path.c_str(), "rb")) {
    if (!file_) throw DataError(path, "cannot open for reading");
  }
  ~PlainFileSource() override { std::fclose(file_); }

  void read_exact(void* dst, size_t n) override {
    const size_t got = std::fread(dst, 1, n, file_);
    position_ += got;
    if (got != n)
      throw DataError(path_, "unexpected end of file at byte " + std::to_string(position_) + " (" +
                                 std::to_string(n - got) + " more bytes were expected)");
  }

  void skip(size_t n) override {
    if (std::fseek(file_, static_cast<long>(n), SEEK_CUR) != 0)
      throw DataError(path_, "cannot seek");
    position_ += n;
  }

  uint64_t position() const override { return position_; }

 private:
  std::string path_;
  FILE* file_;
  uint64_t position_ = 0;
};

class GzipSource final : public ByteSource {
 public:
  GzipSource(const std::string& path, size_t buffer_bytes) : path_(path) {
    file_ = std::fopen(path.c_str(), "rb");
    if (!file_) throw DataError(path, "cannot open for reading");
    const size_t chunks = std::max<size_t>(2, buffer_bytes / kChunkBytes);
    storage_.resize(chunks);
    for (auto& c : storage_) {
      c.resize(kChunkBytes);
      free_.push_back(&c);
    }
    producer_ = std::thread([this] { produce(); });
  }

  ~GzipSource() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    producer_.join();
    std::fclose(file_);
  }

  void read_exact(void* dst, size_t n) override {
    auto* out = static_cast<unsigned char*>(dst);
    while (n > 0) {
      if (current_ == nullptr || offset_ == current_size_) next_chunk();
      const size_t take = std::min(n, current_size_ - offset_);
      if (out) std::memcpy(out, current_->data() + offset_, take);
      if (out) out += take;
      offset_ += take;
      n -= take;
      position_ += take;
    }
  }

  void skip(size_t n) override { read_exact(nullptr, n); }

  uint64_t position() const override { return position_; }

 private:
  static constexpr size_t kChunkBytes = size_t{4} << 20;
  static constexpr size_t kInputBytes = size_t{1} << 20;
  using Chunk = std::vector<unsigned char>;

  struct Filled {
    Chunk* chunk;
    size_t size;
  };

  // Consumer: hand back the chunk just read and wait for the next one.
  void next_chunk() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (current_) free_.push_back(current_);
    current_ = nullptr;
    changed_.notify_all();
    changed_.wait(lock, [&] { return !ready_.empty() || done_; });
    if (ready_.empty()) {
      if (error_) std::rethrow_exception(error_);
      throw DataError(path_,
                      "unexpected end of data after " + std::to_string(position_) +
                          " decompressed bytes (the file is shorter than its header promises)");
    }
    current_ = ready_.front().chunk;
    current_size_ = ready_.front().size;
    ready_.pop_front();
    offset_ = 0;
  }

  // Producer thread: inflate every gzip member into free chunks.
  void produce() {
    try {
      inflate_loop();
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      error_ = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
    changed_.notify_all();
  }

  Chunk* acquire() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return !free_.empty() || stop_; });
    if (stop_) return nullptr;
    Chunk* c = free_.front();
    free_.pop_front();
    return c;
  }

  void publish(Chunk* c, size_t size) {
    std::lock_guard<std::mutex> lock(mutex_);
    ready_.push_back({c, size});
    changed_.notify_all();
  }

  void inflate_loop() {
    std::vector<unsigned char> input(kInputBytes);
    inflate_state state;
    isal_inflate_init(&state);
    state.crc_flag = ISAL_GZIP;
    bool eof = false;
    bool member_open = false;
    size_t members = 0;
    Chunk* chunk = nullptr;
    size_t filled = 0;
    for (;;) {
      if (state.avail_in == 0 && !eof) {
        const size_t got = std::fread(input.data(), 1, input.size(), file_);
        if (got < input.size()) eof = true;
        state.next_in = input.data();
        state.avail_in = static_cast<uint32_t>(got);
      }
      if (state.avail_in == 0 && eof) {
        if (member_open || members == 0)
          throw DataError(path_, "gzip stream is truncated (ends inside compressed data)");
        break;
      }
      if (!member_open) {
        // A new member must start with the gzip magic; anything else is trailing padding.
        if (state.avail_in >= 2 && (state.next_in[0] != 0x1f || state.next_in[1] != 0x8b)) {
          if (members == 0) throw DataError(path_, "not a gzip file (bad magic bytes)");
          break;
        }
        member_open = true;
      }
      if (chunk == nullptr) {
        chunk = acquire();
        if (chunk == nullptr) return;  // consumer went away
        filled = 0;
      }
      state.next_out = chunk->data() + filled;
      state.avail_out = static_cast<uint32_t>(chunk->size() - filled);
      const int rc = isal_inflate(&state);
      if (rc < 0) {
        throw DataError(path_,
                        rc == ISAL_INCORRECT_CHECKSUM
                            ? "gzip checksum mismatch (corrupt file)"
                            : "corrupt gzip stream (inflate error " + std::to_string(rc) + ")");
      }
      filled = chunk->size() - state.avail_out;
      if (filled == chunk->size()) {
        publish(chunk, filled);
        chunk = nullptr;
      }
      if (state.block_state == ISAL_BLOCK_FINISH) {
        ++members;
        member_open = false;
        // Keep unread input, start the next member.
        uint8_t* next_in = state.next_in;
        uint32_t avail_in = state.avail_in;
        isal_inflate_reset(&state);
        state.crc_flag = ISAL_GZIP;
        state.next_in = next_in;
        state.avail_in = avail_in;
      }
    }
    if (chunk != nullptr && filled > 0)
      publish(chunk, filled);
    else if (chunk != nullptr) {
      std::lock_guard<std::mutex> lock(mutex_);
      free_.push_back(chunk);
    }
  }

  std::string path_;
  FILE* file_ = nullptr;
  std::vector<Chunk> storage_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Chunk*> free_;
  std::deque<Filled> ready_;
  bool stop_ = false;
  bool done_ = false;
  std::exception_ptr error_;
  std::thread producer_;
  // Consumer side.
  Chunk* current_ = nullptr;
  size_t current_size_ = 0;
  size_t offset_ = 0;
  uint64_t position_ = 0;
};

}  // namespace

std::unique_ptr<ByteSource> open_byte_source(const std::string& path, bool gzipped,
                                             size_t buffer_bytes) {
  if (gzipped) return std::make_unique<GzipSource>(path, buffer_bytes);
  return std::make_unique<PlainFileSource>(path);
}

}  // namespace brainenc::io
