#include "brainenc/models/mixup.hpp"

#include <string>

#include "brainenc/io/error.hpp"

namespace brainenc::models {

double sample_beta(double alpha) {
  if (!(alpha > 0.0)) throw UsageError("mixup: alpha must be > 0, got " + std::to_string(alpha));
  const auto g = at::_standard_gamma(torch::full({2}, alpha, torch::kFloat64));
  const double a = g[0].item<double>(), b = g[1].item<double>();
  // Both draws underflow to 0 only for tiny alpha: the limit of Beta(a, a) as a -> 0 puts its
  // mass on 0 and 1 equally.
  if (a + b == 0.0) return torch::rand({1}, torch::kFloat64).item<double>() < 0.5 ? 0.0 : 1.0;
  return a / (a + b);
}

}  // namespace brainenc::models
