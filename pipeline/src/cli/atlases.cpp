// brainenc atlases: the registered atlases, where their files were found, and whether they verify.
#include <iostream>
#include <sstream>

#include "brainenc/io/atlas_registry.hpp"
#include "brainenc/io/error.hpp"
#include "brainenc/pipeline/command.hpp"

namespace brainenc::pipeline {

Command atlases_command() {
  Command c;
  c.name = "atlases";
  c.summary = "list the named atlases (--atlas <name>) and where their files are";
  c.usage = "brainenc atlases";
  c.details =
      "Registered atlases are found on the search path ($BRAINENC_ATLAS_PATH, then\n"
      "$BRAINENC_SHARED/data/atlases, then the source tree) and verified by size and CRC-64.";
  c.declare = [](po::options_description&, po::positional_options_description&) {};
  c.run = [](const po::variables_map&) {
    std::ostringstream out;
    int missing = 0;
    for (const auto& e : io::atlas_registry()) {
      out << e.name << "\n  " << e.space << "; " << e.licence << "; " << e.citation << "\n  ";
      try {
        const io::ResolvedAtlas r = io::resolve_atlas(e.name);
        out << "found: " << r.path << (r.lut.empty() ? "" : "\n  labels: " + r.lut) << "\n";
      } catch (const DataError& err) {
        ++missing;
        out << "not available: " << err.what() << "\n";
      }
    }
    out << "search path:\n";
    for (const auto& d : io::atlas_search_path()) out << "  " << d << "\n";
    std::cout << out.str();
    if (missing)
      std::cerr << missing << " registered atlas(es) not found (set BRAINENC_ATLAS_PATH)\n";
    return 0;
  };
  return c;
}

}  // namespace brainenc::pipeline
