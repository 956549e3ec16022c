// brainenc extract: BOLD + atlas -> region time series (TSV) + JSON sidecar.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>

#include "brainenc/io/atomic_file.hpp"
#include "brainenc/io/error.hpp"
#include "brainenc/io/table.hpp"
#include "brainenc/pipeline/command.hpp"
#include "brainenc/pipeline/extract.hpp"

namespace brainenc::pipeline {
namespace {

std::string label_name(double l) {
  return io::format_number(l);
}

}  // namespace

Command extract_command() {
  Command c;
  c.name = "extract";
  c.summary = "region time series from a BOLD run and a label atlas";
  c.usage = "brainenc extract --bold <bold.nii[.gz]> --atlas <labels.nii[.gz]> --out <timeseries.tsv> [options]";
  c.details =
      "Streams the BOLD file once (frame by frame; .nii.gz is inflated on a second thread),\n"
      "reducing each region with --strategy as nilearn's NiftiLabelsMasker does. Writes the\n"
      "time series as TSV (one column per label, ascending) and <out>.json with the options,\n"
      "the labels and their voxel counts. Outputs appear complete or not at all.";
  c.declare = [](po::options_description& o, po::positional_options_description&) {
    o.add_options()
      ("bold", po::value<std::string>()->required(), "4D BOLD NIfTI")
      ("atlas", po::value<std::string>()->required(), "3D label image on the BOLD grid")
      ("mask", po::value<std::string>(), "brain mask on the BOLD grid (voxels outside are ignored)")
      ("out", po::value<std::string>()->required(), "output time series (.tsv)")
      ("strategy", po::value<std::string>()->default_value("mean"),
       "mean, median, sum, minimum, maximum, variance or standard_deviation")
      ("background-label", po::value<double>()->default_value(0.0), "label value of the background")
      ("drop-masked-labels", "drop labels with no voxel in the mask (default: keep as zero columns)")
      ("force", "overwrite existing outputs")
      ("quiet,q", "no progress on stderr");
  };
  c.run = [](const po::variables_map& vm) {
    ExtractRequest req;
    req.bold = vm["bold"].as<std::string>();
    req.atlas = vm["atlas"].as<std::string>();
    if (vm.count("mask")) req.mask = vm["mask"].as<std::string>();
    req.masker.strategy = preprocessing::parse_label_strategy(vm["strategy"].as<std::string>());
    req.masker.background_label = vm["background-label"].as<double>();
    req.masker.keep_masked_labels = vm.count("drop-masked-labels") == 0;
    const std::string out = vm["out"].as<std::string>();
    const std::string sidecar = std::filesystem::path(out).replace_extension(".json").string();
    if (vm.count("force") == 0)
      for (const auto& p : {out, sidecar})
        if (std::filesystem::exists(p)) throw UsageError("--out: '" + p + "' exists (pass --force to overwrite)");

    const ExtractResult r = extract_labels(req, vm.count("quiet") == 0);

    io::Table table;
    for (double l : r.labels) table.columns.push_back(label_name(l));
    table.values = r.signals;
    nlohmann::json meta;
    meta["Sources"] = {req.bold, req.atlas};
    if (!req.mask.empty()) meta["Sources"].push_back(req.mask);
    meta["strategy"] = preprocessing::to_string(req.masker.strategy);
    meta["background_label"] = req.masker.background_label;
    meta["labels"] = r.labels;
    meta["voxel_counts"] = r.voxel_counts;
    if (!r.masked_out_labels.empty()) meta["labels_outside_mask"] = r.masked_out_labels;
    meta["RepetitionTime"] = r.tr_seconds;
    if (!r.tr_note.empty()) meta["RepetitionTimeNote"] = r.tr_note;
    meta["SoftwareVersion"] = std::string("brainenc ") + BRAINENC_VERSION;
    // Both files are complete before either is moved into place.
    io::OutputSet outputs;
    outputs.add(out, io::format_tsv(table));
    outputs.add(sidecar, meta.dump(2) + "\n");
    outputs.commit();
    if (vm.count("quiet") == 0)
      std::cerr << "wrote " << out << " (" << r.signals.rows() << " time points x " << r.signals.cols()
                << " regions)\n";
    return 0;
  };
  return c;
}

}  // namespace brainenc::pipeline
