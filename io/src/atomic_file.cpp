#include "brainenc/io/atomic_file.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "brainenc/io/error.hpp"

namespace brainenc::io {
namespace fs = std::filesystem;

namespace {
std::atomic<unsigned> g_counter{0};
}

AtomicFile::AtomicFile(std::string final_path) : final_(std::move(final_path)) {
  fs::path p(final_);
  if (p.filename().empty()) throw RuntimeError("output path '" + final_ + "' names no file");
  std::error_code ec;
  if (p.has_parent_path()) {
    fs::create_directories(p.parent_path(), ec);
    if (ec)
      throw RuntimeError(final_ + ": cannot create folder " + p.parent_path().string() + ": " +
                         ec.message());
  }
  // Hidden name that keeps the extension (niftilib picks compression from it).
  const std::string tag =
      ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(g_counter++) + "-";
  temp_ = (p.parent_path() / (tag + p.filename().string())).string();
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    std::error_code ec;
    fs::remove(temp_, ec);
  }
}

void AtomicFile::commit() {
  std::error_code ec;
  fs::rename(temp_, final_, ec);
  if (ec)
    throw RuntimeError(final_ + ": cannot move the finished file into place: " + ec.message());
  committed_ = true;
}

void write_text_file(const std::string& path, const std::string& content) {
  AtomicFile file(path);
  {
    std::ofstream out(file.temp_path(), std::ios::binary);
    out << content;
    out.flush();
    if (!out) throw RuntimeError(path + ": write failed (disk full?)");
  }
  file.commit();
}

void OutputSet::add(const std::string& path, std::string content) {
  files_.emplace_back(path, std::move(content));
}

void OutputSet::commit() {
  std::vector<std::unique_ptr<AtomicFile>> pending;
  for (const auto& [path, content] : files_) {
    pending.push_back(std::make_unique<AtomicFile>(path));
    std::ofstream out(pending.back()->temp_path(), std::ios::binary);
    out << content;
    out.flush();
    if (!out) throw RuntimeError(path + ": write failed (disk full?)");
  }
  for (auto& f : pending) f->commit();
  files_.clear();
}

}  // namespace brainenc::io
