// load_confounds / load_confounds_strategy parity with nilearn 0.10.2: every confounds_* case
// of shared/reference (README quirk 14). Each case names the exact Python call it mirrors, and
// the test checks that call against the case's call.txt.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>

#include "brainenc/io/npy.hpp"
#include "brainenc/preprocessing/confound_strategies.hpp"
#include "brainenc/preprocessing/fmriprep_confounds.hpp"
#include "test_support.hpp"

using namespace brainenc;
using namespace brainenc::preprocessing;
using C = ConfoundComponent;

using brainenc::test::read_text;

namespace {

struct Variant {
  const char* suffix;
  const char* call;  // the right-hand side in call.txt
  std::function<Confounds(const std::string&)> run;
};

ConfoundsOptions with(std::vector<C> strategy, const std::function<void(ConfoundsOptions&)>& edit) {
  ConfoundsOptions o;
  o.strategy = std::move(strategy);
  edit(o);
  return o;
}

auto plain(ConfoundsOptions o) {
  return [o](const std::string& img) { return load_confounds(img, o); };
}

auto preset(DenoiseStrategy s, StrategyOverrides ov = {}) {
  return [s, ov](const std::string& img) { return load_confounds_strategy(img, s, ov); };
}

std::vector<Variant> variants() {
  StrategyOverrides gsr;
  gsr.global_signal = Expansion::Basic;
  return {
      {"default", "load_confounds(img)", plain({})},
      {"motion_basic", "load_confounds(img, strategy=('motion',), motion='basic')",
       plain(with({C::Motion}, [](auto& o) { o.motion = Expansion::Basic; }))},
      {"motion_power2", "load_confounds(img, strategy=('motion',), motion='power2')",
       plain(with({C::Motion}, [](auto& o) { o.motion = Expansion::Power2; }))},
      {"motion_derivatives", "load_confounds(img, strategy=('motion',), motion='derivatives')",
       plain(with({C::Motion}, [](auto& o) { o.motion = Expansion::Derivatives; }))},
      {"motion_full", "load_confounds(img, strategy=('motion',), motion='full')",
       plain(with({C::Motion}, [](auto& o) { o.motion = Expansion::Full; }))},
      {"high_pass", "load_confounds(img, strategy=('high_pass',))",
       plain(with({C::HighPass}, [](auto&) {}))},
      {"wm_csf_basic", "load_confounds(img, strategy=('wm_csf',), wm_csf='basic')",
       plain(with({C::WmCsf}, [](auto& o) { o.wm_csf = Expansion::Basic; }))},
      {"wm_csf_full", "load_confounds(img, strategy=('wm_csf',), wm_csf='full')",
       plain(with({C::WmCsf}, [](auto& o) { o.wm_csf = Expansion::Full; }))},
      {"global_signal_full",
       "load_confounds(img, strategy=('global_signal',), global_signal='full')",
       plain(with({C::GlobalSignal}, [](auto& o) { o.global_signal = Expansion::Full; }))},
      {"scrub",
       "load_confounds(img, strategy=('motion', 'scrub'), motion='basic', scrub=5, "
       "fd_threshold=0.2, std_dvars_threshold=3)",
       plain(with({C::Motion, C::Scrub},
                  [](auto& o) {
                    o.motion = Expansion::Basic;
                    o.scrub = 5;
                    o.fd_threshold = 0.2;
                    o.std_dvars_threshold = 3;
                  }))},
      {"scrub_0_fd05",
       "load_confounds(img, strategy=('scrub',), scrub=0, fd_threshold=0.5, "
       "std_dvars_threshold=1.5)",
       plain(with({C::Scrub},
                  [](auto& o) {
                    o.scrub = 0;
                    o.fd_threshold = 0.5;
                    o.std_dvars_threshold = 1.5;
                  }))},
      {"compcor_anat_combined_all",
       "load_confounds(img, strategy=('high_pass', 'compcor'), compcor='anat_combined', "
       "n_compcor='all')",
       plain(with({C::HighPass, C::CompCor},
                  [](auto& o) {
                    o.compcor = CompCorKind::AnatCombined;
                    o.n_compcor = std::nullopt;
                  }))},
      {"compcor_anat_separated_2",
       "load_confounds(img, strategy=('high_pass', 'compcor'), compcor='anat_separated', "
       "n_compcor=2)",
       plain(with({C::HighPass, C::CompCor},
                  [](auto& o) {
                    o.compcor = CompCorKind::AnatSeparated;
                    o.n_compcor = 2;
                  }))},
      {"compcor_temporal_all",
       "load_confounds(img, strategy=('high_pass', 'compcor'), compcor='temporal', "
       "n_compcor='all')",
       plain(with({C::HighPass, C::CompCor},
                  [](auto& o) {
                    o.compcor = CompCorKind::Temporal;
                    o.n_compcor = std::nullopt;
                  }))},
      {"compcor_temporal_anat_combined_5",
       "load_confounds(img, strategy=('high_pass', 'compcor'), "
       "compcor='temporal_anat_combined', n_compcor=5)",
       plain(with({C::HighPass, C::CompCor},
                  [](auto& o) {
                    o.compcor = CompCorKind::TemporalAnatCombined;
                    o.n_compcor = 5;
                  }))},
      {"no_demean",
       "load_confounds(img, strategy=('motion', 'wm_csf'), motion='basic', demean=False)",
       plain(with({C::Motion, C::WmCsf},
                  [](auto& o) {
                    o.motion = Expansion::Basic;
                    o.demean = false;
                  }))},
      {"strategy_simple", "load_confounds_strategy(img, denoise_strategy='simple')",
       preset(DenoiseStrategy::Simple)},
      {"strategy_simple_gsr",
       "load_confounds_strategy(img, denoise_strategy='simple', global_signal='basic')",
       preset(DenoiseStrategy::Simple, gsr)},
      {"strategy_scrubbing", "load_confounds_strategy(img, denoise_strategy='scrubbing')",
       preset(DenoiseStrategy::Scrubbing)},
      {"strategy_compcor", "load_confounds_strategy(img, denoise_strategy='compcor')",
       preset(DenoiseStrategy::CompCor)},
  };
}

struct Case {
  std::string name;
  std::string image;  // relative to shared/reference/inputs
  Variant variant;
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

std::vector<Case> all_cases() {
  const std::string makebold =
      "fmriprep_make_bold/sub-01_task-rest_space-MNI152NLin2009cAsym_desc-preproc_bold.nii.gz";
  const std::string nilearntest =
      "fmriprep_nilearn_test/"
      "sub-test01_task-test_space-MNI152NLin2009cAsym_desc-preproc_bold.nii.gz";
  std::vector<Case> cases;
  for (const Variant& v : variants()) {
    cases.push_back({std::string("confounds_makebold_") + v.suffix, makebold, v});
    cases.push_back({std::string("confounds_nilearntest_") + v.suffix, nilearntest, v});
  }
  for (const Variant& v : variants())
    if (std::string(v.suffix) == "scrub")
      cases.push_back({"confounds_nilearntest_no_nonsteady_scrub",
                       "fmriprep_nilearn_test_nonsteady0/"
                       "sub-test01_task-test_space-MNI152NLin2009cAsym_desc-preproc_bold.nii.gz",
                       v});
  return cases;
}

std::string case_name(const ::testing::TestParamInfo<Case>& p) { return p.param.name; }

}  // namespace

class ConfoundsParity : public ::testing::TestWithParam<Case> {};

TEST_P(ConfoundsParity, MatchesNilearn) {
  const Case& c = GetParam();
  const std::string dir = test::reference_case(c.name);
  BRAINENC_SKIP_IF_EMPTY(dir);

  // The C++ options above must be the call the reference ran.
  const std::string call = read_text(dir + "/call.txt");
  ASSERT_NE(call.find("img = '../inputs/" + c.image + "'"), std::string::npos) << call;
  ASSERT_NE(call.find(std::string("conf, sample_mask = ") + c.variant.call + "\n"),
            std::string::npos)
      << call;

  const Confounds got = c.variant.run(test::shared_file("reference/inputs/" + c.image));

  const auto columns = nlohmann::json::parse(read_text(dir + "/expected_columns.json"))
                           .get<std::vector<std::string>>();
  EXPECT_EQ(got.columns, columns);

  const Eigen::MatrixXd want = test::expected_matrix(c.name, "values");
  ASSERT_EQ(got.values.rows(), want.rows());
  ASSERT_EQ(got.values.cols(), want.cols());
  const double diff = want.size() ? test::max_abs_diff(got.values, want) : 0.0;
  EXPECT_LE(diff, 1e-6);
  std::cout << "[parity] " << c.name << " " << want.rows() << "x" << want.cols()
            << " max_abs_diff=" << diff << "\n";

  const std::string mask_npy =
      test::shared_file("reference/" + c.name + "/expected_sample_mask.npy");
  if (!mask_npy.empty()) {
    const io::NpyArray mask = io::read_npy(mask_npy);
    ASSERT_TRUE(got.sample_mask.has_value());
    std::vector<int64_t> expected(mask.data.begin(), mask.data.end());
    EXPECT_EQ(*got.sample_mask, expected);
  } else {
    const std::string json = read_text(dir + "/expected_sample_mask.json");
    ASSERT_TRUE(nlohmann::json::parse(json).is_null()) << json;
    EXPECT_FALSE(got.sample_mask.has_value());
  }
}

INSTANTIATE_TEST_SUITE_P(Reference, ConfoundsParity, ::testing::ValuesIn(all_cases()), case_name);

// Every confounds_* folder of the reference has a case above.
TEST(ConfoundsParity, CoversEveryReferenceCase) {
  const std::string cases_json = test::shared_file("reference/cases.json");
  BRAINENC_SKIP_IF_EMPTY(cases_json);
  const auto cases = nlohmann::json::parse(read_text(cases_json)).at("cases");
  std::vector<std::string> reference;
  for (auto it = cases.begin(); it != cases.end(); ++it) {
    const std::string name = cases.is_object() ? it.key() : it->at("name").get<std::string>();
    if (name.rfind("confounds_", 0) == 0) reference.push_back(name);
  }
  std::vector<std::string> ours;
  for (const Case& c : all_cases()) ours.push_back(c.name);
  std::sort(reference.begin(), reference.end());
  std::sort(ours.begin(), ours.end());
  EXPECT_EQ(reference.size(), 41u);
  EXPECT_EQ(ours, reference);
}
