#include "brainenc/models/cohort.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "brainenc/io/error.hpp"
#include "test_support.hpp"

using namespace brainenc::models;
namespace fs = std::filesystem;

namespace {

void write(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

// An ABIDE-style .1D file: "#1<TAB>#2..." header, then T rows of `regions` values; column
// `constant` (if >= 0) is all zero.
std::string series_1d(int T, int regions, int seed, int constant = -1) {
  std::string text;
  for (int r = 0; r < regions; ++r) text += (r ? "\t#" : "#") + std::to_string(r + 1);
  text += "\n";
  for (int t = 0; t < T; ++t) {
    for (int r = 0; r < regions; ++r)
      text += (r ? "\t" : "") +
              std::to_string(r == constant ? 0.0 : std::sin(0.7 * t * (r + 1) + seed));
    text += "\n";
  }
  return text;
}

// ABIDE's layout: unnamed first column, a quoted comment holding a comma, -9999 for missing.
std::string make_abide_like(const std::string& dir) {
  write(dir + "/pheno.csv",
        ",SUB_ID,FILE_ID,SITE_ID,DX_GROUP,AGE_AT_SCAN,SEX,COMMENT,FIQ\n"
        "0,1,s01,X,1,20.5,1,\"frontal lob gone, rest of brain warped\",110\n"
        "1,2,s02,X,2,22,2,,-9999\n"
        "2,3,s03,Y,2,23,1,,100\n"     // no file
        "3,4,s04,Y,1,24,1,,100\n"     // unreadable
        "4,5,s05,Y,1,25,1,,100\n"     // NaN
        "5,6,s06,Y,2,26,1,,100\n"     // 3 regions instead of 4
        "6,7,s07,Y,,27,1,,100\n"      // no label
        "7,8,s08,Y,1,28,1,,100\n"     // one time point
        "8,9,s09,X,1,29,2,,95\n"      // longest, constant region 3
        "9,10,s01,X,1,20.5,1,,110\n"  // duplicated id
  );
  const std::string ts = dir + "/rois/";
  write(ts + "s01_rois_cc200.1D", series_1d(20, 4, 1));
  write(ts + "s02_rois_cc200.1D", series_1d(25, 4, 2));
  write(ts + "s04_rois_cc200.1D", "#1\t#2\t#3\t#4\n1\t2\t3\t4\n1\t2\tabc\t4\n");
  std::string nan = series_1d(20, 4, 5);
  nan.replace(nan.find('\n') + 1, 1, "nan\t");
  write(ts + "s05_rois_cc200.1D", nan);
  write(ts + "s06_rois_cc200.1D", series_1d(20, 3, 6));
  write(ts + "s08_rois_cc200.1D", series_1d(1, 4, 8));
  write(ts + "s09_rois_cc200.1D", series_1d(30, 4, 9, 2));
  return dir;
}

CohortOptions abide_options(const std::string& dir) {
  CohortOptions o;
  o.phenotype = dir + "/pheno.csv";
  o.series_dir = dir + "/rois";
  o.covariates = {"FIQ"};
  return o;
}

}  // namespace

TEST(PhenotypeTable, QuotedFieldsAndUnnamedColumn) {
  const std::string dir = make_abide_like(brainenc::test::scratch_dir());
  const PhenotypeTable t = read_phenotype_table(dir + "/pheno.csv");
  ASSERT_EQ(t.columns.size(), 9u);
  EXPECT_EQ(t.columns[0], "");
  ASSERT_EQ(t.rows.size(), 10u);
  EXPECT_EQ(t.rows[0][size_t(t.find("COMMENT"))], "frontal lob gone, rest of brain warped");
  write(dir + "/bad.csv", "a,b\n1,\"open\n");
  EXPECT_THROW(read_phenotype_table(dir + "/bad.csv"), brainenc::DataError);
  write(dir + "/ragged.tsv", "a\tb\n1\t2\t3\n");
  EXPECT_THROW(read_phenotype_table(dir + "/ragged.tsv"), brainenc::DataError);
}

TEST(Cohort, LoadsGoodSubjectsAndListsProblems) {
  const std::string dir = make_abide_like(brainenc::test::scratch_dir());
  const Cohort c = load_cohort(abide_options(dir));
  ASSERT_EQ(c.ids(), (std::vector<std::string>{"s01", "s02", "s09"}));
  EXPECT_EQ(c.labels(), (std::vector<int>{1, 0, 1}));  // DX_GROUP 1 positive, 2 negative
  EXPECT_EQ(c.sites(), (std::vector<std::string>{"X", "X", "X"}));
  EXPECT_EQ(c.regions(), 4);
  EXPECT_EQ(c.region_names, (std::vector<std::string>{"1", "2", "3", "4"}));
  EXPECT_DOUBLE_EQ(c.subjects[0].age, 20.5);
  EXPECT_DOUBLE_EQ(c.subjects[1].sex, 2.0);
  EXPECT_DOUBLE_EQ(c.subjects[0].covariates.at("FIQ"), 110.0);
  EXPECT_TRUE(std::isnan(c.subjects[1].covariates.at("FIQ")));  // -9999
  EXPECT_EQ(c.subjects[2].constant_regions, (std::vector<Eigen::Index>{2}));
  EXPECT_TRUE(c.subjects[0].constant_regions.empty());
  EXPECT_EQ(c.subjects[2].series.rows(), 30);
  EXPECT_EQ(c.lengths.min_length, 20);
  EXPECT_EQ(c.lengths.max_length, 30);

  std::set<std::string> problem_ids;
  for (const auto& p : c.problems) problem_ids.insert(p.subject);
  EXPECT_EQ(c.problems.size(), 7u);
  for (const char* id : {"s01", "s03", "s04", "s05", "s06", "s07", "s08"})
    EXPECT_TRUE(problem_ids.count(id)) << id;
  for (const auto& p : c.problems) {
    const std::string expected = p.subject == "s03"   ? "no file"
                                 : p.subject == "s06" ? "3 regions"
                                 : p.subject == "s04" ? "abc"
                                                      : "";
    EXPECT_NE(p.reason.find(expected), std::string::npos) << p.reason;
  }
}

TEST(Cohort, NothingLeftIsAnError) {
  const std::string dir = make_abide_like(brainenc::test::scratch_dir());
  CohortOptions o = abide_options(dir);
  o.file_pattern = "{id}_missing.1D";
  EXPECT_THROW(load_cohort(o), brainenc::DataError);
  o = abide_options(dir);
  o.label_column = "NOPE";
  EXPECT_THROW(load_cohort(o), brainenc::UsageError);
}

TEST(Cohort, LengthPolicies) {
  const std::string dir = make_abide_like(brainenc::test::scratch_dir());
  CohortOptions o = abide_options(dir);
  o.length.policy = LengthPolicy::CropShortest;
  Cohort c = load_cohort(o);
  for (const auto& s : c.subjects) EXPECT_EQ(s.series.rows(), 20);
  EXPECT_EQ(c.lengths.cropped_to, 20);

  o.length = {LengthPolicy::CropFirst, 22, 0};  // s01 (20 samples) is too short
  c = load_cohort(o);
  EXPECT_EQ(c.ids(), (std::vector<std::string>{"s02", "s09"}));
  EXPECT_EQ(c.subjects[0].series.rows(), 22);
  EXPECT_NE(c.problems.back().reason.find("shorter"), std::string::npos);

  // Windows of 10: s01 20 -> 2 (0 unused), s02 25 -> 2 (5 unused), s09 30 -> 3.
  o.length = {LengthPolicy::Segment, 10, 0};
  c = load_cohort(o);
  EXPECT_EQ(c.lengths.segments, 7);
  EXPECT_EQ(c.lengths.unused_samples, 5);
  EXPECT_EQ(c.subjects[2].segment_starts, (std::vector<Eigen::Index>{0, 10, 20}));
  EXPECT_EQ(c.segment(2, 1), c.subjects[2].series.middleRows(10, 10));
  EXPECT_THROW(c.segment(0, 2), brainenc::UsageError);
  // Overlapping windows, step 5: s01 starts 0, 5, 10.
  o.length = {LengthPolicy::Segment, 10, 5};
  c = load_cohort(o);
  EXPECT_EQ(c.subjects[0].segment_starts, (std::vector<Eigen::Index>{0, 5, 10}));
}

// What `brainenc extract` writes (BIDS-derivative names, TSV with region names) plus a
// participants.tsv with text labels.
TEST(Cohort, ExtractOutputsThroughWildcardPattern) {
  const std::string dir = brainenc::test::scratch_dir() + "/bids";
  write(
      dir + "/participants.tsv",
      "participant_id\tgroup\tsite\nsub-01\tpatient\tA\nsub-02\tcontrol\tA\nsub-03\tunknown\tB\n");
  for (const char* id : {"sub-01", "sub-02", "sub-03"})
    write(dir + "/" + id + "/func/" + id + "_task-rest_seg-Demo_stat-mean_timeseries.tsv",
          "left\tright\n1\t2\n2\t1\n3\t5\n");
  CohortOptions o;
  o.phenotype = dir + "/participants.tsv";
  o.series_dir = dir;
  o.file_pattern = "{id}/func/{id}_*_timeseries.tsv";
  o.id_column = "participant_id";
  o.label_column = "group";
  o.positive_label = "patient";
  o.negative_label = "control";
  o.site_column = "site";
  o.age_column = o.sex_column = "";
  o.require_label = false;
  const Cohort c = load_cohort(o);
  EXPECT_EQ(c.ids(), (std::vector<std::string>{"sub-01", "sub-02", "sub-03"}));
  EXPECT_EQ(c.labels(), (std::vector<int>{1, 0, -1}));
  EXPECT_EQ(c.region_names, (std::vector<std::string>{"left", "right"}));
  // Two runs matching the pattern: that subject becomes a problem.
  write(dir + "/sub-02/func/sub-02_task-other_timeseries.tsv", "left\tright\n1\t2\n2\t1\n");
  const Cohort d = load_cohort(o);
  EXPECT_EQ(d.size(), 2);
  EXPECT_NE(d.problems.at(0).reason.find("2 files match"), std::string::npos)
      << d.problems[0].reason;
}

TEST(Features, LowerTriangleOrderIsNilearns) {
  Eigen::MatrixXd m(3, 3);
  m << 0, 1, 2, 3, 4, 5, 6, 7, 8;
  // sym_matrix_to_vec(discard_diagonal=True) reads np.tril row by row: (1,0), (2,0), (2,1).
  EXPECT_EQ(lower_triangle(m), Eigen::Vector3d(3, 6, 7));
  EXPECT_THROW(lower_triangle(Eigen::MatrixXd(2, 3)), brainenc::DataError);
}

TEST(Features, FcFeaturesUseTheGivenConnectivity) {
  const std::string dir = make_abide_like(brainenc::test::scratch_dir());
  const Cohort c = load_cohort(abide_options(dir));
  // Plain Pearson correlation with zero rows for constant regions (the test cannot link
  // preprocessing; the baseline passes preprocessing::connectivity_matrix).
  const ConnectivityFunction pearson = [](const Subject& s) {
    const Eigen::MatrixXd x = s.series.rowwise() - s.series.colwise().mean();
    Eigen::VectorXd sd = x.colwise().norm();
    for (auto r : s.constant_regions) sd(r) = std::numeric_limits<double>::infinity();
    const Eigen::MatrixXd z = x * sd.cwiseInverse().asDiagonal();
    return Eigen::MatrixXd(z.transpose() * z);
  };
  const Eigen::MatrixXd f = fc_features(c, pearson);
  ASSERT_EQ(f.rows(), 3);
  ASSERT_EQ(f.cols(), 6);  // 4 * 3 / 2
  EXPECT_EQ(f.row(1).transpose(), lower_triangle(pearson(c.subjects[1])));
  // s09's region 3 (index 2) is constant: its pairs (2,0), (2,1), (3,2) are 0.
  EXPECT_EQ(f(2, 1), 0.0);
  EXPECT_EQ(f(2, 2), 0.0);
  EXPECT_EQ(f(2, 5), 0.0);
  const ConnectivityFunction broken = [](const Subject&) {
    return Eigen::MatrixXd::Zero(3, 3).eval();
  };
  EXPECT_THROW(fc_features(c, broken), brainenc::DataError);
}

TEST(Features, ConnectomeFeatureTableMatchedByPattern) {
  const std::string dir = make_abide_like(brainenc::test::scratch_dir());
  Cohort c = load_cohort(abide_options(dir));
  // As `brainenc connectome --vectorize` writes it: subject = the time-series file's stem.
  write(dir + "/connectome_features.tsv",
        "subject\t2~1\t3~1\n"
        "s09_rois_cc200\t0.5\t0.25\n"
        "s01_rois_cc200\t0.1\t0.2\n");
  const FeatureTable t = read_feature_table(dir + "/connectome_features.tsv");
  EXPECT_EQ(t.names, (std::vector<std::string>{"2~1", "3~1"}));
  const Eigen::MatrixXd f = match_features(c, t, "{id}_*");
  EXPECT_EQ(c.ids(), (std::vector<std::string>{"s01", "s09"}));  // s02 has no row
  EXPECT_EQ(f, (Eigen::MatrixXd(2, 2) << 0.1, 0.2, 0.5, 0.25).finished());
  EXPECT_EQ(c.problems.back().subject, "s02");
}

TEST(WildcardMatch, Globs) {
  EXPECT_TRUE(wildcard_match("a*c", "abbbc"));
  EXPECT_TRUE(wildcard_match("*", ""));
  EXPECT_TRUE(wildcard_match("s01_*_ts.tsv", "s01_task-rest_ts.tsv"));
  EXPECT_FALSE(wildcard_match("s01_*_ts.tsv", "s011_task_ts.tsv"));
  EXPECT_FALSE(wildcard_match("a*c", "abcd"));
}

// The real ABIDE phenotype (shared/data/abide_cc200): 749 development subjects, 356 autism
// (DX_GROUP 1) and 393 controls, 14 sites; its comment column holds a quoted comma.
TEST(Cohort, AbidePhenotype) {
  const std::string path =
      brainenc::test::shared_file("data/abide_cc200/Phenotypic_V1_0b_preprocessed1_devsites.csv");
  BRAINENC_SKIP_IF_EMPTY(path);
  CohortOptions o;
  o.phenotype = path;
  const Cohort c = load_phenotype(o);
  EXPECT_TRUE(c.problems.empty());
  ASSERT_EQ(c.size(), 749);
  int autism = 0;
  std::set<std::string> sites;
  for (const auto& s : c.subjects) {
    autism += s.label;
    sites.insert(s.site);
    EXPECT_FALSE(std::isnan(s.age));
  }
  EXPECT_EQ(autism, 356);
  EXPECT_EQ(sites.size(), 14u);
}

// A regression target: a numeric column. Missing (ABIDE's -9999 included) and non-numeric cells
// make problems when the target is required and NaN otherwise; a column without a single number
// (a categorical one named by mistake) is an error naming the file and the column.
TEST(Cohort, TargetColumn) {
  const std::string dir = brainenc::test::scratch_dir();
  write(dir + "/p.tsv",
        "id\tage\tsite\n"
        "a\t20.5\tX\n"
        "b\t-9999\tX\n"
        "c\tabc\tY\n"
        "d\t+31\tY\n"
        "e\t\tY\n");
  CohortOptions o;
  o.phenotype = dir + "/p.tsv";
  o.id_column = "id";
  o.label_column = "";
  o.require_label = false;
  o.site_column = "site";
  o.age_column = "";
  o.sex_column = "";
  o.target_column = "age";
  o.require_target = true;
  const Cohort c = load_phenotype(o);
  EXPECT_EQ(c.ids(), (std::vector<std::string>{"a", "d"}));
  EXPECT_EQ(c.targets(), (std::vector<double>{20.5, 31.0}));
  EXPECT_EQ(c.labels(), (std::vector<int>{-1, -1}));
  ASSERT_EQ(c.problems.size(), 3u);
  EXPECT_EQ(c.problems[0].subject, "b");
  EXPECT_EQ(c.problems[0].reason, "no value in target column 'age'");
  EXPECT_EQ(c.problems[1].subject, "c");
  EXPECT_EQ(c.problems[1].reason, "target 'abc' in column 'age' is not a number");
  EXPECT_EQ(c.problems[2].reason, "no value in target column 'age'");

  o.require_target = false;  // predict: every subject, the target unknown where it is
  const Cohort all = load_phenotype(o);
  ASSERT_EQ(all.size(), 5);
  EXPECT_TRUE(all.problems.empty());
  EXPECT_TRUE(std::isnan(all.subjects[1].target));
  EXPECT_TRUE(std::isnan(all.subjects[2].target));
  EXPECT_DOUBLE_EQ(all.subjects[3].target, 31.0);

  o.target_column = "site";
  try {
    load_phenotype(o);
    ADD_FAILURE() << "a categorical target column was accepted";
  } catch (const brainenc::DataError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(dir + "/p.tsv"), std::string::npos) << what;
    EXPECT_NE(what.find("target column 'site' holds no number (e.g. 'X' on line 2)"),
              std::string::npos)
        << what;
  }
  o.target_column = "weight";
  EXPECT_THROW(load_phenotype(o), brainenc::UsageError);
}

// ABIDE's age is a target for every development subject; its site column is not a number.
TEST(Cohort, AbideAgeAsTarget) {
  const std::string path =
      brainenc::test::shared_file("data/abide_cc200/Phenotypic_V1_0b_preprocessed1_devsites.csv");
  BRAINENC_SKIP_IF_EMPTY(path);
  CohortOptions o;
  o.phenotype = path;
  o.label_column = "";
  o.require_label = false;
  o.target_column = "AGE_AT_SCAN";
  o.require_target = true;
  const Cohort c = load_phenotype(o);
  EXPECT_TRUE(c.problems.empty());
  ASSERT_EQ(c.size(), 749);
  for (const auto& s : c.subjects) EXPECT_DOUBLE_EQ(s.target, s.age) << s.id;
  o.target_column = "SITE_ID";
  EXPECT_THROW(load_phenotype(o), brainenc::DataError);
}
