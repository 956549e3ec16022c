#include "brainenc/pipeline/demo_data.hpp"

#include <cmath>
#include <filesystem>
#include <random>
#include <vector>

#include "brainenc/io/atomic_file.hpp"
#include "brainenc/io/table.hpp"
#include "brainenc/io/volume.hpp"

namespace brainenc::pipeline {

DemoDataset write_demo_dataset(const std::string& dir, const DemoOptions& o) {
  std::filesystem::create_directories(dir);
  DemoDataset d;
  const std::string stem = dir + "/sub-demo_task-rest_space-demo";
  d.bold = stem + "_desc-preproc_bold.nii.gz";
  d.atlas = dir + "/atlas-demo8_dseg.nii.gz";
  d.atlas_lut = dir + "/atlas-demo8_dseg.tsv";
  d.confounds = dir + "/sub-demo_task-rest_desc-confounds_timeseries.tsv";

  io::Grid grid;
  grid.dims = {24, 20, 16};
  grid.affine << 4, 0, 0, -48, 0, 4, 0, -40, 0, 0, 4, -32, 0, 0, 0, 1;
  const int64_t V = grid.voxels(), T = o.timepoints;

  // Atlas: a 4 x 2 arrangement of 5x8x12 blocks inside the grid; label = 1 + block index.
  std::vector<double> labels(static_cast<size_t>(V), 0.0);
  for (int64_t k = 2; k < 14; ++k)
    for (int64_t j = 2; j < 18; ++j)
      for (int64_t i = 2; i < 22; ++i)
        labels[size_t(grid.index(i, j, k))] = 1 + (i - 2) / 5 + 4 * ((j - 2) / 8);

  std::mt19937_64 rng(o.seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  // Two latent network signals (AR(1), slow), one per network, plus motion-like drifts.
  const size_t nT = static_cast<size_t>(T);
  std::vector<double> net_a(nT), net_b(nT), drift(nT);
  double a = 0, b = 0, m = 0;
  for (int64_t t = 0; t < T; ++t) {
    a = 0.8 * a + normal(rng);
    b = 0.8 * b + normal(rng);
    m += 0.05 * normal(rng);
    net_a[size_t(t)] = a;
    net_b[size_t(t)] = b;
    drift[size_t(t)] = m;
  }
  std::vector<double> bold(static_cast<size_t>(V * T));
  for (int64_t v = 0; v < V; ++v) {
    const double l = labels[size_t(v)];
    const double baseline = l > 0 ? 1000.0 + 10.0 * l : 100.0;
    for (int64_t t = 0; t < T; ++t) {
      double signal = 0.0;
      if (l > 0)
        signal = 8.0 * (l <= 4 ? net_a[size_t(t)] : net_b[size_t(t)]) + 20.0 * drift[size_t(t)];
      bold[size_t(v + t * V)] = baseline + signal + 6.0 * normal(rng) + 0.05 * double(t);
    }
  }
  io::write_nifti(d.bold, grid, T, bold, io::NiftiType::Float32, o.tr, "brainenc demo (synthetic)");
  io::write_nifti(d.atlas, grid, 1, labels, io::NiftiType::Int16, 0.0, "brainenc demo atlas");

  std::string lut = "index\tname\n";
  for (int r = 1; r <= 8; ++r)
    lut += std::to_string(r) + "\t" + (r <= 4 ? "NetA_" : "NetB_") + std::to_string(r) + "\n";
  io::write_text_file(d.atlas_lut, lut);

  io::Table conf;
  conf.columns = {"trans_x",      "trans_y", "trans_z",
                  "rot_x",        "rot_y",   "rot_z",
                  "white_matter", "csf",     "framewise_displacement"};
  conf.values.resize(T, 9);
  for (int64_t t = 0; t < T; ++t) {
    for (int c = 0; c < 6; ++c)
      conf.values(t, c) = drift[size_t(t)] * (c + 1) * 0.1 + 0.01 * normal(rng);
    conf.values(t, 6) = 100.0 + normal(rng);
    conf.values(t, 7) = 50.0 + normal(rng);
    conf.values(t, 8) = t == 0 ? std::nan("") : std::abs(0.1 * normal(rng));
  }
  io::write_tsv(d.confounds, conf);
  return d;
}

}  // namespace brainenc::pipeline
