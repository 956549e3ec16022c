// SIGINT / SIGTERM while a model trains (Ctrl-C, SLURM's time limit, scancel): the epoch under
// way finishes, its checkpoint is written, and the command exits 128 + the signal's number with
// a line saying that --resume continues the run. A second signal ends the process at once.
#pragma once

#include <stdexcept>
#include <string>

namespace brainenc::pipeline {

// Installs the handlers for its lifetime (the previous ones come back after it).
class StopOnSignal {
 public:
  StopOnSignal();
  ~StopOnSignal();
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;
};

// The signal received since the handlers were installed (0 = none).
int stop_signal();
std::string signal_name(int signal);  // "SIGTERM", "SIGINT"

// Thrown where training stops for a signal; the command turns it into its exit code.
struct TrainingInterrupted : std::runtime_error {
  TrainingInterrupted(int signal, const std::string& where);
  int signal;
};

}  // namespace brainenc::pipeline
