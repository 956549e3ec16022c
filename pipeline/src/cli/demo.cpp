// brainenc demo: the embedded default job. Generates the synthetic dataset and runs the
// extraction on it, so a fresh install shows the whole path working in seconds.
#include <filesystem>
#include <iostream>

#include "brainenc/io/error.hpp"
#include "brainenc/io/table.hpp"
#include "brainenc/pipeline/command.hpp"
#include "brainenc/pipeline/demo_data.hpp"
#include "brainenc/pipeline/extract.hpp"

namespace brainenc::pipeline {

Command demo_command() {
  Command c;
  c.name = "demo";
  c.summary = "run the main job on the embedded synthetic dataset";
  c.usage = "brainenc demo [--out <folder>] [--force]";
  c.details =
      "Writes a seeded synthetic BOLD run (24x20x16 voxels of 4 mm, 150 volumes, TR 2 s), an\n"
      "8-region atlas (two networks of 4) and confounds under <folder>/data, then extracts the\n"
      "region time series into <folder>/derivatives.";
  c.declare = [](po::options_description& o, po::positional_options_description&) {
    o.add_options()("out", po::value<std::string>()->default_value("brainenc-demo"), "output folder")(
        "force", "overwrite an existing demo folder");
  };
  c.run = [](const po::variables_map& vm) {
    const std::string out = vm["out"].as<std::string>();
    const std::string ts = out + "/derivatives/sub-demo_task-rest_space-demo_seg-demo8_stat-mean_timeseries.tsv";
    if (std::filesystem::exists(ts) && vm.count("force") == 0)
      throw UsageError("--out: '" + out + "' already holds demo results (pass --force to overwrite)");
    std::cerr << "demo: writing the synthetic dataset under " << out << "/data\n";
    const DemoDataset d = write_demo_dataset(out + "/data", DemoOptions{});
    ExtractRequest req;
    req.bold = d.bold;
    req.atlas = d.atlas;
    const ExtractResult r = extract_labels(req, true);
    io::Table table;
    for (double l : r.labels) table.columns.push_back(io::format_number(l));
    table.values = r.signals;
    io::write_tsv(ts, table);
    std::cout << "demo: " << r.signals.rows() << " time points x " << r.signals.cols() << " regions -> " << ts
              << "\n";
    return 0;
  };
  return c;
}

}  // namespace brainenc::pipeline
