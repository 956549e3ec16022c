#include "brainenc/preprocessing/fisher_z.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "brainenc/io/error.hpp"

namespace brainenc::preprocessing {

Eigen::MatrixXd fisher_z(const Eigen::MatrixXd& r) {
  // Rounding can push a correlation just past 1; anything further is not a correlation.
  constexpr double kSlack = 1e-12;
  Eigen::MatrixXd z(r.rows(), r.cols());
  for (Eigen::Index j = 0; j < r.cols(); ++j) {
    for (Eigen::Index i = 0; i < r.rows(); ++i) {
      const double v = r(i, j);
      if (!std::isfinite(v) || std::abs(v) > 1.0 + kSlack) {
        std::ostringstream msg;
        msg << "fisher_z: entry (" << i << ", " << j << ") is " << v
            << "; expected a correlation in [-1, 1]";
        throw DataError(msg.str());
      }
      z(i, j) = std::atanh(std::clamp(v, -kFisherZMaxAbsR, kFisherZMaxAbsR));
    }
  }
  return z;
}

Eigen::MatrixXd inverse_fisher_z(const Eigen::MatrixXd& z) { return z.array().tanh().matrix(); }

}  // namespace brainenc::preprocessing
