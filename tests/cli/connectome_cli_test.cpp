// brainenc connectome end to end: nilearn parity through files, group outputs, bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "brainenc/io/npy.hpp"
#include "brainenc/io/table.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using brainenc::test::run_brainenc;

namespace {

// The reference's 4 subjects (timeseries_4subj_60x6.npy) as TSV files; returns their paths.
std::vector<std::string> write_subjects(const std::string& dir) {
  const auto a = brainenc::io::read_npy(
      brainenc::test::shared_file("reference/inputs/timeseries_4subj_60x6.npy"));
  std::vector<std::string> paths;
  for (int s = 0; s < 4; ++s) {
    brainenc::io::Table t;
    t.columns = {"r1", "r2", "r3", "r4", "r5", "r6"};
    t.values.resize(60, 6);
    for (int i = 0; i < 60; ++i)
      for (int j = 0; j < 6; ++j) t.values(i, j) = a.data[size_t((s * 60 + i) * 6 + j)];
    paths.push_back(dir + "/sub-0" + std::to_string(s + 1) + "_stat-mean_timeseries.tsv");
    brainenc::io::write_tsv(paths.back(), t);
  }
  return paths;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += " '" + x + "'";
  return s;
}

Eigen::MatrixXd subject_matrix(const brainenc::io::NpyArray& a, int s) {
  const Eigen::Index n = a.shape[1];
  Eigen::MatrixXd m(n, n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j) m(i, j) = a.data[size_t((s * n + i) * n + j)];
  return m;
}

}  // namespace

TEST(ConnectomeCli, CorrelationMatchesNilearn) {
  BRAINENC_SKIP_IF_EMPTY(brainenc::test::reference_case("conn_correlation_lw"));
  const std::string dir = brainenc::test::scratch_dir();
  const auto inputs = write_subjects(dir);
  const auto r = run_brainenc("connectome -q --out-dir '" + dir + "/out'" + join(inputs));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto want = brainenc::io::read_npy(
      brainenc::test::shared_file("reference/conn_correlation_lw/expected_out.npy"));
  for (int s = 0; s < 4; ++s) {
    const auto got = brainenc::io::read_table(dir + "/out/sub-0" + std::to_string(s + 1) +
                                              "_stat-pearsoncorrelation_relmat.tsv");
    EXPECT_EQ(got.columns.front(), "r1");
    EXPECT_LE(brainenc::test::max_abs_diff(got.values, subject_matrix(want, s)), 1e-9);
  }
}

TEST(ConnectomeCli, TangentWritesGroupMeanAndFeatures) {
  BRAINENC_SKIP_IF_EMPTY(brainenc::test::reference_case("conn_tangent_lw"));
  const std::string dir = brainenc::test::scratch_dir();
  const auto inputs = write_subjects(dir);
  const auto r = run_brainenc("connectome -q --kind tangent --vectorize --out-dir '" + dir +
                              "/out'" + join(inputs));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto mean = brainenc::io::read_table(dir + "/out/group_stat-tangent_desc-mean_relmat.tsv");
  EXPECT_LE(brainenc::test::max_abs_diff(
                mean.values, brainenc::test::expected_matrix("conn_tangent_lw", "mean_")),
            1e-8);
  std::ifstream features(dir + "/out/connectome_features.tsv");
  std::string header, row;
  std::getline(features, header);
  std::getline(features, row);
  EXPECT_EQ(header.substr(0, 14), "subject\tr1~r1\t");
  EXPECT_EQ(row.rfind("sub-01_stat-mean_timeseries\t", 0), 0u) << row;
  // 6 regions: 21 lower-triangle entries with the diagonal, plus the subject column.
  EXPECT_EQ(std::count(header.begin(), header.end(), '\t'), 21);
}

TEST(ConnectomeCli, TangentWithOneSubjectIsUsageError) {
  BRAINENC_SKIP_IF_EMPTY(brainenc::test::reference_case("conn_tangent_lw"));
  const std::string dir = brainenc::test::scratch_dir();
  const auto inputs = write_subjects(dir);
  const auto r =
      run_brainenc("connectome -q --kind tangent --out-dir '" + dir + "/out' '" + inputs[0] + "'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_FALSE(fs::exists(dir + "/out"));
}

TEST(ConnectomeCli, NanInInputNamesFileAndWritesNothing) {
  const std::string dir = brainenc::test::scratch_dir();
  std::ofstream(dir + "/a.tsv") << "x\ty\n1\t2\n3\t4\n5\t7\n";
  std::ofstream(dir + "/b.tsv") << "x\ty\n1\tn/a\n3\t4\n5\t6\n";
  const auto r = run_brainenc("connectome -q --out-dir '" + dir + "/out' '" + dir + "/a.tsv' '" +
                              dir + "/b.tsv'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("b.tsv: contains NaN"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir + "/out"));
}

TEST(ConnectomeCli, RegionCountMismatchIsDataError) {
  const std::string dir = brainenc::test::scratch_dir();
  std::ofstream(dir + "/a.tsv") << "x\ty\n1\t2\n3\t4\n5\t7\n";
  std::ofstream(dir + "/b.tsv") << "x\ty\tz\n1\t2\t3\n3\t4\t1\n5\t6\t0\n";
  const auto r = run_brainenc("connectome -q '" + dir + "/a.tsv' '" + dir + "/b.tsv'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("b.tsv: has 3 regions"), std::string::npos) << r.err;
}

TEST(ConnectomeCli, ConstantRegionIsReportedNotNan) {
  const std::string dir = brainenc::test::scratch_dir();
  std::ofstream(dir + "/a_timeseries.tsv") << "x\ty\tz\n1\t0\t2\n3\t0\t1\n5\t0\t7\n2\t0\t2\n";
  const auto r = run_brainenc("connectome --kind correlation '" + dir + "/a_timeseries.tsv'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("constant"), std::string::npos) << r.err;
  const auto m = brainenc::io::read_table(dir + "/a_stat-pearsoncorrelation_relmat.tsv");
  EXPECT_TRUE(m.values.allFinite());
  EXPECT_DOUBLE_EQ(m.values(1, 1), 1.0);
  EXPECT_DOUBLE_EQ(m.values(0, 1), 0.0);
}
