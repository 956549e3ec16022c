#include "test_support.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace brainenc::test {

std::string shared_dir() {
  const char* env = std::getenv("BRAINENC_SHARED");
  const std::string dir = env ? env : BRAINENC_SHARED_DIR;
  return fs::is_directory(dir) ? fs::canonical(dir).string() : "";
}

std::string shared_file(const std::string& relative) {
  const std::string dir = shared_dir();
  if (dir.empty()) return "";
  const std::string p = dir + "/" + relative;
  return fs::exists(p) ? p : "";
}

std::string reference_case(const std::string& name) { return shared_file("reference/" + name); }

Eigen::MatrixXd expected_matrix(const std::string& case_name, const std::string& name) {
  const std::string p = shared_file("reference/" + case_name + "/expected_" + name + ".npy");
  if (p.empty())
    throw std::runtime_error("missing reference " + case_name + "/expected_" + name + ".npy");
  return io::read_npy(p).matrix();
}

namespace {
// The scratch root is removed by a gtest environment's TearDown, i.e. before static destruction:
// removing it from a static destructor crashed at exit on the GPU machine (LibTorch 2.11), once
// torch's own statics were gone.
struct ScratchRoot : ::testing::Environment {
  std::string path;
  void TearDown() override {
    if (path.empty()) return;
    std::error_code ec;
    fs::remove_all(path, ec);
    path.clear();
  }
};
ScratchRoot* scratch_root() {
  static ScratchRoot* root = [] {
    auto* r = new ScratchRoot;  // owned by gtest once registered
    ::testing::AddGlobalTestEnvironment(r);
    return r;
  }();
  return root;
}
// Register before main() so that the environment's TearDown runs even when no test asks for a
// scratch folder first.
[[maybe_unused]] const ScratchRoot* const registered = scratch_root();
}  // namespace

std::string scratch_dir() {
  ScratchRoot& root = *scratch_root();
  if (root.path.empty()) {
    std::string tmpl = (fs::temp_directory_path() / "brainenc-test-XXXXXX").string();
    root.path = mkdtemp(tmpl.data());
  }
  static int counter = 0;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "test";
  for (auto& ch : name)
    if (ch == '/') ch = '_';
  const std::string dir = root.path + "/" + name + "-" + std::to_string(counter++);
  fs::create_directories(dir);
  return dir;
}

CommandResult run_brainenc(const std::string& args) {
  const std::string dir = scratch_dir();
  const std::string out = dir + "/stdout", err = dir + "/stderr";
  const std::string cmd =
      std::string("'") + BRAINENC_BINARY + "' " + args + " >'" + out + "' 2>'" + err + "'";
  const int status = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  r.out = read_text(out);
  r.err = read_text(err);
  return r;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  return nlohmann::json::parse(in);
}

void ModelCommandsTest::SetUp() {
  static const bool without_torch =
      run_brainenc("train --help").err.find("built without LibTorch") != std::string::npos;
  if (without_torch)
    GTEST_SKIP() << "brainenc was built without LibTorch (BRAINENC_WITH_TORCH=OFF)";
}

double max_abs_diff(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  EXPECT_EQ(a.rows(), b.rows());
  EXPECT_EQ(a.cols(), b.cols());
  if (a.rows() != b.rows() || a.cols() != b.cols()) return 1e300;
  return (a - b).cwiseAbs().maxCoeff();
}

}  // namespace brainenc::test
