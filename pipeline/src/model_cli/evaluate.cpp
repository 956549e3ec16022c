// brainenc evaluate: the metrics of a trained model on a cohort.
#include "model_commands.hpp"
#include "model_options.hpp"
#include "workflow.hpp"

namespace brainenc::pipeline {

Command evaluate_command() {
  Command c;
  c.name = "evaluate";
  c.summary = model_command_summary(c.name);
  c.usage = "brainenc evaluate --checkpoint <split-k/checkpoint.pt> --out-dir <dir> [data options]";
  c.details =
      "Rebuilds the model from the checkpoint (its best-validation weights), scores every "
      "labelled\n"
      "subject of the data set (the one it was trained on unless data options say otherwise) and\n"
      "writes <out-dir>/metrics.json (per part of the training split: train, val, test, and none\n"
      "for subjects the run never saw) and predictions.tsv (subject, split, score, label). A\n"
      "regression checkpoint (train --task regression) gives MAE and Pearson r, and\n"
      "predictions.tsv has subject, split, prediction, target; subjects without a number in the\n"
      "--target column are left out.";
  c.declare = [](po::options_description& o, po::positional_options_description&) {
    declare_model_command_options(o, ModelCommand::Evaluate);
  };
  c.run = [](const po::variables_map& vm) {
    return run_evaluate(model_command_config(vm, ModelCommand::Evaluate));
  };
  return c;
}

}  // namespace brainenc::pipeline
