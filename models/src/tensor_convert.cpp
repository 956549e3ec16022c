#include "brainenc/models/tensor_convert.hpp"

#include "brainenc/io/error.hpp"

namespace brainenc::models {

using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

torch::Tensor to_tensor(const Eigen::MatrixXd& m, torch::Dtype dtype) {
  RowMajor r = m;
  auto t = torch::from_blob(r.data(), {r.rows(), r.cols()}, torch::kFloat64).clone();
  return t.to(dtype);
}

Eigen::MatrixXd to_matrix(const torch::Tensor& t) {
  if (t.dim() != 2)
    throw RuntimeError("to_matrix: tensor has " + std::to_string(t.dim()) + " dims, expected 2");
  torch::Tensor c = t.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  return Eigen::Map<const RowMajor>(c.data_ptr<double>(), c.size(0), c.size(1));
}

}  // namespace brainenc::models
