// Eigen <-> torch conversion: the one place where the two meet.
#pragma once

#include <torch/torch.h>

#include <Eigen/Core>

namespace brainenc::models {

// Copies a (rows x cols) Eigen matrix into a float32 (default) or float64 tensor [rows, cols].
torch::Tensor to_tensor(const Eigen::MatrixXd& m, torch::Dtype dtype = torch::kFloat32);

// Copies a 2D tensor (any floating dtype, any device) into a double matrix.
Eigen::MatrixXd to_matrix(const torch::Tensor& t);

}  // namespace brainenc::models
