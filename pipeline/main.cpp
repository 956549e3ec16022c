#include "brainenc/pipeline/command.hpp"

int main(int argc, char** argv) { return brainenc::pipeline::run_cli(argc, argv); }
