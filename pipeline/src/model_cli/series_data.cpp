#include "series_data.hpp"

#include <algorithm>
#include <sstream>

#include "brainenc/io/error.hpp"
#include "brainenc/preprocessing/connectivity.hpp"
#include "brainenc/preprocessing/fisher_z.hpp"

namespace brainenc::pipeline {
namespace pp = brainenc::preprocessing;

std::map<std::string, double> parse_site_tr(const std::string& text) {
  std::map<std::string, double> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.find_first_not_of(' ') == std::string::npos) continue;
    const size_t eq = item.find('=');
    double tr = 0;
    try {
      tr = eq == std::string::npos ? 0 : std::stod(item.substr(eq + 1));
    } catch (const std::exception&) {
      tr = 0;
    }
    if (eq == 0 || eq == std::string::npos || !(tr > 0))
      throw UsageError("--site-tr: '" + item + "' is not SITE=TR with TR > 0 seconds");
    std::string site = item.substr(0, eq);
    site.erase(0, site.find_first_not_of(' '));
    out[site] = tr;
  }
  return out;
}

models::Cohort load_series_cohort(const DataOptions& d, bool need_labels) {
  if (d.series_dir.empty())
    throw UsageError(
        "--series-dir is required for this model (a folder of per-subject time series)");
  models::CohortOptions co;
  co.phenotype = d.labels;
  co.series_dir = d.series_dir;
  co.file_pattern = d.series_pattern;
  co.id_column = d.id_column;
  set_outcome(co, d, need_labels);
  co.site_column = d.site_column;
  co.age_column = "";  // not used by the models; a phenotype need not have them
  co.sex_column = "";
  if (co.phenotype.empty())
    throw UsageError("--labels (the phenotype table listing the subjects) is required");
  return models::load_cohort(co);
}

std::vector<double> subject_trs(models::Cohort& cohort, const DataOptions& d) {
  const auto site_tr = parse_site_tr(d.site_tr);
  std::vector<double> trs;
  std::vector<models::Subject> kept;
  for (auto& s : cohort.subjects) {
    double tr = d.tr;
    if (!(tr > 0)) {
      size_t best = 0;
      for (const auto& [prefix, value] : site_tr)
        if (s.site.rfind(prefix, 0) == 0 && prefix.size() > best) {
          best = prefix.size();
          tr = value;
        }
    }
    if (!(tr > 0)) {
      cohort.problems.push_back(
          {s.id, "no repetition time for site '" + s.site + "' (give --tr or --site-tr)"});
      continue;
    }
    trs.push_back(tr);
    kept.push_back(std::move(s));
  }
  cohort.subjects = std::move(kept);
  if (cohort.subjects.empty())
    throw DataError(d.labels, "no subject left with a known repetition time");
  return trs;
}

Eigen::MatrixXd resample_series(const Eigen::MatrixXd& series, double tr_in, double tr_out) {
  if (std::abs(tr_in - tr_out) < 1e-9) return series;
  const Eigen::Index T = series.rows();
  const double end = double(T - 1) * tr_in;
  const Eigen::Index n = Eigen::Index(std::floor(end / tr_out + 1e-9)) + 1;
  Eigen::MatrixXd out(n, series.cols());
  for (Eigen::Index k = 0; k < n; ++k) {
    const double pos = double(k) * tr_out / tr_in;
    const Eigen::Index i = std::min<Eigen::Index>(Eigen::Index(std::floor(pos)), T - 1);
    const double w = pos - double(i);
    out.row(k) = i + 1 < T ? ((1.0 - w) * series.row(i) + w * series.row(i + 1)).eval()
                           : series.row(i).eval();
  }
  return out;
}

std::vector<Eigen::MatrixXd> pearson_matrices(const models::Cohort& cohort) {
  pp::ConnectivityOptions o;
  o.kind = pp::ConnectivityKind::Correlation;
  o.estimator = pp::CovarianceEstimator::Empirical;
  std::vector<Eigen::MatrixXd> out;
  for (const auto& s : cohort.subjects)
    out.push_back(pp::connectivity_matrix(s.series, o, nullptr, s.source));
  return out;
}

Eigen::MatrixXd lw_fisher_features(const models::Cohort& cohort) {
  return models::fc_features(cohort, [](const models::Subject& s) {
    return pp::fisher_z(pp::connectivity_matrix(s.series, {}, nullptr, s.source));
  });
}

}  // namespace brainenc::pipeline
