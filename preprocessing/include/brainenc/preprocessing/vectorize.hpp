// Flattening of symmetric connectivity matrices, as nilearn 0.10.2
// nilearn.connectome.sym_matrix_to_vec / vec_to_sym_matrix (reference README quirk 10).
#pragma once

#include <Eigen/Core>

#include <vector>

namespace brainenc::preprocessing {

// The lower triangle of `symmetric` (n x n), row by row (numpy C order of np.tril):
// (0,0), (1,0), (1,1), (2,0), ... The diagonal entries are divided by sqrt(2), so that the
// Euclidean norm of the vector equals the Frobenius norm of the matrix / sqrt(2).
// With discard_diagonal the diagonal is left out and nothing is scaled: (1,0), (2,0), (2,1), ...
// Length n(n+1)/2, or n(n-1)/2 without the diagonal. Only the lower triangle is read.
// DataError when the matrix is not square.
Eigen::VectorXd sym_matrix_to_vec(const Eigen::MatrixXd& symmetric, bool discard_diagonal = false);

// One row per matrix: subjects x n(n+1)/2 (or n(n-1)/2), as ConnectivityMeasure(vectorize=True).
// DataError when the matrices differ in size.
Eigen::MatrixXd sym_matrices_to_rows(const std::vector<Eigen::MatrixXd>& matrices,
                                     bool discard_diagonal = false);

// Inverse of sym_matrix_to_vec(m, false): vec holds the lower triangle with the diagonal, which
// is multiplied back by sqrt(2). DataError when the length is not n(n+1)/2.
Eigen::MatrixXd vec_to_sym_matrix(const Eigen::VectorXd& vec);

// Inverse of sym_matrix_to_vec(m, true) with the diagonal given separately. As in nilearn,
// the given diagonal is ALSO multiplied by sqrt(2) (pass diag(m) / sqrt(2) to get m back;
// for correlations pass 1/sqrt(2)). DataError when vec's length is not n(n-1)/2 for
// n = diagonal.size().
Eigen::MatrixXd vec_to_sym_matrix(const Eigen::VectorXd& vec, const Eigen::VectorXd& diagonal);

}  // namespace brainenc::preprocessing
