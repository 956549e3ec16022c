// Helpers shared by the test suites: where the shared data and the binary are, scratch
// folders, reference arrays, running the CLI.
#pragma once

#include <gtest/gtest.h>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include <string>

#include "brainenc/io/npy.hpp"

namespace brainenc::test {

// ../shared (or $BRAINENC_SHARED). Empty when it does not exist.
std::string shared_dir();
// Path of a file under shared_dir(); the calling test is skipped (with the reason) when the
// shared folder or the file is absent.
std::string shared_file(const std::string& relative);
// A reference case folder: shared/reference/<name>.
std::string reference_case(const std::string& name);
// reference/<case>/expected_<name>.npy as a matrix (3D arrays: use read_npy).
Eigen::MatrixXd expected_matrix(const std::string& case_name, const std::string& name = "out");

// A fresh, empty folder for this test, removed at the end of the test program.
std::string scratch_dir();

struct CommandResult {
  int exit_code;
  std::string out;  // stdout
  std::string err;  // stderr
};
// Runs the brainenc binary with `args` (a shell-quoted string).
CommandResult run_brainenc(const std::string& args);

// The whole file as a string ("" when it cannot be read).
std::string read_text(const std::string& path);
// The file parsed as JSON; a failed expectation names the path when it cannot be read.
nlohmann::json read_json(const std::string& path);

// For tests of the model commands: skips (saying why) in a BRAINENC_WITH_TORCH=OFF build.
class ModelCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override;
};

// Max |a - b|, with a check that the shapes agree.
double max_abs_diff(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b);

}  // namespace brainenc::test

#define BRAINENC_SKIP_IF_EMPTY(path) \
  if ((path).empty()) GTEST_SKIP() << "shared data not found (set BRAINENC_SHARED to ../shared)"
