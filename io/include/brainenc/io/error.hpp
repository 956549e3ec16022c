// Errors thrown by every brainenc library; only pipeline/cli turns them into exit codes.
#pragma once

#include <stdexcept>
#include <string>

namespace brainenc {

// UsageError -> exit 2 (bad command line or option), DataError and RuntimeError -> exit 1.
enum class ErrorKind { Usage, Data, Runtime };

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const noexcept { return kind_; }
  int exit_code() const noexcept { return kind_ == ErrorKind::Usage ? 2 : 1; }

 private:
  ErrorKind kind_;
};

// A command line or option that cannot be honoured: names the option.
struct UsageError : Error {
  explicit UsageError(const std::string& message) : Error(ErrorKind::Usage, message) {}
};

// Input data that is malformed or inconsistent: names the file and the field.
struct DataError : Error {
  explicit DataError(const std::string& message) : Error(ErrorKind::Data, message) {}
  DataError(const std::string& file, const std::string& message)
      : Error(ErrorKind::Data, file + ": " + message) {}
};

// Anything else that stops a run (I/O failure, out of disk, numerical breakdown).
struct RuntimeError : Error {
  explicit RuntimeError(const std::string& message) : Error(ErrorKind::Runtime, message) {}
};

}  // namespace brainenc
