#include "stop_signal.hpp"

#include <csignal>

namespace brainenc::pipeline {
namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void remember_signal(int signal) { g_signal = signal; }

struct sigaction g_previous_int, g_previous_term;

}  // namespace

StopOnSignal::StopOnSignal() {
  g_signal = 0;
  struct sigaction a = {};
  a.sa_handler = remember_signal;
  sigemptyset(&a.sa_mask);
  a.sa_flags = SA_RESETHAND;  // the second signal takes its default action: the process ends
  sigaction(SIGINT, &a, &g_previous_int);
  sigaction(SIGTERM, &a, &g_previous_term);
}

StopOnSignal::~StopOnSignal() {
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
}

int stop_signal() { return g_signal; }

std::string signal_name(int signal) {
  switch (signal) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    default:
      return "signal " + std::to_string(signal);
  }
}

TrainingInterrupted::TrainingInterrupted(int sig, const std::string& where)
    : std::runtime_error("interrupted by " + signal_name(sig) + " " + where), signal(sig) {}

}  // namespace brainenc::pipeline
