// Output file names in the BIDS-derivatives style XCP-D writes, e.g.
// sub-01_task-rest_space-MNI_seg-Schaefer400_stat-mean_timeseries.tsv and
// ..._seg-Schaefer400_stat-pearsoncorrelation_relmat.tsv.
#pragma once

#include <string>

#include "brainenc/preprocessing/connectivity.hpp"

namespace brainenc::pipeline {

// XCP-D's stat entity for a connectivity kind: pearsoncorrelation, covariance,
// partialcorrelation, precision, tangent.
std::string stat_entity(preprocessing::ConnectivityKind kind);

// The connectome file for a time series file: "<x>_stat-<s>_timeseries.tsv" (or any
// "<x>_timeseries.<ext>") -> "<x>_stat-<kind>_relmat.tsv" in `out_dir` ("" = same folder);
// other names get "_stat-<kind>_relmat.tsv" appended to their stem.
std::string relmat_path(const std::string& timeseries_path, preprocessing::ConnectivityKind kind,
                        const std::string& out_dir = "");

// A sidecar next to a data file: same name with ".json".
std::string sidecar_path(const std::string& data_path);

}  // namespace brainenc::pipeline
