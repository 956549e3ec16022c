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
  std::string summary;   // one line for `brainenc --help`
  std::string usage;     // "brainenc info <file.nii[.gz]>..."
  std::string details;   // paragraphs printed after the options in `--help`
  std::function<void(po::options_description&, po::positional_options_description&)> declare;
  // Returns the exit code; errors are thrown (brainenc::Error) and mapped by run_cli.
  std::function<int(const po::variables_map&)> run;
};

// Every subcommand, in the order `brainenc --help` lists them.
const std::vector<Command>& commands();

// Parses argv, dispatches, maps exceptions to exit codes (0 ok, 1 data/runtime, 2 usage).
int run_cli(int argc, char** argv);

Command info_command();
Command extract_command();
Command demo_command();
Command connectome_command();
Command atlases_command();

}  // namespace brainenc::pipeline
