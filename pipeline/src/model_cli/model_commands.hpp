// The commands of brainenc_model_commands.so (one file each) and the module's entry point.
#pragma once

#include <string>

#include "brainenc/pipeline/command.hpp"

namespace brainenc::pipeline {

Command pretrain_command();
Command train_command();
Command evaluate_command();
Command predict_command();

// The one-line summary the executable lists for `name` (model_command_summaries()).
std::string model_command_summary(const std::string& name);

}  // namespace brainenc::pipeline

// kModelModuleEntry: the commands above, or nullptr when `abi` is not kModelModuleAbi.
extern "C" __attribute__((visibility("default"))) const std::vector<brainenc::pipeline::Command>*
brainenc_model_commands(int abi);
