// Connectivity feature matrices for the classical baselines, and precomputed feature tables.
#include <fstream>
#include <map>
#include <sstream>

#include "brainenc/io/error.hpp"
#include "brainenc/io/table.hpp"
#include "brainenc/models/cohort.hpp"

namespace brainenc::models {

Eigen::VectorXd lower_triangle(const Eigen::MatrixXd& m) {
  if (m.rows() != m.cols())
    throw DataError("connectivity matrix is " + std::to_string(m.rows()) + " x " +
                    std::to_string(m.cols()) + ", not square");
  const Eigen::Index n = m.rows();
  Eigen::VectorXd v(n * (n - 1) / 2);
  Eigen::Index k = 0;
  for (Eigen::Index i = 1; i < n; ++i)
    for (Eigen::Index j = 0; j < i; ++j) v(k++) = m(i, j);
  return v;
}

Eigen::MatrixXd fc_features(const Cohort& cohort, const ConnectivityFunction& connectivity) {
  const Eigen::Index n = cohort.size(), r = cohort.regions();
  Eigen::MatrixXd features(n, r * (r - 1) / 2);
  for (Eigen::Index i = 0; i < n; ++i) {
    const Subject& s = cohort.subjects[static_cast<size_t>(i)];
    const Eigen::MatrixXd m = connectivity(s);
    if (m.rows() != r || m.cols() != r)
      throw DataError(s.id, "connectivity matrix is " + std::to_string(m.rows()) + " x " +
                                std::to_string(m.cols()) + ", expected " + std::to_string(r) +
                                " x " + std::to_string(r));
    if (!m.allFinite()) throw DataError(s.id, "connectivity matrix has NaN or infinite values");
    features.row(i) = lower_triangle(m).transpose();
  }
  return features;
}

FeatureTable read_feature_table(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path, "cannot open");
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  // The first column holds text ids: parse the rest as a numeric table, then take the ids back.
  const char delimiter =
      path.size() >= 4 && path.compare(path.size() - 4, 4, ".csv") == 0 ? ',' : '\t';
  std::string numeric;
  FeatureTable t;
  std::istringstream lines(text);
  std::string line;
  bool header = true;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const size_t p = line.find(delimiter);
    if (p == std::string::npos)
      throw DataError(path, "a line has no feature columns: '" + line.substr(0, 40) + "'");
    if (!header) t.ids.push_back(line.substr(0, p));
    header = false;
    numeric += line.substr(p + 1) + "\n";
  }
  io::Table values = io::parse_table(numeric, path, delimiter, 1);
  t.names = std::move(values.columns);
  t.values = std::move(values.values);
  return t;
}

Eigen::MatrixXd match_features(Cohort& cohort, const FeatureTable& table,
                               const std::string& id_pattern) {
  std::vector<Subject> kept;
  std::vector<Eigen::Index> rows;
  for (auto& s : cohort.subjects) {
    std::string pattern = id_pattern;
    for (size_t p = pattern.find("{id}"); p != std::string::npos;
         p = pattern.find("{id}", p + s.id.size()))
      pattern.replace(p, 4, s.id);
    std::vector<Eigen::Index> found;
    for (size_t r = 0; r < table.ids.size(); ++r)
      if (wildcard_match(pattern, table.ids[r])) found.push_back(static_cast<Eigen::Index>(r));
    if (found.size() == 1) {
      rows.push_back(found[0]);
      kept.push_back(std::move(s));
    } else {
      cohort.problems.push_back(
          {s.id, found.empty()
                     ? "no feature row matches '" + pattern + "'"
                     : std::to_string(found.size()) + " feature rows match '" + pattern + "'"});
    }
  }
  cohort.subjects = std::move(kept);
  if (cohort.subjects.empty()) throw DataError("no subject of the cohort has a feature row");
  Eigen::MatrixXd out(static_cast<Eigen::Index>(rows.size()), table.values.cols());
  for (size_t i = 0; i < rows.size(); ++i)
    out.row(static_cast<Eigen::Index>(i)) = table.values.row(rows[i]);
  return out;
}

}  // namespace brainenc::models
