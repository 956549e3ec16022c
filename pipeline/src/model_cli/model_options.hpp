// The option tables of the model commands, and the run configuration they produce: one JSON
// object (model, model options, data, split, trainer options, ...) that the workflow runs and
// that every checkpoint stores, so a checkpoint alone can rebuild its model and data.
#pragma once

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

namespace brainenc::pipeline {

namespace po = boost::program_options;

enum class ModelCommand { Pretrain, Train, Evaluate, Predict };

// Declares every option of `command` (grouped: run, data, split, training, model options).
void declare_model_command_options(po::options_description& options, ModelCommand command);

// The run configuration from parsed options. For evaluate and predict, "data" holds only the
// options given explicitly (they override the ones stored in the checkpoint).
nlohmann::json model_command_config(const po::variables_map& vm, ModelCommand command);

}  // namespace brainenc::pipeline
