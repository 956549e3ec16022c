// NumPy .npy arrays (format versions 1-3): read any numeric dtype of either byte order and
// memory order into float64 C order; write float64 / int64.
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <string>
#include <vector>

namespace brainenc::io {

struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<double> data;  // C (row-major) order
  std::string dtype;         // as stored, e.g. "<f4"

  int64_t size() const;
  // A 2D array as a matrix (rows = shape[0]); a 1D array as one column.
  Eigen::MatrixXd matrix() const;
};

NpyArray read_npy(const std::string& path);

// The bytes of a float64 C-order .npy file (for io::OutputSet).
std::string format_npy(const std::vector<int64_t>& shape, const double* data);

// Writes a float64 array in C order (data.size() must equal the product of shape).
void write_npy(const std::string& path, const std::vector<int64_t>& shape, const double* data);
void write_npy(const std::string& path, const Eigen::MatrixXd& m);

}  // namespace brainenc::io
