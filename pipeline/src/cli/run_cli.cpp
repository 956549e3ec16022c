#include <cstring>
#include <fstream>
#include <iostream>

#include "brainenc/io/error.hpp"
#include "brainenc/pipeline/command.hpp"

namespace brainenc::pipeline {

const std::vector<Command>& commands() {
  static const std::vector<Command> all = {info_command(), extract_command(), connectome_command(),
                                           atlases_command(), demo_command()};
  return all;
}

namespace {

void print_overview(std::ostream& out) {
  out << "brainenc " << BRAINENC_VERSION
      << " - fMRI/DWI to ROI signals, connectomes and brain encoders\n\n"
         "usage: brainenc <command> [options]\n       brainenc <command> --help\n\ncommands:\n";
  auto line = [&out](const std::string& name, const std::string& summary) {
    out << "  " << name << std::string(name.size() < 12 ? 12 - name.size() : 1, ' ') << summary
        << "\n";
  };
  for (const auto& c : commands()) line(c.name, c.summary);
  // Listed from the executable's own table: --help never loads LibTorch.
  for (const auto& c : model_command_summaries()) line(c.name, c.summary);
  out << "\nexit codes: 0 ok, 1 data or runtime error, 2 usage error\n";
}

int dispatch(const Command& cmd, int argc, char** argv) {
  po::options_description options("options");
  po::positional_options_description positional;
  options.add_options()("help,h", "print this help and exit");
  cmd.declare(options, positional);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(options).positional(positional).run(),
              vm);
    if (vm.count("help")) {
      std::cout << "usage: " << cmd.usage << "\n\n" << cmd.summary << "\n\n" << options << "\n";
      if (!cmd.details.empty()) std::cout << cmd.details << "\n";
      return 0;
    }
    if (vm.count("config")) {
      const std::string path = vm["config"].as<std::string>();
      std::ifstream cfg(path);
      if (!cfg) throw UsageError("--config: cannot open '" + path + "'");
      po::store(po::parse_config_file(cfg, options), vm);
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  return cmd.run(vm);
}

}  // namespace

int run_cli(int argc, char** argv) {
  if (argc < 2) {
    print_overview(std::cerr);
    return 2;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_overview(std::cout);
    return 0;
  }
  if (name == "--version") {
    std::cout << "brainenc " << BRAINENC_VERSION << "\n";
    return 0;
  }
  const Command* found = nullptr;
  for (const auto& cmd : commands())
    if (cmd.name == name) found = &cmd;
  bool model_command = false;
  for (const auto& m : model_command_summaries())
    if (m.name == name) model_command = true;
  if (found != nullptr || model_command) {
    try {
      if (found == nullptr) {
        for (const auto& cmd : model_commands())
          if (cmd.name == name) found = &cmd;
        if (found == nullptr)
          throw RuntimeError(std::string(kModelModuleFile) + " has no command '" + name + "'");
      }
      return dispatch(*found, argc - 1, argv + 1);
    } catch (const Error& e) {
      std::cerr << "brainenc " << name << ": error: " << e.what() << "\n";
      if (e.kind() == ErrorKind::Usage) std::cerr << "(see 'brainenc " << name << " --help')\n";
      return e.exit_code();
    } catch (const std::bad_alloc&) {
      std::cerr << "brainenc " << name << ": error: out of memory\n";
      return 1;
    } catch (const std::exception& e) {
      std::cerr << "brainenc " << name << ": error: " << e.what() << "\n";
      return 1;
    }
  }
  std::cerr << "brainenc: '" << name << "' is not a command (see 'brainenc --help')\n";
  return 2;
}

}  // namespace brainenc::pipeline
