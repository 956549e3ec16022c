// Confound selection pieces (scrubbing, CompCor choice, expansions) and option parsing, on
// small inputs made here. Expected values follow nilearn 0.10.2's load_confounds_scrub.py and
// load_confounds_compcor.py.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>

#include "brainenc/io/error.hpp"
#include "brainenc/preprocessing/confound_selection.hpp"
#include "brainenc/preprocessing/fmriprep_confounds.hpp"

using namespace brainenc;
using namespace brainenc::preprocessing;

namespace {

template <class F>
std::string usage_message(F&& f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no UsageError thrown";
  return "";
}

Eigen::VectorXd vec(std::initializer_list<double> v) {
  Eigen::VectorXd out(static_cast<Eigen::Index>(v.size()));
  Eigen::Index i = 0;
  for (double x : v) out[i++] = x;
  return out;
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

TEST(ScrubVolumes, FlagsThresholdsThenShortSegments) {
  // FD flags 3, DVARS flags 6 and 10. Kept runs: 0-2 (3), 4-5 (2), 7-9 (3), 11 (1).
  const Eigen::VectorXd fd = vec({kNaN, 0.1, 0.1, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1});
  const Eigen::VectorXd dv = vec({kNaN, 1, 1, 1, 1, 1, 4, 1, 1, 1, 4, 1});
  EXPECT_EQ(scrub_volumes(fd, dv, 0.2, 3, 0), (std::vector<int64_t>{3, 6, 10}));
  EXPECT_EQ(scrub_volumes(fd, dv, 0.2, 3, 3), (std::vector<int64_t>{3, 4, 5, 6, 10, 11}));
  EXPECT_EQ(scrub_volumes(fd, dv, 0.2, 3, 4),
            (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  // Thresholds are strict (>), NaN never exceeds.
  EXPECT_EQ(scrub_volumes(fd, dv, 0.5, 4, 5), std::vector<int64_t>{});
}

TEST(ScrubVolumes, NothingFlaggedKeepsAShortRun) {
  const Eigen::VectorXd fd = vec({kNaN, 0.1, 0.1});
  EXPECT_TRUE(scrub_volumes(fd, fd, 0.2, 3, 5).empty());
  EXPECT_THROW(scrub_volumes(fd, vec({1, 2}), 0.2, 3, 5), DataError);
}

TEST(ExpandConfoundNames, FullIsFourPerSignal) {
  EXPECT_EQ(
      expand_confound_names({"csf"}, Expansion::Full),
      (std::vector<std::string>{"csf", "csf_derivative1", "csf_power2", "csf_derivative1_power2"}));
  EXPECT_EQ(expand_confound_names({"a", "b"}, Expansion::Power2),
            (std::vector<std::string>{"a", "b", "a_power2", "b_power2"}));
  EXPECT_EQ(expand_confound_names({"a"}, Expansion::Derivatives),
            (std::vector<std::string>{"a", "a_derivative1"}));
  EXPECT_EQ(expand_confound_names({"a", "b"}, Expansion::Basic).size(), 2u);
}

TEST(SelectCompCor, MasksInOrderAndFirstNPerMask) {
  // Key order in the file does not matter: components are taken by number.
  const nlohmann::json meta = nlohmann::json::parse(R"({
    "t_comp_cor_01": {"Method": "tCompCor"}, "t_comp_cor_00": {"Method": "tCompCor"},
    "t_comp_cor_02": {"Method": "tCompCor"},
    "a_comp_cor_05": {"Mask": "combined"}, "a_comp_cor_00": {"Mask": "CSF"},
    "a_comp_cor_01": {"Mask": "CSF"}, "a_comp_cor_02": {"Mask": "CSF"},
    "a_comp_cor_03": {"Mask": "WM"}, "a_comp_cor_04": {"Mask": "WM"},
    "dropped_0": {"Mask": "WM", "Retained": false}})");
  EXPECT_EQ(select_compcor(meta, CompCorKind::AnatSeparated, 2, "x.json"),
            (std::vector<std::string>{"a_comp_cor_03", "a_comp_cor_04", "a_comp_cor_00",
                                      "a_comp_cor_01"}));
  EXPECT_EQ(select_compcor(meta, CompCorKind::AnatCombined, std::nullopt, "x.json"),
            std::vector<std::string>{"a_comp_cor_05"});
  EXPECT_EQ(select_compcor(meta, CompCorKind::TemporalAnatCombined, 2, "x.json"),
            (std::vector<std::string>{"t_comp_cor_00", "t_comp_cor_01", "a_comp_cor_05"}));
  EXPECT_EQ(select_compcor(meta, CompCorKind::Temporal, std::nullopt, "x.json").size(), 3u);
  EXPECT_EQ(select_compcor(meta, CompCorKind::TemporalAnatSeparated, 1, "x.json"),
            (std::vector<std::string>{"t_comp_cor_00", "a_comp_cor_03", "a_comp_cor_00"}));
}

TEST(SelectCompCor, GapOrMissingMaskIsADataError) {
  const auto gap = nlohmann::json::parse(R"({"a_comp_cor_00": {"Mask": "CSF"},
                                             "a_comp_cor_02": {"Mask": "CSF"}})");
  try {
    select_compcor(gap, CompCorKind::AnatSeparated, std::nullopt, "conf.json");
    ADD_FAILURE() << "no DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("conf.json: no entry 'a_comp_cor_01'"), std::string::npos)
        << e.what();
  }
  const auto no_mask = nlohmann::json::parse(R"({"a_comp_cor_00": {"Method": "aCompCor"}})");
  EXPECT_THROW(select_compcor(no_mask, CompCorKind::AnatCombined, std::nullopt, "c.json"),
               DataError);
}

TEST(ConfoundOptions, ParsingNamesTheOption) {
  EXPECT_EQ(parse_confound_strategy("motion, high_pass,wm_csf"),
            (std::vector<ConfoundComponent>{ConfoundComponent::Motion, ConfoundComponent::HighPass,
                                            ConfoundComponent::WmCsf}));
  std::string msg = usage_message([] { parse_confound_strategy("motion,motions"); });
  EXPECT_NE(msg.find("--strategy: unknown value 'motions'"), std::string::npos) << msg;
  msg = usage_message([] { parse_expansion("quadratic", "--wm-csf"); });
  EXPECT_NE(msg.find("--wm-csf"), std::string::npos) << msg;
  EXPECT_EQ(parse_expansion("derivatives", "--motion"), Expansion::Derivatives);
  msg = usage_message([] { parse_compcor("temporal_anat"); });
  EXPECT_NE(msg.find("--compcor"), std::string::npos) << msg;
  EXPECT_EQ(parse_compcor("temporal_anat_separated"), CompCorKind::TemporalAnatSeparated);
  EXPECT_EQ(parse_n_compcor("all"), std::nullopt);
  EXPECT_EQ(parse_n_compcor("7"), 7);
  for (const char* bad : {"0", "-2", "3x", ""})
    EXPECT_NE(usage_message([&] { parse_n_compcor(bad); }).find("--n-compcor"), std::string::npos);
  EXPECT_EQ(parse_ica_aroma("basic"), IcaAroma::Basic);
  for (ConfoundComponent c : parse_confound_strategy(
           "motion,high_pass,wm_csf,global_signal,compcor,ica_aroma,scrub,non_steady_state"))
    EXPECT_EQ(parse_confound_component(to_string(c)), c);
}
