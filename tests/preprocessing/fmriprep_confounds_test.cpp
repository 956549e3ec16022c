// load_confounds on small tables written here, on the real fMRIPrep files of
// shared/data/fmri/fmriprep_confounds (both naming generations), and its errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "brainenc/io/error.hpp"
#include "brainenc/preprocessing/confound_strategies.hpp"
#include "brainenc/preprocessing/fmriprep_confounds.hpp"
#include "brainenc/preprocessing/fmriprep_files.hpp"
#include "test_support.hpp"

using namespace brainenc;
using namespace brainenc::preprocessing;
using C = ConfoundComponent;
namespace fs = std::filesystem;

namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// Runs `f` and returns the message of the brainenc::Error of `kind` it throws.
template <class F>
std::string error_message(F&& f, ErrorKind kind) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no brainenc::Error thrown";
  return "";
}

// Six volumes: the first is non-steady-state; the derivative has no first value.
const char* kSmallTsv =
    "global_signal\tglobal_signal_derivative1\tnon_steady_state_outlier00\tframewise_displacement\t"
    "std_dvars\n"
    "10\tn/a\t1\tn/a\tn/a\n"
    "12\t2\t0\t0.1\t1\n"
    "11\t-1\t0\t0.1\t1\n"
    "13\t2\t0\t0.1\t1\n"
    "14\t1\t0\t0.1\t1\n"
    "16\t2\t0\t0.1\t1\n";

ConfoundsOptions global_signal_derivatives() {
  ConfoundsOptions o;
  o.strategy = {C::GlobalSignal};
  o.global_signal = Expansion::Derivatives;
  return o;
}

std::string real_file(const std::string& name) {
  return test::shared_file("data/fmri/fmriprep_confounds/" + name);
}

int column_index(const Confounds& c, const std::string& name) {
  const auto it = std::find(c.columns.begin(), c.columns.end(), name);
  return it == c.columns.end() ? -1 : static_cast<int>(it - c.columns.begin());
}

}  // namespace

// Quirk 14: the first-row n/a takes the second row's value; the mean comes from kept volumes.
TEST(LoadConfounds, FirstRowFillAndDemeanOverKeptVolumes) {
  const std::string tsv = test::scratch_dir() + "/sub-01_desc-confounds_timeseries.tsv";
  write_file(tsv, kSmallTsv);
  const Confounds c = load_confounds(tsv, global_signal_derivatives());
  ASSERT_EQ(c.columns, (std::vector<std::string>{"global_signal", "global_signal_derivative1"}));
  ASSERT_TRUE(c.sample_mask);
  EXPECT_EQ(*c.sample_mask, (std::vector<int64_t>{1, 2, 3, 4, 5}));
  // Kept means: (12+11+13+14+16)/5 = 13.2 and (2-1+2+1+2)/5 = 1.2; volume 0 is shifted too.
  Eigen::MatrixXd want(6, 2);
  want << -3.2, 0.8, -1.2, 0.8, -2.2, -2.2, -0.2, 0.8, 0.8, -0.2, 2.8, 0.8;
  EXPECT_LE(test::max_abs_diff(c.values, want), 1e-12);
  EXPECT_EQ(c.tsv_path, tsv);
}

TEST(LoadConfounds, NoCensoringMeansNoSampleMaskAndDemeanOverAll) {
  const std::string tsv = test::scratch_dir() + "/sub-01_desc-confounds_timeseries.tsv";
  write_file(tsv, "global_signal\tcsf\n1\t5\n2\t5\n6\t8\n");
  ConfoundsOptions o;
  o.strategy = {C::GlobalSignal};
  Confounds c = load_confounds(tsv, o);
  EXPECT_FALSE(c.sample_mask);
  EXPECT_LE(test::max_abs_diff(c.values, Eigen::Vector3d(-2, -1, 3)), 1e-12);
  o.demean = false;
  c = load_confounds(tsv, o);
  EXPECT_LE(test::max_abs_diff(c.values, Eigen::Vector3d(1, 2, 6)), 0.0);
}

