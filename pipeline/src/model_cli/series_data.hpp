// Region time series cohorts for the models that read them (brainmae, fc_transformer,
// logistic): the phenotype + one series file per subject (models::load_cohort), each subject's
// repetition time (one --tr, or per site with --site-tr), resampling to one TR, and the
// connectivity matrices the FC models take. Torch-free.
#pragma once

#include <Eigen/Core>

#include <map>
#include <string>
#include <vector>

#include "brainenc/models/cohort.hpp"
#include "model_registry.hpp"

namespace brainenc::pipeline {

// "--site-tr": "NYU=2,LEUVEN=1.656,..." -> site prefix -> TR in s. UsageError when malformed.
std::map<std::string, double> parse_site_tr(const std::string& text);

// The cohort of DataOptions with series (series_dir + series_pattern); UsageError when the
// options name no series folder. Subjects whose series cannot be read are problems.
models::Cohort load_series_cohort(const DataOptions& d, bool need_labels);

// TR of every subject: --tr, else the longest --site-tr prefix of its site. Subjects with
// neither become problems and are removed from the cohort.
std::vector<double> subject_trs(models::Cohort& cohort, const DataOptions& d);

// Linear interpolation of a series sampled every tr_in seconds onto a grid every tr_out
// seconds (time points k * tr_out <= (T - 1) * tr_in).
Eigen::MatrixXd resample_series(const Eigen::MatrixXd& series, double tr_in, double tr_out);

// Pearson correlation of each subject's series (z-scored, empirical estimator; constant regions
// give zero rows and columns with a unit diagonal), as the Brain Network Transformer's input.
std::vector<Eigen::MatrixXd> pearson_matrices(const models::Cohort& cohort);

// Ledoit-Wolf correlation (nilearn's default), Fisher z, lower triangle without the diagonal:
// subjects x R(R-1)/2, the features of the logistic baseline.
Eigen::MatrixXd lw_fisher_features(const models::Cohort& cohort);

}  // namespace brainenc::pipeline
