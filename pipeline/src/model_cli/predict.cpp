// brainenc predict: the scores of a trained model for the subjects of a data set.
#include "model_commands.hpp"
#include "model_options.hpp"
#include "workflow.hpp"

namespace brainenc::pipeline {

Command predict_command() {
  Command c;
  c.name = "predict";
  c.summary = model_command_summary(c.name);
  c.usage =
      "brainenc predict --checkpoint <split-k/checkpoint.pt> --features <table> --out-dir <dir>";
  c.details =
      "Scores every subject of --features with the checkpoint's best-validation weights: writes\n"
      "<out-dir>/predictions.tsv (subject, split, score = P(positive), label; for a regression\n"
      "checkpoint subject, split, prediction in the target's units, target). Labels and targets\n"
      "are optional (--labels); split is the part of the training run a subject was in, or none.";
  c.declare = [](po::options_description& o, po::positional_options_description&) {
    declare_model_command_options(o, ModelCommand::Predict);
  };
  c.run = [](const po::variables_map& vm) {
    return run_predict(model_command_config(vm, ModelCommand::Predict));
  };
  return c;
}

}  // namespace brainenc::pipeline
