// Mixup (Zhang et al., ICLR 2018): training on convex combinations of sample pairs and of their
// targets, with the mixing weight drawn from Beta(alpha, alpha). Used by the FC transformer as
// the Brain Network Transformer's recipe does.
#pragma once

#include <torch/torch.h>

namespace brainenc::models {

// One draw from Beta(alpha, alpha), alpha > 0, from torch's default CPU generator (seeded and
// checkpointed by the Trainer): G1 / (G1 + G2) with G1, G2 ~ Gamma(alpha, 1). Beta(1, 1) is
// U(0, 1).
double sample_beta(double alpha);

}  // namespace brainenc::models
