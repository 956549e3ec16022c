// brainenc connectome: time series of one or many subjects -> connectivity matrices.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>

#include "brainenc/io/atomic_file.hpp"
#include "brainenc/io/error.hpp"
#include "brainenc/io/npy.hpp"
#include "brainenc/io/table.hpp"
#include "brainenc/pipeline/command.hpp"
#include "brainenc/pipeline/output_names.hpp"
#include "brainenc/preprocessing/connectivity.hpp"
#include "brainenc/preprocessing/dynamic_fc.hpp"
#include "brainenc/preprocessing/fisher_z.hpp"
#include "brainenc/preprocessing/vectorize.hpp"

namespace brainenc::pipeline {
namespace fs = std::filesystem;
namespace pp = brainenc::preprocessing;

namespace {

io::Table matrix_table(const Eigen::MatrixXd& m, const std::vector<std::string>& names) {
  io::Table t;
  t.columns = names;
  t.values = m;
  return t;
}

std::string stem_of(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  return name.substr(0, name.find('.'));
}

}  // namespace

Command connectome_command() {
  Command c;
  c.name = "connectome";
  c.summary = "connectivity matrices from region time series (one or many subjects)";
  c.usage = "brainenc connectome [options] <timeseries.tsv|.csv|.1D|.npy>...";
  c.details =
      "Each input is one subject's time series (time points x regions). Computes nilearn's\n"
      "ConnectivityMeasure: --kind correlation (default), covariance, partial_correlation,\n"
      "precision or tangent (tangent needs >= 2 subjects: deviations from their geometric\n"
      "mean). --estimator ledoit_wolf (nilearn's default) or empirical. For correlation the\n"
      "series are first z-scored (--standardize zscore, nilearn 0.10.2's default).\n"
      "Writes <stem>_stat-<kind>_relmat.tsv (+ .json) per subject; for tangent also the group\n"
      "mean and whitening. Regions with a constant time series are reported and get a zero\n"
      "row and column (correlation diagonal 1) rather than NaN.\n"
      "--fisher-z applies arctanh, with |r| capped at 1 - 1e-7 (z at most 8.406).\n"
      "--vectorize also writes connectome_features.tsv: one row per subject, the lower\n"
      "triangle row by row with the diagonal divided by sqrt(2) (nilearn sym_matrix_to_vec),\n"
      "or without the diagonal (--discard-diagonal).\n"
      "--window N [--step S] computes sliding-window matrices (N samples per window) into\n"
      "<stem>_stat-<kind>_desc-window<N>_relmat.npy ([windows, regions, regions]).";
  c.declare = [](po::options_description& o, po::positional_options_description& p) {
    o.add_options()("input", po::value<std::vector<std::string>>()->required(),
                    "time series files")(
        "kind", po::value<std::string>()->default_value("correlation"),
        "correlation, covariance, partial_correlation, precision or tangent")(
        "estimator", po::value<std::string>()->default_value("ledoit_wolf"),
        "ledoit_wolf or empirical")("standardize",
                                    po::value<std::string>()->default_value("zscore"),
                                    "for correlation: zscore (population), zscore_sample or none")(
        "out-dir", po::value<std::string>(), "output folder (default: next to each input)")(
        "fisher-z", "apply Fisher's z (arctanh) to correlation-type matrices")(
        "vectorize", "also write connectome_features.tsv (one row per subject)")(
        "discard-diagonal", "with --vectorize: leave the diagonal out")(
        "window", po::value<long>(), "sliding-window length in samples (dynamic connectivity)")(
        "step", po::value<long>()->default_value(1), "sliding-window step in samples")(
        "force", "overwrite existing outputs")("quiet,q", "no progress on stderr");
    p.add("input", -1);
  };
  c.run = [](const po::variables_map& vm) {
    const auto inputs = vm["input"].as<std::vector<std::string>>();
    pp::ConnectivityOptions opt;
    opt.kind = pp::parse_connectivity_kind(vm["kind"].as<std::string>());
    opt.estimator = pp::parse_covariance_estimator(vm["estimator"].as<std::string>());
    const std::string standardize = vm["standardize"].as<std::string>();
    opt.standardize =
        standardize == "none" ? pp::Standardize::None : pp::parse_standardize(standardize);
    const bool fisher = vm.count("fisher-z") > 0;
    if (fisher && opt.kind != pp::ConnectivityKind::Correlation &&
        opt.kind != pp::ConnectivityKind::PartialCorrelation)
      throw UsageError("--fisher-z applies to correlation or partial_correlation, not --kind " +
                       vm["kind"].as<std::string>());
    const std::string out_dir = vm.count("out-dir") ? vm["out-dir"].as<std::string>() : "";
    const bool quiet = vm.count("quiet") > 0;

    // Read every subject first: a bad file stops the run before anything is written.
    std::vector<Eigen::MatrixXd> series;
    std::vector<std::vector<std::string>> names;
    for (const auto& path : inputs) {
      io::Table t = io::read_table(path);
      if (t.values.rows() < 2)
        throw DataError(path, "has " + std::to_string(t.values.rows()) + " time points; need >= 2");
      if (!t.values.allFinite()) throw DataError(path, "contains NaN or infinite values");
      if (!series.empty() && t.values.cols() != series.front().cols())
        throw DataError(path, "has " + std::to_string(t.values.cols()) + " regions, " +
                                  inputs.front() + " has " + std::to_string(series.front().cols()));
      series.push_back(std::move(t.values));
      names.push_back(std::move(t.columns));
    }

    io::OutputSet outputs;
    std::vector<std::string> planned;
    auto plan = [&](const std::string& path, std::string content) {
      planned.push_back(path);
      outputs.add(path, std::move(content));
    };

    pp::RegionsPerSubject zero_variance;
    std::vector<Eigen::MatrixXd> matrices;
    pp::ConnectivityMeasure measure(opt);
    if (vm.count("window") == 0) matrices = measure.fit_transform(series, &zero_variance);

    for (size_t s = 0; s < inputs.size(); ++s) {
      nlohmann::json meta;
      meta["Sources"] = {inputs[s]};
      meta["kind"] = vm["kind"].as<std::string>();
      meta["estimator"] = vm["estimator"].as<std::string>();
      meta["standardize"] = standardize;
      meta["SoftwareVersion"] = std::string("brainenc ") + BRAINENC_VERSION;
      if (vm.count("window")) {
        pp::SlidingWindowOptions w;
        w.window = vm["window"].as<long>();
        w.step = vm["step"].as<long>();
        w.connectivity = opt;
        const auto dyn = pp::sliding_window_connectivity(series[s], w);
        const Eigen::Index R = series[s].cols(), W = static_cast<Eigen::Index>(dyn.matrices.size());
        std::vector<double> flat(static_cast<size_t>(W * R * R));
        for (Eigen::Index k = 0; k < W; ++k) {
          const Eigen::MatrixXd m =
              fisher ? pp::fisher_z(dyn.matrices[size_t(k)]) : dyn.matrices[size_t(k)];
          for (Eigen::Index i = 0; i < R; ++i)
            for (Eigen::Index j = 0; j < R; ++j) flat[size_t((k * R + i) * R + j)] = m(i, j);
        }
        std::string path = relmat_path(inputs[s], opt.kind, out_dir);
        path = path.substr(0, path.size() - std::string("_relmat.tsv").size()) + "_desc-window" +
               std::to_string(w.window) + "_relmat.npy";
        plan(path, io::format_npy({W, R, R}, flat.data()));
        meta["window"] = w.window;
        meta["step"] = w.step;
        meta["window_starts"] = dyn.starts;
        plan(sidecar_path(path), meta.dump(2) + "\n");
        if (!quiet) std::cerr << "  " << inputs[s] << ": " << W << " windows -> " << path << "\n";
        continue;
      }
      const Eigen::MatrixXd m = fisher ? pp::fisher_z(matrices[s]) : matrices[s];
      const std::string path = relmat_path(inputs[s], opt.kind, out_dir);
      plan(path, io::format_tsv(matrix_table(m, names[s])));
      if (!zero_variance.empty() && !zero_variance[s].empty()) {
        std::vector<std::string> constant;
        for (auto r : zero_variance[s]) constant.push_back(names[s][size_t(r)]);
        meta["constant_regions"] = constant;
        if (!quiet)
          std::cerr << "  warning: " << inputs[s] << ": " << constant.size()
                    << " region(s) with a constant time series get zero connectivity\n";
      }
      if (fisher) meta["fisher_z_max_abs_r"] = pp::kFisherZMaxAbsR;
      plan(sidecar_path(path), meta.dump(2) + "\n");
    }

    if (vm.count("window") == 0 && opt.kind == pp::ConnectivityKind::Tangent) {
      const std::string dir =
          out_dir.empty() ? fs::path(inputs.front()).parent_path().string() : out_dir;
      plan((fs::path(dir) / "group_stat-tangent_desc-mean_relmat.tsv").string(),
           io::format_tsv(matrix_table(measure.mean(), names.front())));
      plan((fs::path(dir) / "group_stat-tangent_desc-whitening_relmat.tsv").string(),
           io::format_tsv(matrix_table(measure.whitening(), names.front())));
    }
    if (vm.count("vectorize") && vm.count("window") == 0) {
      const bool nodiag = vm.count("discard-diagonal") > 0;
      std::vector<Eigen::MatrixXd> ms;
      for (const auto& m : matrices) ms.push_back(fisher ? pp::fisher_z(m) : m);
      io::Table features;
      features.values = pp::sym_matrices_to_rows(ms, nodiag);
      const auto& n = names.front();
      for (size_t i = 0; i < n.size(); ++i)
        for (size_t j = 0; j <= i; ++j)
          if (!(nodiag && i == j)) features.columns.push_back(n[i] + "~" + n[j]);
      std::string text = "subject\t";
      std::string body = io::format_tsv(features);
      text += body.substr(0, body.find('\n') + 1);
      size_t pos = body.find('\n') + 1;
      for (size_t s = 0; s < inputs.size(); ++s) {
        const size_t end = body.find('\n', pos);
        text += stem_of(inputs[s]) + "\t" + body.substr(pos, end - pos + 1);
        pos = end + 1;
      }
      const std::string dir =
          out_dir.empty() ? fs::path(inputs.front()).parent_path().string() : out_dir;
      plan((fs::path(dir) / "connectome_features.tsv").string(), text);
    }
    if (!vm.count("force"))
      for (const auto& p : planned)
        if (fs::exists(p)) throw UsageError("'" + p + "' exists (pass --force to overwrite)");
    outputs.commit();
    if (!quiet)
      std::cerr << "wrote " << planned.size() << " file(s) for " << inputs.size()
                << " subject(s)\n";
    return 0;
  };
  return c;
}

}  // namespace brainenc::pipeline
