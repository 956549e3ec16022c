// brainenc demo: the embedded default job. Generates the synthetic dataset and runs the
// extraction on it, so a fresh install shows the whole path working in seconds.
#include <filesystem>
#include <iostream>

#include "brainenc/io/atomic_file.hpp"
#include "brainenc/io/error.hpp"
#include "brainenc/io/table.hpp"
#include "brainenc/pipeline/command.hpp"
#include "brainenc/pipeline/demo_data.hpp"
#include "brainenc/pipeline/extract.hpp"
#include "brainenc/pipeline/output_names.hpp"
#include "brainenc/preprocessing/connectivity.hpp"

namespace brainenc::pipeline {

Command demo_command() {
  Command c;
  c.name = "demo";
  c.summary = "run the main job on the embedded synthetic dataset";
  c.usage = "brainenc demo [--out <folder>] [--force]";
  c.details =
      "Writes a seeded synthetic BOLD run (24x20x16 voxels of 4 mm, 150 volumes, TR 2 s), an\n"
      "8-region atlas (two networks of 4) and confounds under <folder>/data, then extracts the\n"
      "region time series (6 motion + WM + CSF confounds, detrend, 0.01-0.1 Hz band-pass,\n"
      "z-score) and their Ledoit-Wolf correlation matrix into <folder>/derivatives.";
  c.declare = [](po::options_description& o, po::positional_options_description&) {
    o.add_options()("out", po::value<std::string>()->default_value("brainenc-demo"),
                    "output folder")("force", "overwrite an existing demo folder");
  };
  c.run = [](const po::variables_map& vm) {
    const std::string out = vm["out"].as<std::string>();
    const std::string ts =
        out + "/derivatives/sub-demo_task-rest_space-demo_seg-demo8_stat-mean_timeseries.tsv";
    if (std::filesystem::exists(ts) && vm.count("force") == 0)
      throw UsageError("--out: '" + out +
                       "' already holds demo results (pass --force to overwrite)");
    std::cerr << "demo: writing the synthetic dataset under " << out << "/data\n";
    const DemoDataset d = write_demo_dataset(out + "/data", DemoOptions{});
    // The standard resting-state recipe: 6 motion + WM + CSF regressors, detrend,
    // 0.01-0.1 Hz band-pass, z-scoring, then a Ledoit-Wolf correlation matrix.
    ExtractRequest req;
    req.bold = d.bold;
    req.atlas = d.atlas;
    preprocessing::ConfoundsOptions conf;
    conf.strategy = {preprocessing::ConfoundComponent::Motion,
                     preprocessing::ConfoundComponent::WmCsf};
    conf.motion = preprocessing::Expansion::Basic;
    req.confounds = ConfoundsRequest{d.confounds, conf};
    req.clean.detrend = true;
    req.clean.standardize = preprocessing::Standardize::ZScoreSample;
    req.clean.low_pass = 0.1;
    req.clean.high_pass = 0.01;
    req.clean.t_r = 2.0;
    const ExtractResult r = extract_labels(req, true);
    io::Table table;
    for (double l : r.labels) table.columns.push_back(io::format_number(l));
    table.values = r.signals;
    io::Table relmat;
    relmat.columns = table.columns;
    relmat.values =
        preprocessing::connectivity_matrix(r.signals, preprocessing::ConnectivityOptions{});
    const std::string rm = relmat_path(ts, preprocessing::ConnectivityKind::Correlation);
    io::OutputSet outputs;
    outputs.add(ts, io::format_tsv(table));
    outputs.add(rm, io::format_tsv(relmat));
    outputs.commit();
    // The planted structure: regions 1-4 and 5-8 form two networks.
    double within = 0, between = 0;
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < 8; ++j) {
        if (i == j) continue;
        const bool same = (i < 4) == (j < 4);
        (same ? within : between) += relmat.values(i, j) / (same ? 24.0 : 32.0);
      }
    std::cout << "demo: " << r.signals.rows() << " time points x " << r.signals.cols()
              << " regions -> " << ts << "\n      correlation matrix -> " << rm
              << "\n      mean correlation within networks " << within << ", between networks "
              << between << "\n";
    return 0;
  };
  return c;
}

}  // namespace brainenc::pipeline