TEST(LoadConfounds, NanBeyondTheFirstRowIsADataError) {
  const std::string tsv = test::scratch_dir() + "/sub-01_desc-confounds_timeseries.tsv";
  std::string text = kSmallTsv;
  text.replace(text.find("13\t2"), 4, "13\tn/a");
  write_file(tsv, text);
  const std::string msg =
      error_message([&] { load_confounds(tsv, global_signal_derivatives()); }, ErrorKind::Data);
  EXPECT_NE(msg.find(tsv), std::string::npos) << msg;
  EXPECT_NE(msg.find("'global_signal_derivative1' is n/a at volume 3"), std::string::npos) << msg;
}

TEST(LoadConfounds, MissingColumnNamesFileAndColumn) {
  const std::string tsv = test::scratch_dir() + "/sub-01_desc-confounds_timeseries.tsv";
  write_file(tsv, "global_signal\tstd_dvars\n1\tn/a\n2\t1\n");
  ConfoundsOptions o;
  o.strategy = {C::Scrub, C::WmCsf};
  const std::string msg = error_message([&] { load_confounds(tsv, o); }, ErrorKind::Data);
  EXPECT_NE(msg.find(tsv), std::string::npos) << msg;
  EXPECT_NE(msg.find("'framewise_displacement' (scrub)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'white_matter' (wm_csf)"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("std_dvars'"), std::string::npos) << msg;
}

TEST(LoadConfounds, CompCorWithoutJsonSidecarIsADataError) {
  const std::string tsv = test::scratch_dir() + "/sub-01_desc-confounds_timeseries.tsv";
  write_file(tsv, "a_comp_cor_00\tcosine00\n1\t2\n3\t4\n");
  ConfoundsOptions o;
  o.strategy = {C::HighPass, C::CompCor};
  const std::string msg = error_message([&] { load_confounds(tsv, o); }, ErrorKind::Data);
  EXPECT_NE(msg.find(confounds_json_path(tsv)), std::string::npos) << msg;
  EXPECT_NE(msg.find("CompCor"), std::string::npos) << msg;
}

TEST(LoadConfounds, OldFmriprepHeadersAreRefused) {
  const std::string dir = test::scratch_dir();
  write_file(dir + "/camel.tsv", "globalSignal\tcsf\n1\t2\n");
  EXPECT_NE(error_message([&] { read_confounds_tsv(dir + "/camel.tsv"); }, ErrorKind::Data)
                .find("'globalSignal' is in camel case"),
            std::string::npos);
  write_file(dir + "/noheader.tsv", "0.5\t2\n1\t2\n");
  EXPECT_NE(error_message([&] { read_confounds_tsv(dir + "/noheader.tsv"); }, ErrorKind::Data)
                .find("no header"),
            std::string::npos);
}

TEST(LoadConfounds, InvalidOptionsAreUsageErrors) {
  const std::string tsv = test::scratch_dir() + "/sub-01_desc-confounds_timeseries.tsv";
  write_file(tsv, kSmallTsv);
  ConfoundsOptions o;
  o.strategy = {C::CompCor};
  EXPECT_NE(error_message([&] { load_confounds(tsv, o); }, ErrorKind::Usage)
                .find("compcor needs high_pass"),
            std::string::npos);
  o.strategy = {C::Motion, C::Motion};
  EXPECT_NE(error_message([&] { load_confounds(tsv, o); }, ErrorKind::Usage)
                .find("'motion' is listed twice"),
            std::string::npos);
  o.strategy = {C::Scrub};
  o.scrub = -1;
  EXPECT_NE(error_message([&] { load_confounds(tsv, o); }, ErrorKind::Usage).find("--scrub"),
            std::string::npos);
}

TEST(FindConfoundsFile, BothNamingGenerationsAndOnlyTheSameRun) {
  const std::string dir = test::scratch_dir();
  fs::create_directories(dir + "/new");
  fs::create_directories(dir + "/old");
  const std::string bold =
      "sub-01_ses-2_task-rest_run-1_space-MNI152NLin2009cAsym_res-2_desc-preproc_bold.nii.gz";
  write_file(dir + "/new/sub-01_ses-2_task-rest_run-1_desc-confounds_timeseries.tsv", "csf\n1\n");
  write_file(dir + "/new/sub-01_ses-2_task-rest_run-2_desc-confounds_timeseries.tsv", "csf\n1\n");
  write_file(dir + "/old/sub-01_ses-2_task-rest_run-1_desc-confounds_regressors.tsv", "csf\n1\n");
  EXPECT_EQ(find_confounds_file(dir + "/new/" + bold),
            dir + "/new/sub-01_ses-2_task-rest_run-1_desc-confounds_timeseries.tsv");
  EXPECT_EQ(find_confounds_file(dir + "/old/" + bold),
            dir + "/old/sub-01_ses-2_task-rest_run-1_desc-confounds_regressors.tsv");
  // CIFTI output has no desc entity: desc-confounds is appended.
  EXPECT_EQ(find_confounds_file(
                dir + "/new/sub-01_ses-2_task-rest_run-2_space-fsLR_den-91k_bold.dtseries.nii"),
            dir + "/new/sub-01_ses-2_task-rest_run-2_desc-confounds_timeseries.tsv");
}

TEST(FindConfoundsFile, ErrorsNameTheImage) {
  const std::string dir = test::scratch_dir();
  const std::string bold =
      dir + "/sub-01_task-rest_space-MNI152NLin2009cAsym_desc-preproc_bold.nii.gz";
  std::string msg = error_message([&] { find_confounds_file(bold); }, ErrorKind::Data);
  EXPECT_NE(msg.find(bold + ": no fMRIPrep confounds file"), std::string::npos) << msg;

  write_file(dir + "/sub-01_task-rest_desc-confounds_timeseries.tsv", "csf\n1\n");
  write_file(dir + "/sub-01_task-rest_desc-confounds_regressors.tsv", "csf\n1\n");
  msg = error_message([&] { find_confounds_file(bold); }, ErrorKind::Data);
  EXPECT_NE(msg.find("more than one confounds file"), std::string::npos) << msg;

  const std::string raw = dir + "/sub-01_task-rest_bold.nii.gz";
  msg = error_message([&] { find_confounds_file(raw); }, ErrorKind::Data);
  EXPECT_NE(msg.find(raw + ": not an fMRIPrep BOLD file name"), std::string::npos) << msg;
}

// fMRIPrep 1.x naming (desc-confounds_regressors), found from the BOLD name.
TEST(RealConfounds, OldNamingDefaultStrategy) {
  const std::string tsv = real_file("test_desc-confounds_regressors.tsv");
  BRAINENC_SKIP_IF_EMPTY(tsv);
  const std::string dir = test::scratch_dir();
  fs::copy_file(tsv, dir + "/sub-01_task-rest_desc-confounds_regressors.tsv");
  const Confounds c =
      load_confounds(dir + "/sub-01_task-rest_space-MNI152NLin2009cAsym_desc-preproc_bold.nii.gz");
  EXPECT_EQ(c.tsv_path, dir + "/sub-01_task-rest_desc-confounds_regressors.tsv");
  // motion full (24) + 4 cosines + csf and white_matter.
  EXPECT_EQ(c.columns.size(), 30u);
  EXPECT_TRUE(std::is_sorted(c.columns.begin(), c.columns.end()));
  EXPECT_EQ(c.columns.front(), "cosine00");
  ASSERT_TRUE(c.sample_mask);
  EXPECT_EQ(c.sample_mask->size(), 29u);  // non_steady_state_outlier00 flags volume 0
  EXPECT_EQ(c.sample_mask->front(), 1);
}

TEST(RealConfounds, NewNamingMotionFullNeverReturnsOutlierColumns) {
  const std::string tsv = real_file("test-v21_desc-confounds_timeseries.tsv");
  BRAINENC_SKIP_IF_EMPTY(tsv);
  ConfoundsOptions o;
  o.strategy = {C::Motion};
  const Confounds c = load_confounds(tsv, o);
  ASSERT_EQ(c.columns.size(), 24u);
  for (const auto& name : c.columns) EXPECT_EQ(name.find("outlier"), std::string::npos) << name;
  // Three non-steady-state volumes; the file's motion_outlierXX columns do not censor.
  ASSERT_TRUE(c.sample_mask);
  EXPECT_EQ(c.sample_mask->size(), 27u);
  EXPECT_EQ(c.sample_mask->front(), 3);
  // Demeaned over the kept volumes; a derivative's first value is its second one.
  for (Eigen::Index j = 0; j < c.values.cols(); ++j) {
    double sum = 0;
    for (int64_t r : *c.sample_mask) sum += c.values(r, j);
    EXPECT_NEAR(sum, 0.0, 1e-9) << c.columns[static_cast<size_t>(j)];
  }
  const int d = column_index(c, "rot_z_derivative1");
  ASSERT_GE(d, 0);
  EXPECT_EQ(c.values(0, d), c.values(1, d));
}

// n_compcor "all" keeps what fMRIPrep listed: components up to 50 % cumulative variance.
TEST(RealConfounds, CompCorAllFollowsTheFiftyPercentRule) {
  for (const char* name :
       {"test-v21_desc-confounds_timeseries.tsv", "test_desc-confounds_regressors.tsv"}) {
    const std::string tsv = real_file(name);
    BRAINENC_SKIP_IF_EMPTY(tsv);
    ConfoundsOptions o;
    o.strategy = {C::HighPass, C::CompCor};
    const Confounds c = load_confounds(tsv, o);
    EXPECT_EQ(c.json_path, confounds_json_path(tsv));
    std::vector<std::string> compcor;
    for (const auto& col : c.columns)
      if (col.rfind("a_comp_cor_", 0) == 0) compcor.push_back(col);
    const nlohmann::json meta = read_confounds_json(c.json_path);
    size_t listed = 0;
    for (auto it = meta.begin(); it != meta.end(); ++it)
      if (it.key().rfind("a_comp_cor", 0) == 0 && it->at("Mask") == "combined") ++listed;
    EXPECT_EQ(compcor.size(), listed) << name;
    std::sort(compcor.begin(), compcor.end(), [](const std::string& a, const std::string& b) {
      return std::stoi(a.substr(11)) < std::stoi(b.substr(11));
    });
    ASSERT_GE(compcor.size(), 2u);
    EXPECT_LT(meta.at(compcor[compcor.size() - 2]).at("CumulativeVarianceExplained").get<double>(),
              0.5);
    EXPECT_GE(meta.at(compcor.back()).at("CumulativeVarianceExplained").get<double>(), 0.5);
  }
  // 5 combined components in the newer file, 57 in the older one (plus their cosines).
  ConfoundsOptions o;
  o.strategy = {C::HighPass, C::CompCor};
  EXPECT_EQ(load_confounds(real_file("test-v21_desc-confounds_timeseries.tsv"), o).columns.size(),
            6u);
  EXPECT_EQ(load_confounds(real_file("test_desc-confounds_regressors.tsv"), o).columns.size(), 61u);
  o.compcor = CompCorKind::Temporal;
  EXPECT_EQ(load_confounds(real_file("test-v21_desc-confounds_timeseries.tsv"), o).columns.size(),
            4u);
}

// The newer file keeps separated masks as c_comp_cor / w_comp_cor, which nilearn 0.10.2 does not
// read: its a_comp_cor are all "combined", so anat_separated finds nothing.
TEST(RealConfounds, AnatSeparatedWithoutSuchComponentsIsADataError) {
  const std::string tsv = real_file("test-v21_desc-confounds_timeseries.tsv");
  BRAINENC_SKIP_IF_EMPTY(tsv);
  ConfoundsOptions o;
  o.strategy = {C::HighPass, C::CompCor};
  o.compcor = CompCorKind::AnatSeparated;
  const std::string msg = error_message([&] { load_confounds(tsv, o); }, ErrorKind::Data);
  EXPECT_NE(msg.find(confounds_json_path(tsv)), std::string::npos) << msg;
  EXPECT_NE(msg.find("anat_separated"), std::string::npos) << msg;
}

TEST(RealConfounds, IcaAromaBasicTakesTheNoiseComponents) {
  const std::string tsv = real_file("test_desc-confounds_regressors.tsv");
  BRAINENC_SKIP_IF_EMPTY(tsv);
  ConfoundsOptions o;
  o.strategy = {C::HighPass, C::IcaAroma};
  o.ica_aroma = IcaAroma::Basic;
  const Confounds c = load_confounds(tsv, o);
  EXPECT_EQ(c.columns.size(), 17u);                   // 13 aroma_motion_XX + 4 cosines
  EXPECT_EQ(column_index(c, "aroma_motion_26"), 12);  // sorted: aroma_motion_XX before cosineXX
  // Values printed by nilearn 0.10.2 for the same call on this file (fmriprep_nilearn_test).
  EXPECT_DOUBLE_EQ(c.values(0, 0), 1.7255064737689658);    // aroma_motion_01
  EXPECT_DOUBLE_EQ(c.values(5, 16), 0.07066708662413793);  // cosine03
  ASSERT_TRUE(c.sample_mask);
  EXPECT_EQ(c.sample_mask->front(), 1);
}

// Every FD of this run exceeds 0.2 mm: nilearn returns an empty mask and NaN confounds.
TEST(RealConfounds, ScrubbingEveryVolumeIsADataError) {
  const std::string tsv = real_file("test-v21_desc-confounds_timeseries.tsv");
  BRAINENC_SKIP_IF_EMPTY(tsv);
  const std::string msg = error_message(
      [&] { load_confounds_strategy(tsv, DenoiseStrategy::Scrubbing); }, ErrorKind::Data);
  EXPECT_NE(msg.find("every volume is censored"), std::string::npos) << msg;
}

// Without a sample mask nilearn demeans with sklearn's scale (numpy pairwise sums). No reference
// case covers it (every case has censored volumes), so these values were printed by nilearn
// 0.10.2: load_confounds(<fmriprep_nilearn_test_nonsteady0 bold>, strategy=('wm_csf',),
// wm_csf='full'), rows 0 and 29.
TEST(RealConfounds, DemeanWithoutSampleMaskMatchesNilearn) {
  const std::string tsv = test::shared_file(
      "reference/inputs/fmriprep_nilearn_test_nonsteady0/"
      "sub-test01_task-test_desc-confounds_timeseries.tsv");
  BRAINENC_SKIP_IF_EMPTY(tsv);
  ConfoundsOptions o;
  o.strategy = {C::WmCsf};
  o.wm_csf = Expansion::Full;
  const Confounds c = load_confounds(tsv, o);
  EXPECT_FALSE(c.sample_mask);
  ASSERT_EQ(c.columns,
            (std::vector<std::string>{"csf", "csf_derivative1", "csf_derivative1_power2",
                                      "csf_power2", "white_matter", "white_matter_derivative1",
                                      "white_matter_derivative1_power2", "white_matter_power2"}));
  const double first[] = {21.7445544898726,   -15.832569035524406, 270.7864989045071,
                          28689.06095884001,  1.2261937589242962,  -1.3888400295462775,
                          1.7008246068180801, 1421.761374359543};
  const double last[] = {-3.6280884366084365,  -1.6829290527038567, -17.261073486338006,
                         -4725.0502461279975,  0.22642523292029182, -0.23927735966243846,
                         -0.36016769210332883, 261.6987143175211};
  for (Eigen::Index j = 0; j < 8; ++j) {
    EXPECT_DOUBLE_EQ(c.values(0, j), first[j]) << c.columns[static_cast<size_t>(j)];
    EXPECT_DOUBLE_EQ(c.values(29, j), last[j]) << c.columns[static_cast<size_t>(j)];
  }
}
