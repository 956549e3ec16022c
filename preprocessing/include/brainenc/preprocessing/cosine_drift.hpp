// Discrete cosine (DCT-II) drift regressors for high-pass filtering, as nilearn 0.10.2
// glm.first_level.design_matrix._cosine_drift used by signal.clean(filter='cosine')
// (reference README quirk 8).
#pragma once

#include <Eigen/Core>

namespace brainenc::preprocessing {

// Frame times of n volumes sampled every t_r seconds: arange(n) * t_r.
Eigen::VectorXd frame_times(Eigen::Index n, double t_r);

// The cosine drifts sqrt(2/n) cos(pi/n (t + 1/2) k), k = 1..order, with
// order = min(n - 1, floor(2 n high_pass dt)) and dt the mean frame spacing; without
// _cosine_drift's constant column (signal.clean drops it: the data are centred). May have
// no column when the series is too short for the cut-off.
Eigen::MatrixXd cosine_drift(double high_pass, const Eigen::VectorXd& times);

// nilearn _check_cosine_by_user: true when some user confound (or another drift term)
// correlates above 0.9 with a drift term, in which case signal.clean keeps the user's
// confounds only. Columns with zero variance never count.
bool cosine_drift_in_confounds(const Eigen::MatrixXd& drift, const Eigen::MatrixXd& confounds);

}  // namespace brainenc::preprocessing
