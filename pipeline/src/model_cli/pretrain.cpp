// brainenc pretrain: self-supervised pretraining of a model's encoder on a cohort.
#include "model_commands.hpp"
#include "model_options.hpp"
#include "workflow.hpp"

namespace brainenc::pipeline {

Command pretrain_command() {
  Command c;
  c.name = "pretrain";
  c.summary = model_command_summary(c.name);
  c.usage = "brainenc pretrain --model <name> --features <table> --out-dir <dir> [options]";
  c.details =
      "Trains the model's self-supervised objective (mlp: masked-feature reconstruction) on the\n"
      "train part of each split, with early stopping on the val part's loss; the test part is "
      "never\n"
      "seen. Splits are made as train makes them (stratified by label when --labels is given) or\n"
      "read with --splits. Writes <out-dir>/splits.json, metrics.json and\n"
      "split-<k>/{checkpoint.pt, log.jsonl (or log.csv: --log-format)}. Fine-tune with:\n"
      "  brainenc train --init <out-dir> --splits <out-dir>/splits.json ...\n"
      "Checkpoints, --resume and SIGINT / SIGTERM as in brainenc train.";
  c.declare = [](po::options_description& o, po::positional_options_description&) {
    declare_model_command_options(o, ModelCommand::Pretrain);
  };
  c.run = [](const po::variables_map& vm) {
    return run_pretrain(model_command_config(vm, ModelCommand::Pretrain));
  };
  return c;
}

}  // namespace brainenc::pipeline
