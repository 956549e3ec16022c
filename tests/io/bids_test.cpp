#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "brainenc/io/bids.hpp"
#include "brainenc/io/error.hpp"
#include "test_support.hpp"

using namespace brainenc;
using namespace brainenc::io;
namespace fs = std::filesystem;

namespace {
void touch(const std::string& p, const std::string& content = "") {
  fs::create_directories(fs::path(p).parent_path());
  std::ofstream(p) << content;
}
}  // namespace

TEST(Bids, ParsesEntitiesInOrder) {
  const auto n = parse_bids_name(
      "sub-01_ses-2_task-rest_run-3_space-MNI152NLin2009cAsym_desc-preproc_bold.nii.gz");
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->get("sub"), "01");
  EXPECT_EQ(n->get("ses"), "2");
  EXPECT_EQ(n->get("run"), "3");
  EXPECT_EQ(n->suffix, "bold");
  EXPECT_EQ(n->extension, ".nii.gz");
  EXPECT_EQ(n->order.front(), "sub");
  EXPECT_FALSE(parse_bids_name("notbids.nii.gz").has_value());
  EXPECT_FALSE(parse_bids_name("sub-01_task_bold.nii").has_value());
}

TEST(Bids, PairsRunsWithMaskConfoundsAndSidecar) {
  const std::string root = test::scratch_dir();
  const std::string func = root + "/sub-02/ses-a/func/";
  touch(func + "sub-02_ses-a_task-rest_run-1_space-MNI_desc-preproc_bold.nii.gz");
  touch(func + "sub-02_ses-a_task-rest_run-1_space-MNI_desc-preproc_bold.json",
        "{\"RepetitionTime\": 0.8}");
  touch(func + "sub-02_ses-a_task-rest_run-1_space-MNI_desc-brain_mask.nii.gz");
  touch(func + "sub-02_ses-a_task-rest_run-1_desc-confounds_timeseries.tsv");
  touch(func + "sub-02_ses-a_task-rest_run-1_desc-confounds_timeseries.json");
  touch(func + "sub-02_ses-a_task-rest_run-2_space-MNI_desc-preproc_bold.nii.gz");
  touch(func + "sub-02_ses-a_task-rest_run-2_desc-confounds_regressors.tsv");
  touch(root + "/sub-03/func/sub-03_task-nback_space-MNI_desc-preproc_bold.nii.gz");
  const auto runs = find_bold_runs(root);
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].subject(), "02");
  EXPECT_DOUBLE_EQ(runs[0].repetition_time, 0.8);
  EXPECT_FALSE(runs[0].mask.empty());
  EXPECT_NE(runs[0].confounds.find("run-1_desc-confounds_timeseries.tsv"), std::string::npos);
  EXPECT_FALSE(runs[0].confounds_json.empty());
  EXPECT_EQ(runs[0].stem(), "sub-02_ses-a_task-rest_run-1_space-MNI");
  EXPECT_EQ(runs[0].stem(false), "sub-02_ses-a_task-rest_run-1");
  EXPECT_NE(runs[1].confounds.find("desc-confounds_regressors.tsv"), std::string::npos);
  EXPECT_TRUE(runs[1].mask.empty());
  EXPECT_TRUE(runs[2].confounds.empty());

  BidsFilter f;
  f.task = "nback";
  ASSERT_EQ(find_bold_runs(root, f).size(), 1u);
  f = {};
  f.subjects = {"02"};
  f.run = "2";
  ASSERT_EQ(find_bold_runs(root, f).size(), 1u);
}

TEST(Bids, GeneratedDatasetFromMakeBold) {
  const std::string conf = test::shared_file("reference/inputs/fmriprep_make_bold");
  BRAINENC_SKIP_IF_EMPTY(conf);
  const auto runs = find_bold_runs(conf);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].subject(), "01");
  EXPECT_FALSE(runs[0].confounds.empty());
  EXPECT_FALSE(runs[0].confounds_json.empty());
}

TEST(Bids, ParticipantsTable) {
  const std::string p = test::scratch_dir() + "/participants.tsv";
  touch(p, "participant_id\tgroup\tage\nsub-01\tcontrol\t31\nsub-02\tpatient\tn/a\n");
  const Participants t = read_participants(p);
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows.at("02").at("group"), "patient");
  touch(p, "id\tgroup\n1\tx\n");
  EXPECT_THROW(read_participants(p), DataError);
}

TEST(Bids, MissingRootIsDataError) {
  EXPECT_THROW(find_bold_runs("/nonexistent/brainenc"), DataError);
}
