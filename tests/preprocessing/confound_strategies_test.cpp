// Preset denoising strategies: the values of nilearn 0.10.2's
// load_confounds_strategy.preset_strategies, and which options each preset accepts.
#include <gtest/gtest.h>

#include "brainenc/io/error.hpp"
#include "brainenc/preprocessing/confound_strategies.hpp"
#include "test_support.hpp"

using namespace brainenc;
using namespace brainenc::preprocessing;
using C = ConfoundComponent;

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

}  // namespace

TEST(ConfoundStrategies, PresetValuesAsNilearn) {
  const ConfoundsOptions simple = strategy_preset(DenoiseStrategy::Simple);
  EXPECT_EQ(simple.strategy, (std::vector<C>{C::HighPass, C::Motion, C::WmCsf}));
  EXPECT_EQ(simple.motion, Expansion::Full);
  EXPECT_EQ(simple.wm_csf, Expansion::Basic);
  EXPECT_TRUE(simple.demean);

  const ConfoundsOptions scrubbing = strategy_preset(DenoiseStrategy::Scrubbing);
  EXPECT_EQ(scrubbing.strategy, (std::vector<C>{C::HighPass, C::Motion, C::WmCsf, C::Scrub}));
  EXPECT_EQ(scrubbing.wm_csf, Expansion::Full);
  EXPECT_EQ(scrubbing.scrub, 5);
  EXPECT_EQ(scrubbing.fd_threshold, 0.2);
  EXPECT_EQ(scrubbing.std_dvars_threshold, 3.0);

  const ConfoundsOptions compcor = strategy_preset(DenoiseStrategy::CompCor);
  EXPECT_EQ(compcor.strategy, (std::vector<C>{C::HighPass, C::Motion, C::CompCor}));
  EXPECT_EQ(compcor.compcor, CompCorKind::AnatCombined);
  EXPECT_EQ(compcor.n_compcor, std::nullopt);

  const ConfoundsOptions aroma = strategy_preset(DenoiseStrategy::IcaAroma);
  EXPECT_EQ(aroma.strategy, (std::vector<C>{C::HighPass, C::WmCsf, C::IcaAroma}));
  EXPECT_EQ(aroma.ica_aroma, IcaAroma::Full);
}

TEST(ConfoundStrategies, OverridesAndGlobalSignalVariants) {
  StrategyOverrides o;
  o.global_signal = Expansion::Full;
  o.fd_threshold = 0.5;
  const ConfoundsOptions gsr = strategy_preset(DenoiseStrategy::Scrubbing, o);
  EXPECT_EQ(gsr.strategy.back(), C::GlobalSignal);
  EXPECT_EQ(gsr.global_signal, Expansion::Full);
  EXPECT_EQ(gsr.fd_threshold, 0.5);

  StrategyOverrides n;
  n.n_compcor = 3;
  n.compcor = CompCorKind::TemporalAnatSeparated;
  const ConfoundsOptions compcor = strategy_preset(DenoiseStrategy::CompCor, n);
  EXPECT_EQ(compcor.n_compcor, 3);
  EXPECT_EQ(compcor.compcor, CompCorKind::TemporalAnatSeparated);
}

TEST(ConfoundStrategies, OptionsAPresetDoesNotTakeAreUsageErrors) {
  StrategyOverrides gs;
  gs.global_signal = Expansion::Basic;
  std::string msg = usage_message([&] { strategy_preset(DenoiseStrategy::CompCor, gs); });
  EXPECT_NE(msg.find("--global-signal does not apply to denoise strategy 'compcor'"),
            std::string::npos)
      << msg;
  StrategyOverrides fd;
  fd.fd_threshold = 0.3;
  msg = usage_message([&] { strategy_preset(DenoiseStrategy::Simple, fd); });
  EXPECT_NE(msg.find("--fd-threshold"), std::string::npos) << msg;
  msg = usage_message([] { parse_denoise_strategy("gsr"); });
  EXPECT_NE(msg.find("--denoise-strategy: unknown preset 'gsr'"), std::string::npos) << msg;
  EXPECT_EQ(parse_denoise_strategy("ica_aroma"), DenoiseStrategy::IcaAroma);
}

// ica_aroma=full needs the AROMA-denoised image, whose name says so.
TEST(ConfoundStrategies, IcaAromaPresetNeedsTheAromaImage) {
  const std::string tsv =
      test::shared_file("data/fmri/fmriprep_confounds/test_desc-confounds_regressors.tsv");
  BRAINENC_SKIP_IF_EMPTY(tsv);
  const Confounds c = load_confounds_strategy(tsv, DenoiseStrategy::IcaAroma);
  EXPECT_EQ(c.columns, (std::vector<std::string>{"cosine00", "cosine01", "cosine02", "cosine03",
                                                 "csf", "white_matter"}));
  try {
    load_confounds_strategy("/data/sub-01_task-rest_space-MNI152NLin6Asym_desc-preproc_bold.nii.gz",
                            DenoiseStrategy::IcaAroma);
    ADD_FAILURE() << "no DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("desc-smoothAROMAnonaggr_bold"), std::string::npos)
        << e.what();
  }
}
