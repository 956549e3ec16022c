// Linear detrending of time series, as nilearn 0.10.2 signal._detrend (reference README quirk 6).
#pragma once

#include <Eigen/Core>

namespace brainenc::preprocessing {

// Removes each column's mean, then its projection on the centred, unit-norm regressor
// arange(n) - (n-1)/2. This is nilearn's _detrend(type="linear"); the result equals
// scipy.signal.detrend but costs one pass. A single time point is left unchanged (nilearn
// skips it with a warning).
void detrend_inplace(Eigen::Ref<Eigen::MatrixXd> signals);
Eigen::MatrixXd detrend(const Eigen::MatrixXd& signals);

}  // namespace brainenc::preprocessing
