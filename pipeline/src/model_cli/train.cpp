// brainenc train: a model trained and tested on seeded cohort splits.
#include "model_commands.hpp"
#include "model_options.hpp"
#include "workflow.hpp"

namespace brainenc::pipeline {

Command train_command() {
  Command c;
  c.name = "train";
  c.summary = model_command_summary(c.name);
  c.usage =
      "brainenc train --model <name> --features <table> --labels <phenotype> --out-dir <dir> "
      "[options]";
  c.details =
      "For each split (--protocol, --repeats; or --splits from an earlier run) trains on the "
      "train\n"
      "part with AdamW, validates on the val part after every epoch (--val-metric; --patience for\n"
      "early stopping) and keeps the weights of the best validation epoch, then scores every "
      "subject.\n"
      "Writes <out-dir>/splits.json, metrics.json (per split, and the test metrics as mean +- sd "
      "over\n"
      "splits) and split-<k>/{checkpoint.pt, log.jsonl, predictions.tsv, metrics.json}.\n"
      "The checkpoint is written after every epoch: --resume continues a killed run exactly (on "
      "the\n"
      "CPU, bit for bit). --init starts from pretrained weights (brainenc pretrain).\n"
      "--config run.ini takes the same names (model options in a [<model>] section).";
  c.declare = [](po::options_description& o, po::positional_options_description&) {
    declare_model_command_options(o, ModelCommand::Train);
  };
  c.run = [](const po::variables_map& vm) {
    return run_train(model_command_config(vm, ModelCommand::Train));
  };
  return c;
}

}  // namespace brainenc::pipeline
