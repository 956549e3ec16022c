// Output files appear complete or not at all: written under a temporary name in the
// destination folder, renamed into place on commit(), removed if never committed.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace brainenc::io {

class AtomicFile {
 public:
  // Creates the destination folder if needed. Nothing is written yet.
  explicit AtomicFile(std::string final_path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Where to write: same folder and extension as the final path.
  const std::string& temp_path() const { return temp_; }
  const std::string& final_path() const { return final_; }
  // Renames the temporary file onto the final path (atomic on POSIX file systems).
  void commit();

 private:
  std::string final_;
  std::string temp_;
  bool committed_ = false;
};

// Writes `content` to `path` atomically.
void write_text_file(const std::string& path, const std::string& content);

// Several text outputs that appear together: every file is written under its temporary name
// first, then all are renamed. A failure before commit() leaves none of them.
class OutputSet {
 public:
  void add(const std::string& path, std::string content);
  void commit();

 private:
  std::vector<std::pair<std::string, std::string>> files_;
};

}  // namespace brainenc::io
