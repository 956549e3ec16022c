// The brainenc command line: each subcommand is one file in src/cli/ that declares its options
// (help text, defaults, positionals) and a run(); help, checking and config files come from
// that one declaration.
#pragma once

#include <boost/program_options.hpp>

#include <functional>
#include <string>
#include <vector>

namespace brainenc::pipeline {

namespace po = boost::program_options;

struct Command {
  std::string name;
  std::string summary;  // one line for `brainenc --help`
  std::string usage;    // "brainenc info <file.nii[.gz]>..."
  std::string details;  // paragraphs printed after the options in `--help`
  std::function<void(po::options_description&, po::positional_options_description&)> declare;
  // Returns the exit code; errors are thrown (brainenc::Error) and mapped by run_cli.
  std::function<int(const po::variables_map&)> run;
};

// Every subcommand built into the executable, in the order `brainenc --help` lists them.
const std::vector<Command>& commands();

// The model commands (pretrain, train, evaluate, predict) need LibTorch, whose loading costs
// ~0.6 s and ~160 MB. They live in a module, brainenc_model_commands.so, that brainenc opens with
// dlopen only when one of them runs; the executable keeps their names and summaries for
// `brainenc --help`.
struct CommandSummary {
  std::string name;
  std::string summary;
};
const std::vector<CommandSummary>& model_command_summaries();

// The module's one entry point, found with dlsym: returns its commands, or nullptr when `abi`
// differs from the kModelModuleAbi it was built with (a module left from another build).
// Bump kModelModuleAbi whenever Command or anything it passes across changes.
inline constexpr int kModelModuleAbi = 1;
inline constexpr const char* kModelModuleFile = "brainenc_model_commands.so";
inline constexpr const char* kModelModuleEntry = "brainenc_model_commands";
using ModelModuleEntry = const std::vector<Command>* (*)(int abi);

// Opens the module (once per process) and returns its commands. Looks in $BRAINENC_MODULE_DIR
// when set, else next to the executable (/proc/self/exe). RuntimeError saying where it looked
// when it is missing, what dlopen said when it cannot load, and that brainenc was built without
// LibTorch when BRAINENC_WITH_TORCH was OFF.
const std::vector<Command>& model_commands();

// Parses argv, dispatches, maps exceptions to exit codes (0 ok, 1 data/runtime, 2 usage).
int run_cli(int argc, char** argv);

Command info_command();
Command extract_command();
Command demo_command();
Command connectome_command();
Command atlases_command();

}  // namespace brainenc::pipeline
