// train --init must refuse a pretraining checkpoint whose run did not finish (a bug seen on the
// H200: a pretraining cut by a time limit still initialised the fine-tuning).
#include <gtest/gtest.h>

#include <fstream>

#include "brainenc/models/checkpoint.hpp"
#include "brainenc/models/trainer_options.hpp"
#include "test_support.hpp"

using namespace brainenc;

TEST(InitFromPretraining, UnfinishedCheckpointIsRefused) {
  const std::string dir = test::scratch_dir();
  std::ofstream f(dir + "/features.tsv"), l(dir + "/labels.tsv");
  f << "subject\tf1\tf2\n";
  l << "subject\tlabel\n";
  for (int i = 0; i < 20; ++i) {
    f << "s" << i << "\t" << i % 3 << "\t" << (i % 2) * 2.0 + 0.1 * i << "\n";
    l << "s" << i << "\t" << i % 2 << "\n";
  }
  f.close();
  l.close();
  models::Checkpoint c;
  c.options = {{"trainer", models::to_json(models::TrainerOptions{})},
               {"run", {{"command", "pretrain"}, {"subjects", nlohmann::json::object()}}}};
  c.state.epoch = 3;
  c.state.finished = false;
  models::write_checkpoint(dir + "/pre.pt", c);
  const auto r = test::run_brainenc(
      "train -q --model mlp --features '" + dir + "/features.tsv' --labels '" + dir +
      "/labels.tsv' --id-column subject --label-column label --site-column '' "
      "--epochs 1 --init '" +
      dir + "/pre.pt' --out-dir '" + dir + "/out'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("did not finish (stopped after epoch 3)"), std::string::npos) << r.err;
}
