// End-to-end tests of the brainenc binary: exit codes, messages, outputs on disk.
#include <gtest/gtest.h>

#include <Eigen/Core>

#include <filesystem>
#include <fstream>

#include "brainenc/io/table.hpp"
#include "brainenc/io/volume.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using brainenc::test::run_brainenc;

namespace {

// Files in a folder, hidden temporaries included.
std::vector<std::string> listing(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string ref_input(const std::string& name) {
  return brainenc::test::shared_file("reference/inputs/" + name);
}

}  // namespace

TEST(Cli, HelpListsCommandsAndExitsZero) {
  const auto r = run_brainenc("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("info"), std::string::npos);
  EXPECT_NE(r.out.find("extract"), std::string::npos);
  const auto sub = run_brainenc("extract --help");
  EXPECT_EQ(sub.exit_code, 0);
  EXPECT_NE(sub.out.find("--strategy"), std::string::npos);
}

TEST(Cli, UnknownCommandIsUsageError) {
  const auto r = run_brainenc("frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("'frobnicate' is not a command"), std::string::npos) << r.err;
}

TEST(Cli, InfoReportsTrFixedFromMilliseconds) {
  const std::string f = brainenc::test::shared_file("data/fmri/header_quirks/example4d.nii.gz");
  BRAINENC_SKIP_IF_EMPTY(f);
  const auto r = run_brainenc("info --json '" + f + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"tr_s\":2.0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"shape\":[128,96,24,2]"), std::string::npos) << r.out;
}

TEST(Cli, InfoOnTruncatedFileExitsOneNamingFile) {
  const std::string dir = brainenc::test::scratch_dir();
  brainenc::io::Grid g;
  g.dims = {4, 4, 4};
  brainenc::io::write_nifti(dir + "/x.nii", g, 3, std::vector<double>(192, 1.0),
                            brainenc::io::NiftiType::Float32, 2.0);
  fs::resize_file(dir + "/x.nii", 500);
  const auto r = run_brainenc("info '" + dir + "/x.nii'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("x.nii: file is truncated"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST(Cli, ExtractMissingRequiredOptionIsUsageError) {
  const auto r = run_brainenc("extract --atlas a.nii.gz --out x.tsv");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bold"), std::string::npos) << r.err;
}

TEST(Cli, ExtractMatchesNilearnMean) {
  const std::string bold = ref_input("tiny_bold_f64.nii.gz");
  BRAINENC_SKIP_IF_EMPTY(bold);
  const std::string dir = brainenc::test::scratch_dir();
  const auto r = run_brainenc("extract -q --bold '" + bold + "' --atlas '" +
                              ref_input("tiny_labels.nii.gz") + "' --out '" + dir + "/ts.tsv'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto table = brainenc::io::read_table(dir + "/ts.tsv");
  EXPECT_EQ(table.columns.front(), "3");
  EXPECT_EQ(table.columns.back(), "40");
  EXPECT_LE(brainenc::test::max_abs_diff(table.values,
                                         brainenc::test::expected_matrix("labels_mean_f64")),
            1e-9);
  EXPECT_TRUE(fs::exists(dir + "/ts.json"));
  EXPECT_EQ(listing(dir), (std::vector<std::string>{"ts.json", "ts.tsv"}));
}

TEST(Cli, ExtractRefusesToOverwriteWithoutForce) {
  const std::string bold = ref_input("tiny_bold_f64.nii.gz");
  BRAINENC_SKIP_IF_EMPTY(bold);
  const std::string dir = brainenc::test::scratch_dir();
  std::ofstream(dir + "/ts.tsv") << "keep me\n";
  const std::string args = "extract -q --bold '" + bold + "' --atlas '" +
                           ref_input("tiny_labels.nii.gz") + "' --out '" + dir + "/ts.tsv'";
  const auto r = run_brainenc(args);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--force"), std::string::npos) << r.err;
  std::ifstream in(dir + "/ts.tsv");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "keep me");
  EXPECT_EQ(run_brainenc(args + " --force").exit_code, 0);
}

TEST(Cli, ExtractOnTruncatedBoldLeavesNoOutput) {
  const std::string labels = ref_input("tiny_labels.nii.gz");
  BRAINENC_SKIP_IF_EMPTY(labels);
  const std::string dir = brainenc::test::scratch_dir();
  // A BOLD on the atlas grid with noise (incompressible), then cut in half.
  const auto atlas = brainenc::io::read_volume(labels);
  std::vector<double> values(size_t(atlas.grid.voxels()) * 40);
  uint64_t s = 99;
  for (auto& x : values) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    x = double(s >> 44);
  }
  brainenc::io::write_nifti(dir + "/bold.nii.gz", atlas.grid, 40, values,
                            brainenc::io::NiftiType::Float32, 2.0);
  fs::resize_file(dir + "/bold.nii.gz", fs::file_size(dir + "/bold.nii.gz") / 2);
  fs::create_directories(dir + "/out");
  const auto r = run_brainenc("extract -q --bold '" + dir + "/bold.nii.gz' --atlas '" + labels +
                              "' --out '" + dir + "/out/ts.tsv'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bold.nii.gz"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
  EXPECT_TRUE(listing(dir + "/out").empty());
}

TEST(Cli, ExtractResamplesAnAtlasOnAnotherGrid) {
  const std::string other = ref_input("labels_2mm_other_grid.nii.gz");
  BRAINENC_SKIP_IF_EMPTY(other);
  const std::string dir = brainenc::test::scratch_dir();
  const auto r = run_brainenc("extract -q --bold '" + ref_input("tiny_bold_f64.nii.gz") +
                              "' --atlas '" + other + "' --out '" + dir + "/ts.tsv'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto table = brainenc::io::read_table(dir + "/ts.tsv");
  EXPECT_LE(brainenc::test::max_abs_diff(
                table.values, brainenc::test::expected_matrix("labels_resample_atlas_to_data_f64")),
            1e-9);
}

TEST(Cli, ExtractAtlasThatMissesTheDataLeavesNoOutput) {
  const std::string labels = ref_input("tiny_labels.nii.gz");
  BRAINENC_SKIP_IF_EMPTY(labels);
  const std::string dir = brainenc::test::scratch_dir();
  auto atlas = brainenc::io::read_volume(labels);
  atlas.grid.affine(2, 3) -= 400.0;  // 40 cm below the data
  brainenc::io::write_nifti(dir + "/below.nii.gz", atlas.grid, 1, atlas.data,
                            brainenc::io::NiftiType::Int16);
  fs::create_directories(dir + "/out");
  const auto r =
      run_brainenc("extract -q --bold '" + ref_input("tiny_bold_f64.nii.gz") + "' --atlas '" + dir +
                   "/below.nii.gz' --out '" + dir + "/out/ts.tsv'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("below.nii.gz"), std::string::npos) << r.err;
  EXPECT_TRUE(listing(dir + "/out").empty());
}

TEST(Cli, ExtractNamedAtlasOnRealMniBoldUsesLabelNames) {
  const std::string bold = brainenc::test::shared_file("data/fmri/spm_mni_bold/functional.nii");
  BRAINENC_SKIP_IF_EMPTY(bold);
  const std::string dir = brainenc::test::scratch_dir();
  const auto r = run_brainenc("extract -q --bold '" + bold +
                              "' --atlas yeo7 --detrend --standardize zscore_sample"
                              " --out '" +
                              dir + "/ts.tsv'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto table = brainenc::io::read_table(dir + "/ts.tsv");
  EXPECT_EQ(table.values.rows(), 20);
  ASSERT_FALSE(table.columns.empty());
  EXPECT_EQ(table.columns.front().rfind("7Networks_", 0), 0u) << table.columns.front();
  // z-scored with ddof=1: every column has unit sample variance.
  for (Eigen::Index j = 0; j < table.values.cols(); ++j) {
    const Eigen::VectorXd c = table.values.col(j);
    EXPECT_NEAR((c.array() - c.mean()).square().sum() / 19.0, 1.0, 1e-9);
  }
}

TEST(Cli, ExtractSpheresFromSeedTable) {
  BRAINENC_SKIP_IF_EMPTY(brainenc::test::reference_case("spheres_r6_f64"));
  const std::string dir = brainenc::test::scratch_dir();
  std::ofstream(dir + "/seeds.tsv")
      << "name\tx\ty\tz\nA\t-7.5\t-8.0\t0.0\nB\t7.5\t10.0\t-3.0\nC\t-1.5\t10.0\t12.0\n";
  const auto r =
      run_brainenc("extract -q --bold '" + ref_input("tiny_bold_f64.nii.gz") + "' --seeds '" + dir +
                   "/seeds.tsv' --radius 6 --out '" + dir + "/ts.tsv'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto table = brainenc::io::read_table(dir + "/ts.tsv");
  EXPECT_EQ(table.columns, (std::vector<std::string>{"A", "B", "C"}));
  EXPECT_LE(
      brainenc::test::max_abs_diff(table.values, brainenc::test::expected_matrix("spheres_r6_f64")),
      1e-9);
}

TEST(Cli, ExtractConfoundsWithWrongRowsLeavesNoOutput) {
  const std::string bold = ref_input("tiny_bold_nan_20vol_f32.nii.gz");
  BRAINENC_SKIP_IF_EMPTY(bold);
  const std::string dir = brainenc::test::scratch_dir();
  fs::create_directories(dir + "/out");
  const auto r =
      run_brainenc("extract -q --bold '" + bold + "' --atlas '" + ref_input("tiny_labels.nii.gz") +
                   "' --confounds '" + ref_input("tiny_confounds.tsv") + "' --detrend --out '" +
                   dir + "/out/ts.tsv'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("tiny_confounds.tsv: has 60 rows"), std::string::npos) << r.err;
  EXPECT_TRUE(listing(dir + "/out").empty());
}

TEST(Cli, ExtractMissingFmriprepConfoundsIsADataError) {
  const std::string bold = ref_input("tiny_bold_f64.nii.gz");
  BRAINENC_SKIP_IF_EMPTY(bold);
  const std::string dir = brainenc::test::scratch_dir();
  // A BIDS-named run with no confounds file next to it.
  fs::create_directories(dir + "/ds/sub-01/func");
  fs::copy_file(bold, dir + "/ds/sub-01/func/sub-01_task-rest_space-MNI_desc-preproc_bold.nii.gz");
  const auto r = run_brainenc("extract -q --bids '" + dir + "/ds' --atlas '" +
                              ref_input("tiny_labels.nii.gz") +
                              "' --denoise-strategy simple --out-dir '" + dir + "/out'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("needs a confounds file"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir + "/out"));
}

TEST(Cli, ExtractBidsDatasetWritesXcpdNames) {
  const std::string conf_dir = brainenc::test::shared_file("reference/inputs/fmriprep_make_bold");
  BRAINENC_SKIP_IF_EMPTY(conf_dir);
  // make_bold's confounds (80 volumes) with a BOLD of 80 volumes on the tiny grid.
  const std::string dir = brainenc::test::scratch_dir();
  const std::string func = dir + "/ds/sub-01/func/";
  fs::create_directories(func);
  const auto tiny = brainenc::io::read_volume(ref_input("tiny_bold_f64.nii.gz"));
  std::vector<double> values(size_t(tiny.grid.voxels()) * 80);
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = tiny.data[i % tiny.data.size()] + double(i % 7);
  brainenc::io::write_nifti(
      func + "sub-01_task-rest_space-MNI152NLin2009cAsym_desc-preproc_bold.nii.gz", tiny.grid, 80,
      values, brainenc::io::NiftiType::Float32, 2.0);
  for (const char* f : {"sub-01_task-rest_desc-confounds_timeseries.tsv",
                        "sub-01_task-rest_desc-confounds_timeseries.json"})
    fs::copy_file(conf_dir + "/" + f, func + f);
  const auto r = run_brainenc(
      "extract -q --bids '" + dir + "/ds' --atlas '" + ref_input("tiny_labels.nii.gz") +
      "' --atlas-name tiny --denoise-strategy simple --detrend --standardize zscore_sample"
      " --low-pass 0.1 --high-pass 0.01 --connectome correlation --out-dir '" +
      dir + "/out'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string stem =
      dir + "/out/sub-01/func/sub-01_task-rest_space-MNI152NLin2009cAsym_seg-tiny_";
  const auto ts = brainenc::io::read_table(stem + "stat-mean_timeseries.tsv");
  // simple: non-steady-state volumes (2 in make_bold's file) leave through the sample mask.
  EXPECT_EQ(ts.values.rows(), 78);
  EXPECT_TRUE(fs::exists(stem + "stat-mean_timeseries.json"));
  const auto rm = brainenc::io::read_table(stem + "stat-pearsoncorrelation_relmat.tsv");
  EXPECT_EQ(rm.values.rows(), 12);
  EXPECT_DOUBLE_EQ(rm.values(0, 0), 1.0);
}

TEST(Cli, DemoRecoversThePlantedNetworks) {
  const std::string dir = brainenc::test::scratch_dir();
  const auto r = run_brainenc("demo --out '" + dir + "/demo'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto m = brainenc::io::read_table(
      dir +
      "/demo/derivatives/"
      "sub-demo_task-rest_space-demo_seg-demo8_stat-pearsoncorrelation_relmat.tsv");
  ASSERT_EQ(m.values.rows(), 8);
  // Regions 1-4 share network A's signal, 5-8 network B's.
  double within = 0, between = 0;
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 8; ++j) {
      if (i == j) continue;
      if ((i < 4) == (j < 4))
        within += m.values(i, j) / 24.0;
      else
        between += m.values(i, j) / 32.0;
    }
  EXPECT_GT(within, 0.9);
  EXPECT_LT(between, 0.5);
  // A second run refuses to overwrite.
  EXPECT_EQ(run_brainenc("demo --out '" + dir + "/demo'").exit_code, 2);
}
