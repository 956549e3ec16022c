// brainenc extract: BOLD run(s) + atlas -> cleaned region time series (+ connectomes).
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <map>

#include "brainenc/io/atlas_registry.hpp"
#include "brainenc/io/atomic_file.hpp"
#include "brainenc/io/bids.hpp"
#include "brainenc/io/error.hpp"
#include "brainenc/io/nifti_header.hpp"
#include "brainenc/io/table.hpp"
#include "brainenc/pipeline/command.hpp"
#include "brainenc/pipeline/extract.hpp"
#include "brainenc/pipeline/output_names.hpp"
#include "brainenc/preprocessing/connectivity.hpp"
#include "extract_options.hpp"

namespace brainenc::pipeline {
namespace fs = std::filesystem;
namespace pp = brainenc::preprocessing;

namespace {

// One run to process and where its outputs go.
struct Job {
  std::string bold, mask, confounds, timeseries_out;
  double tr = 0.0;
};

// "Schaefer2018_400Parcels_7Networks_order_FSLMNI152_2mm.nii.gz" ->
// "Schaefer2018400Parcels7NetworksorderFSLMNI1522mm"; a BIDS atlas name (atlas-X) wins when
// present.
std::string atlas_entity(const std::string& atlas_path) {
  const std::string name = fs::path(atlas_path).filename().string();
  if (auto bids = io::parse_bids_name(name); bids && !bids->get("atlas").empty()) {
    std::string a = bids->get("atlas") + bids->get("desc");
    return a;
  }
  std::string stem = name.substr(0, name.find('.')), out;
  for (char ch : stem)
    if (std::isalnum(static_cast<unsigned char>(ch))) out += ch;
  return out;
}

nlohmann::json sidecar(const Job& job, const ExtractRequest& req, const ExtractResult& r) {
  nlohmann::json meta;
  meta["Sources"] = {job.bold};
  if (!req.atlas.empty()) meta["Sources"].push_back(req.atlas);
  if (!req.mask.empty()) meta["Sources"].push_back(req.mask);
  if (req.confounds) meta["Sources"].push_back(req.confounds->file);
  meta["regions"] = req.regions == RegionKind::Labels ? "labels"
                    : req.regions == RegionKind::Maps ? "maps"
                                                      : "spheres";
  if (req.regions == RegionKind::Spheres) {
    meta["seeds"] = req.seeds;
    meta["radius_mm"] = req.radius ? nlohmann::json(*req.radius) : nlohmann::json();
  }
  if (!r.resampling_report.empty()) meta["atlas_resampling"] = r.resampling_report;
  if (!r.labels_lost_in_resampling.empty())
    meta["labels_lost_in_resampling"] = r.labels_lost_in_resampling;
  meta["resampling_target"] = req.resampling_target == ResamplingTarget::Data ? "data" : "labels";
  meta["strategy"] = pp::to_string(req.masker.strategy);
  meta["background_label"] = req.masker.background_label;
  meta["labels"] = r.labels;
  meta["voxel_counts"] = r.voxel_counts;
  if (!r.masked_out_labels.empty()) meta["labels_outside_mask"] = r.masked_out_labels;
  meta["RepetitionTime"] = req.clean.t_r ? *req.clean.t_r : r.header_tr;
  if (!r.tr_note.empty()) meta["RepetitionTimeNote"] = r.tr_note;
  if (req.cleans()) {
    nlohmann::json c;
    c["detrend"] = req.clean.detrend;
    c["standardize"] = pp::to_string(req.clean.standardize);
    c["filter"] = pp::to_string(req.clean.filter);
    c["low_pass"] = req.clean.low_pass ? nlohmann::json(*req.clean.low_pass) : nlohmann::json();
    c["high_pass"] = req.clean.high_pass ? nlohmann::json(*req.clean.high_pass) : nlohmann::json();
    c["t_r"] = req.clean.t_r ? nlohmann::json(*req.clean.t_r) : nlohmann::json();
    c["standardize_confounds"] = req.clean.standardize_confounds;
    if (req.high_variance_confounds)
      c["high_variance_confounds"] = {{"n_confounds", req.high_variance.n_confounds},
                                      {"percentile", req.high_variance.percentile},
                                      {"detrend", req.high_variance.detrend}};
    c["confounds"] = r.confound_columns;
    if (r.sample_mask) c["sample_mask"] = *r.sample_mask;
    meta["cleaning"] = c;
  }
  if (!r.warnings.empty()) meta["warnings"] = r.warnings;
  // CRC-64 (ISA-L, ~10 GB/s) of every input file, so a result can be traced to exact bytes.
  nlohmann::json sums;
  for (const auto& src : meta["Sources"]) {
    const std::string p = src.get<std::string>();
    sums[p] = "crc64:" + io::hex64(io::file_crc64(p));
  }
  meta["InputChecksums"] = sums;
  meta["SoftwareVersion"] = std::string("brainenc ") + BRAINENC_VERSION;
  return meta;
}

}  // namespace

Command extract_command() {
  Command c;
  c.name = "extract";
  c.summary = "region time series from BOLD runs and a label atlas (cleaned as nilearn)";
  c.usage =
      "brainenc extract --bold <bold.nii[.gz]> --atlas <labels.nii[.gz]> --out <timeseries.tsv> "
      "[options]\n"
      "       brainenc extract --bids <fmriprep-dir> --atlas <labels.nii[.gz]> --out-dir <dir> "
      "[options]";
  c.details =
      "Streams each BOLD file once (frame by frame; .nii.gz is inflated on a second thread),\n"
      "reduces every region with --strategy (nilearn NiftiLabelsMasker), then cleans the region\n"
      "signals as nilearn's signal.clean: confound selection from fMRIPrep files as\n"
      "load_confounds (--confounds-strategy) or load_confounds_strategy (--denoise-strategy),\n"
      "detrend, Butterworth band-pass, confound regression orthogonal to the filter, and\n"
      "standardization. Defaults are NiftiLabelsMasker's: no cleaning unless asked.\n"
      "Writes the time series as TSV (one column per label, ascending) plus a JSON sidecar with\n"
      "the exact options, labels, voxel counts, confound columns and sample mask. With\n"
      "--connectome KIND also writes <..>_stat-<kind>_relmat.tsv. With --bids every\n"
      "desc-preproc_bold run is processed (its brain mask, confounds and RepetitionTime are\n"
      "found next to it) and outputs get XCP-D style names under --out-dir.\n"
      "Outputs appear complete or not at all.";
  c.declare = [](po::options_description& o, po::positional_options_description&) {
    o.add_options()("bold", po::value<std::string>(), "4D BOLD NIfTI (single-run mode)")(
        "bids", po::value<std::string>(), "fMRIPrep derivatives folder (every matching run)")(
        "participant-label", po::value<std::vector<std::string>>()->multitoken(),
        "with --bids: subjects (without sub-)")("task", po::value<std::string>(),
                                                "with --bids: task entity")(
        "space", po::value<std::string>(), "with --bids: space entity")(
        "session", po::value<std::string>(), "with --bids: session entity")(
        "atlas", po::value<std::string>(),
        "label image (path or registered name, see 'brainenc atlases'); "
        "resampled onto the BOLD grid by nearest neighbour when needed")(
        "maps", po::value<std::string>(),
        "4D probabilistic maps instead of --atlas (least squares, as NiftiMapsMasker)")(
        "seeds", po::value<std::string>(),
        "sphere centres instead of --atlas: a table with x, y, z columns (mm) "
        "or a registered name (power264, dosenbach160)")(
        "radius", po::value<double>(),
        "sphere radius in mm (default: 5 for registered seed sets, else the seed voxel only)")(
        "allow-overlap", "let spheres share voxels (default: overlapping spheres are an error)")(
        "resampling-target", po::value<std::string>()->default_value("data"),
        "'data': the atlas is resampled onto the BOLD grid; 'labels': the BOLD onto the atlas "
        "grid")("atlas-name", po::value<std::string>(),
                "seg entity of the outputs (default: from the atlas file name)")(
        "mask", po::value<std::string>(),
        "brain mask on the BOLD grid (with --bids: the run's own by default)")(
        "no-mask", "with --bids: ignore the runs' brain masks")(
        "out", po::value<std::string>(), "single-run mode: output time series (.tsv)")(
        "out-dir", po::value<std::string>(), "--bids mode: output folder")(
        "connectome", po::value<std::string>(),
        "also write a connectome: correlation, covariance, "
        "partial_correlation, precision")("estimator",
                                          po::value<std::string>()->default_value("ledoit_wolf"),
                                          "covariance estimator for --connectome")(
        "force", "overwrite existing outputs")("quiet,q", "no progress on stderr")(
        "config", po::value<std::string>(), "read options from an INI file (same names)");
    declare_masker_options(o);
    declare_confounds_options(o);
    declare_clean_options(o);
  };
  c.run = [](const po::variables_map& vm) {
    const bool quiet = vm.count("quiet") > 0;
    const bool bids = vm.count("bids") > 0;
    if (bids == (vm.count("bold") > 0)) throw UsageError("give exactly one of --bold and --bids");
    if (!bids && !vm.count("out")) throw UsageError("--bold needs --out <timeseries.tsv>");
    if (bids && !vm.count("out-dir")) throw UsageError("--bids needs --out-dir <folder>");
    const int region_sources =
        int(vm.count("atlas")) + int(vm.count("maps")) + int(vm.count("seeds"));
    if (region_sources != 1) throw UsageError("give exactly one of --atlas, --maps and --seeds");
    if (vm.count("radius") && !vm.count("seeds")) throw UsageError("--radius needs --seeds");
    const std::string region_arg = vm.count("atlas")  ? vm["atlas"].as<std::string>()
                                   : vm.count("maps") ? vm["maps"].as<std::string>()
                                                      : vm["seeds"].as<std::string>();
    const io::ResolvedAtlas atlas = io::resolve_atlas(region_arg);
    if (atlas.entry && vm.count("seeds") && atlas.entry->kind != io::AtlasKind::Coordinates)
      throw UsageError("--seeds " + region_arg + ": a label atlas, not a seed set (use --atlas)");
    if (atlas.entry && vm.count("atlas") && atlas.entry->kind == io::AtlasKind::Coordinates)
      throw UsageError("--atlas " + region_arg + ": a seed set (use --seeds)");
    const std::string seg = vm.count("atlas-name") ? vm["atlas-name"].as<std::string>()
                            : atlas.entry          ? atlas.entry->name
                                                   : atlas_entity(atlas.path);
    std::map<double, std::string> label_names;
    if (!atlas.lut.empty() && vm.count("atlas")) label_names = io::read_label_names(atlas.lut);
    std::vector<io::Seed> seeds;
    if (vm.count("seeds")) seeds = io::read_seeds(atlas.path);
    const std::string target = vm["resampling-target"].as<std::string>();
    if (target != "data" && target != "labels")
      throw UsageError("--resampling-target: '" + target + "' is not 'data' or 'labels'");
    std::optional<pp::ConnectivityKind> kind;
    if (vm.count("connectome")) {
      kind = pp::parse_connectivity_kind(vm["connectome"].as<std::string>());
      if (*kind == pp::ConnectivityKind::Tangent)
        throw UsageError(
            "--connectome tangent needs a group: run 'brainenc connectome --kind tangent' on the "
            "outputs");
    }

    std::vector<Job> jobs;
    if (bids) {
      io::BidsFilter f;
      if (vm.count("participant-label")) {
        for (auto s : vm["participant-label"].as<std::vector<std::string>>())
          f.subjects.push_back(s.rfind("sub-", 0) == 0 ? s.substr(4) : s);
      }
      if (vm.count("task")) f.task = vm["task"].as<std::string>();
      if (vm.count("space")) f.space = vm["space"].as<std::string>();
      if (vm.count("session")) f.session = vm["session"].as<std::string>();
      const std::string root = vm["bids"].as<std::string>();
      const auto runs = io::find_bold_runs(root, f);
      if (runs.empty())
        throw DataError(root, "no *_desc-preproc_bold.nii[.gz] run matches the filters");
      const std::string out_dir = vm["out-dir"].as<std::string>();
      for (const auto& run : runs) {
        Job j;
        j.bold = run.bold;
        j.mask = vm.count("mask")      ? vm["mask"].as<std::string>()
                 : vm.count("no-mask") ? ""
                                       : run.mask;
        j.confounds = run.confounds;
        j.tr = run.repetition_time;
        fs::path dir = fs::path(out_dir) / ("sub-" + run.subject());
        if (!run.name.get("ses").empty()) dir /= "ses-" + run.name.get("ses");
        dir /= "func";
        j.timeseries_out = (dir / (run.stem() + "_seg-" + seg + "_stat-" +
                                   vm["strategy"].as<std::string>() + "_timeseries.tsv"))
                               .string();
        jobs.push_back(j);
      }
    } else {
      Job j;
      j.bold = vm["bold"].as<std::string>();
      if (vm.count("mask")) j.mask = vm["mask"].as<std::string>();
      j.timeseries_out = vm["out"].as<std::string>();
      jobs.push_back(j);
    }

    // Refuse to overwrite before any work.
    if (!vm.count("force"))
      for (const auto& j : jobs) {
        std::vector<std::string> outs = {j.timeseries_out, sidecar_path(j.timeseries_out)};
        if (kind) outs.push_back(relmat_path(j.timeseries_out, *kind));
        for (const auto& p : outs)
          if (fs::exists(p)) throw UsageError("'" + p + "' exists (pass --force to overwrite)");
      }

    size_t done = 0;
    pp::AtlasCache atlas_cache;
    for (const auto& j : jobs) {
      ExtractRequest req;
      req.bold = j.bold;
      req.mask = j.mask;
      req.resampling_target =
          target == "labels" ? ResamplingTarget::Labels : ResamplingTarget::Data;
      if (vm.count("seeds")) {
        req.regions = RegionKind::Spheres;
        for (const auto& s : seeds) {
          req.seeds.push_back({s.x, s.y, s.z});
          req.seed_names.push_back(s.name);
        }
        if (vm.count("radius"))
          req.radius = vm["radius"].as<double>();
        else if (atlas.entry)
          req.radius = atlas.entry->sphere_radius_mm;
        req.allow_overlap = vm.count("allow-overlap") > 0;
      } else {
        req.regions = vm.count("maps") ? RegionKind::Maps : RegionKind::Labels;
        req.atlas = atlas.path;
      }
      const double tr = j.tr > 0 ? j.tr : io::read_nifti_header(j.bold).tr_seconds;
      apply_extract_options(vm, j.confounds, tr, req);
      if (!quiet) std::cerr << "[" << done + 1 << "/" << jobs.size() << "] " << j.bold << "\n";
      const ExtractResult r = extract_labels(req, !quiet, &atlas_cache);
      for (const auto& w : r.warnings)
        if (!quiet) std::cerr << "  warning: " << w << "\n";
      if (!r.labels_lost_in_resampling.empty() && !quiet)
        std::cerr << "  warning: " << r.resampling_report << "\n";

      io::Table table;
      for (double l : r.labels) {
        if (req.regions == RegionKind::Spheres)
          table.columns.push_back(req.seed_names[size_t(l)]);
        else if (auto it = label_names.find(l); it != label_names.end())
          table.columns.push_back(it->second);
        else
          table.columns.push_back(io::format_number(l));
      }
      table.values = r.signals;
      io::OutputSet outputs;
      outputs.add(j.timeseries_out, io::format_tsv(table));
      outputs.add(sidecar_path(j.timeseries_out), sidecar(j, req, r).dump(2) + "\n");
      if (kind) {
        pp::ConnectivityOptions copt;
        copt.kind = *kind;
        copt.estimator = pp::parse_covariance_estimator(vm["estimator"].as<std::string>());
        std::vector<Eigen::Index> constant;
        io::Table m;
        m.columns = table.columns;
        m.values = pp::connectivity_matrix(r.signals, copt, &constant, j.timeseries_out);
        const std::string relmat = relmat_path(j.timeseries_out, *kind);
        outputs.add(relmat, io::format_tsv(m));
        nlohmann::json cm;
        cm["Sources"] = {j.timeseries_out};
        cm["kind"] = vm["connectome"].as<std::string>();
        cm["estimator"] = vm["estimator"].as<std::string>();
        std::vector<std::string> names;
        for (auto k : constant) names.push_back(table.columns[size_t(k)]);
        if (!names.empty()) {
          cm["constant_regions"] = names;
          if (!quiet)
            std::cerr << "  warning: " << names.size()
                      << " region(s) with a constant signal get zero connectivity\n";
        }
        cm["SoftwareVersion"] = std::string("brainenc ") + BRAINENC_VERSION;
        outputs.add(sidecar_path(relmat), cm.dump(2) + "\n");
      }
      outputs.commit();
      ++done;
      if (!quiet)
        std::cerr << "  wrote " << j.timeseries_out << " (" << r.signals.rows() << " time points x "
                  << r.signals.cols() << " regions)\n";
    }
    return 0;
  };
  return c;
}

}  // namespace brainenc::pipeline
