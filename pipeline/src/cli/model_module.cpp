// Finding and opening brainenc_model_commands.so, the module that holds the LibTorch commands.
// The executable itself never links LibTorch (pipeline/CMakeLists.txt says why).
#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "brainenc/io/error.hpp"
#include "brainenc/pipeline/command.hpp"

#ifndef BRAINENC_WITH_TORCH
#define BRAINENC_WITH_TORCH 1
#endif

namespace brainenc::pipeline {
namespace fs = std::filesystem;

const std::vector<CommandSummary>& model_command_summaries() {
  // The module's commands must carry the same names and summaries (tests/cli checks it).
  static const std::vector<CommandSummary> all = [] {
    std::vector<CommandSummary> s = {
        {"pretrain", "self-supervised pretraining of an encoder on a cohort (LibTorch)"},
        {"train", "train and test a model on seeded cohort splits (LibTorch)"},
        {"evaluate", "metrics of a trained model on a cohort (LibTorch)"},
        {"predict", "scores of a trained model for new subjects (LibTorch)"},
    };
    if (!BRAINENC_WITH_TORCH)
      for (auto& c : s) c.summary += " - not in this build (BRAINENC_WITH_TORCH=OFF)";
    return s;
  }();
  return all;
}

namespace {

// Folders to look in, in order: $BRAINENC_MODULE_DIR alone when set, else the executable's folder.
std::vector<fs::path> module_dirs() {
  if (const char* dir = std::getenv("BRAINENC_MODULE_DIR"); dir != nullptr && *dir != '\0')
    return {fs::path(dir)};
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return {exe.parent_path()};
}

const std::vector<Command>* open_module() {
  if (!BRAINENC_WITH_TORCH)
    throw RuntimeError(
        "brainenc was built without LibTorch (BRAINENC_WITH_TORCH=OFF): the model commands are not "
        "available; "
        "configure with -DBRAINENC_WITH_TORCH=ON");
  std::string looked;
  for (const auto& dir : module_dirs()) {
    const fs::path path = dir / kModelModuleFile;
    looked += (looked.empty() ? "" : ", ") + path.string();
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) continue;
    // Never closed: the commands' code lives in the module for the rest of the process.
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) throw RuntimeError("cannot load " + path.string() + ": " + ::dlerror());
    void* symbol = ::dlsym(handle, kModelModuleEntry);
    if (symbol == nullptr)
      throw RuntimeError(path.string() + " is not a brainenc model-commands module (no " +
                         kModelModuleEntry + ")");
    const auto entry = reinterpret_cast<ModelModuleEntry>(symbol);
    const std::vector<Command>* commands = entry(kModelModuleAbi);
    if (commands == nullptr)
      throw RuntimeError(
          path.string() + " was built for another brainenc version (module interface " +
          "differs from " + std::to_string(kModelModuleAbi) + "); rebuild brainenc_model_commands");
    return commands;
  }
  throw RuntimeError(
      std::string("the model commands module ") + kModelModuleFile + " was not found (looked for " +
      (looked.empty() ? std::string("it next to the executable") : looked) +
      "); build the target brainenc_model_commands, or set BRAINENC_MODULE_DIR to its folder");
}

}  // namespace

const std::vector<Command>& model_commands() {
  static std::once_flag once;
  static const std::vector<Command>* loaded = nullptr;
  std::call_once(once, [] { loaded = open_module(); });
  return *loaded;
}

}  // namespace brainenc::pipeline
