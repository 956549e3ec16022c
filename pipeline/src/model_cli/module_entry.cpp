// The entry point of brainenc_model_commands.so, which the brainenc executable opens with dlopen
// when a model command runs (src/cli/model_module.cpp).
#include <type_traits>

#include "brainenc/io/error.hpp"
#include "model_commands.hpp"

namespace brainenc::pipeline {

std::string model_command_summary(const std::string& name) {
  for (const auto& s : model_command_summaries())
    if (s.name == name) return s.summary;
  throw RuntimeError("no summary for model command '" + name + "'");
}

}  // namespace brainenc::pipeline

static_assert(
    std::is_same_v<decltype(&brainenc_model_commands), brainenc::pipeline::ModelModuleEntry>,
    "the entry point must match what the executable looks up");

const std::vector<brainenc::pipeline::Command>* brainenc_model_commands(int abi) {
  using namespace brainenc::pipeline;
  if (abi != kModelModuleAbi) return nullptr;
  static const std::vector<Command> all = {pretrain_command(), train_command(), evaluate_command(),
                                           predict_command()};
  return &all;
}
