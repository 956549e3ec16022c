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
      "[--task regression --target <column>] [options]";
  c.details =
      "For each split (--protocol, --repeats; or --splits from an earlier run) trains on the "
      "train\n"
      "part with AdamW, validates on the val part after every epoch (--val-metric; --patience for\n"
      "early stopping) and keeps the weights of the best validation epoch, then scores every "
      "subject.\n"
      "--task classification (default) predicts the binary --label-column (score = P(positive));\n"
      "--task regression --target COLUMN predicts a numeric column of --labels (e.g. AGE_AT_SCAN;\n"
      "MSE on the target standardised on the train part, predictions in its units, validated on\n"
      "MAE, splits stratified by site only; subjects without a number are left out).\n"
      "Writes <out-dir>/splits.json, metrics.json (per split, and the test metrics as mean +- sd "
      "over\n"
      "splits: AUROC, accuracy, ... or MAE, Pearson r) and\n"
      "split-<k>/{checkpoint.pt, log.jsonl (or log.csv: --log-format), predictions.tsv,\n"
      "metrics.json}.\n"
      "The checkpoint is written every --checkpoint-every seconds and at the end: --resume\n"
      "continues a killed run from it exactly (on the CPU, bit for bit); SIGINT / SIGTERM stop\n"
      "training after the epoch under way with its checkpoint (exit 130 / 143). --ensemble N "
      "trains N\n"
      "models per split and averages them. --init starts from pretrained weights (brainenc\n"
      "pretrain).\n"
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
