// Checkpoints: round trip, atomic writes, clear errors for damaged files, weight transfer.
#include "brainenc/models/checkpoint.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "brainenc/io/error.hpp"
#include "brainenc/models/mlp.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace brainenc::models;

namespace {

std::vector<std::string> listing(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

Checkpoint sample_checkpoint(torch::nn::Module& module) {
  Checkpoint c;
  c.options = {{"trainer", {{"epochs", 9}}}, {"run", {{"model", "mlp"}}}};
  c.state.epoch = 4;
  c.state.step = 40;
  c.state.best_epoch = 3;
  c.state.best_metric = 0.75;
  c.state.epochs_since_best = 1;
  c.state.shuffle_rng = "12 34";
  c.state.history = nlohmann::json::array({{{"epoch", 1}}, {{"epoch", 2}}});
  c.model = module_state(module);
  c.best = module_state(module);
  for (auto& [name, t] : c.best) t = t + 1;
  capture_generators(c);
  return c;
}

// Reads `path` expecting a DataError; returns its message.
std::string read_error(const std::string& path) {
  try {
    read_checkpoint(path);
  } catch (const brainenc::DataError& e) {
    return e.what();
  }
  ADD_FAILURE() << "read_checkpoint(" << path << ") did not throw DataError";
  return "";
}

}  // namespace

TEST(Checkpoint, RoundTripsEverything) {
  Mlp mlp(MlpOptions(5, 1).hidden({4}));
  const std::string path = brainenc::test::scratch_dir() + "/c.pt";
  torch::manual_seed(3);
  const Checkpoint c = sample_checkpoint(*mlp);
  write_checkpoint(path, c);
  const Checkpoint r = read_checkpoint(path);
  EXPECT_EQ(r.format_version, kCheckpointFormatVersion);
  EXPECT_EQ(r.options, c.options);
  EXPECT_EQ(r.state.epoch, 4);
  EXPECT_EQ(r.state.step, 40);
  EXPECT_EQ(r.state.best_epoch, 3);
  EXPECT_DOUBLE_EQ(r.state.best_metric, 0.75);
  EXPECT_EQ(r.state.epochs_since_best, 1);
  EXPECT_EQ(r.state.shuffle_rng, "12 34");
  EXPECT_EQ(r.state.history, c.state.history);
  ASSERT_EQ(r.model.size(),
            6u);  // encoder.0.{weight,bias}, head.{weight,bias}, input_mean, input_scale
  for (size_t i = 0; i < c.model.size(); ++i) {
    EXPECT_EQ(r.model[i].first, c.model[i].first);
    EXPECT_TRUE(torch::equal(r.model[i].second, c.model[i].second)) << c.model[i].first;
    EXPECT_TRUE(torch::equal(r.best[i].second, c.best[i].second)) << c.best[i].first;
  }
  EXPECT_TRUE(torch::equal(r.best_weights()[0].second, c.best[0].second));
  // The generator state restores torch's stream.
  const auto expected = torch::rand({5});
  restore_generators(r);
  EXPECT_TRUE(torch::equal(torch::rand({5}), expected));
}

TEST(Checkpoint, IsWrittenAtomically) {
  Mlp mlp(MlpOptions(3, 1));
  const std::string dir = brainenc::test::scratch_dir();
  const Checkpoint c = sample_checkpoint(*mlp);
  write_checkpoint(dir + "/checkpoint.pt", c);
  write_checkpoint(dir + "/checkpoint.pt", c);  // replaced in place
  EXPECT_EQ(listing(dir), std::vector<std::string>{"checkpoint.pt"});
  // A write that cannot complete leaves neither the file nor a temporary.
  fs::create_directories(dir + "/blocked/checkpoint.pt");  // a folder where the file should go
  EXPECT_THROW(write_checkpoint(dir + "/blocked/checkpoint.pt", c), brainenc::Error);
  EXPECT_EQ(listing(dir + "/blocked"), std::vector<std::string>{"checkpoint.pt"});
  EXPECT_TRUE(fs::is_directory(dir + "/blocked/checkpoint.pt"));
}

TEST(Checkpoint, DamagedFilesGiveAClearErrorNamingTheFile) {
  Mlp mlp(MlpOptions(3, 1));
  const std::string dir = brainenc::test::scratch_dir();
  write_checkpoint(dir + "/good.pt", sample_checkpoint(*mlp));

  fs::copy_file(dir + "/good.pt", dir + "/truncated.pt");
  fs::resize_file(dir + "/truncated.pt", fs::file_size(dir + "/good.pt") / 2);
  std::string message = read_error(dir + "/truncated.pt");
  EXPECT_NE(message.find(dir + "/truncated.pt: "), std::string::npos) << message;
  EXPECT_NE(message.find("truncated or corrupt"), std::string::npos) << message;

  std::ofstream(dir + "/text.pt") << "not a checkpoint\n";
  message = read_error(dir + "/text.pt");
  EXPECT_NE(message.find(dir + "/text.pt: "), std::string::npos) << message;

  torch::save(torch::ones({2}), dir + "/tensor.pt");  // a torch archive, not ours
  message = read_error(dir + "/tensor.pt");
  EXPECT_NE(message.find("not a brainenc checkpoint"), std::string::npos) << message;

  message = read_error(dir + "/missing.pt");
  EXPECT_NE(message.find(dir + "/missing.pt: no such checkpoint file"), std::string::npos)
      << message;
}

TEST(Checkpoint, LoadModuleStateRequiresTheSameModel) {
  Mlp a(MlpOptions(4, 1).hidden({8}));
  Mlp b(MlpOptions(4, 1).hidden({8}));
  load_module_state(*b, module_state(*a), "a.pt");
  EXPECT_TRUE(torch::equal(b->head->weight, a->head->weight));
  Mlp wider(MlpOptions(4, 1).hidden({16}));
  try {
    load_module_state(*wider, module_state(*a), "a.pt");
    FAIL();
  } catch (const brainenc::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("a.pt: tensor 'encoder.0.weight' has shape [8, 4]"),
              std::string::npos)
        << e.what();
  }
}

TEST(Checkpoint, FineTuningTakesTheMatchingPretrainedTensors) {
  torch::manual_seed(1);
  Mlp pretrained(MlpOptions(6, 6).hidden({5}));  // reconstruction head: 6 outputs
  pretrained->fit_standardization(torch::randn({10, 6}) * 2 + 1);
  Mlp classifier(MlpOptions(6, 1).hidden({5}));
  const auto head_before = classifier->head->weight.clone();
  const auto copied =
      load_matching_state(*classifier, module_state(*pretrained), {"encoder.", "input_"}, "p.pt");
  EXPECT_EQ(copied, (std::vector<std::string>{"encoder.0.weight", "encoder.0.bias", "input_mean",
                                              "input_scale"}));
  EXPECT_TRUE(
      torch::equal(classifier->encoder->parameters()[0], pretrained->encoder->parameters()[0]));
  EXPECT_TRUE(torch::equal(classifier->head->weight, head_before));
  Mlp other(MlpOptions(3, 1).hidden({2}));
  EXPECT_THROW(load_matching_state(*other, module_state(*pretrained), {"encoder."}, "p.pt"),
               brainenc::DataError);
}
