// The subjects a phenotype table (io::read_text_table) describes.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "brainenc/io/error.hpp"
#include "brainenc/models/cohort.hpp"

namespace brainenc::models {
namespace {

std::string cell(const PhenotypeTable& t, size_t row, int column) {
  return column < 0 ? std::string() : t.rows[row][static_cast<size_t>(column)];
}

int required_column(const PhenotypeTable& t, const std::string& name, const std::string& option,
                    const std::string& path) {
  if (name.empty()) return -1;
  const int c = t.find(name);
  if (c < 0) throw UsageError(option + " '" + name + "' is not a column of " + path);
  return c;
}

}  // namespace

Cohort load_phenotype(const CohortOptions& o) {
  const PhenotypeTable t = read_phenotype_table(o.phenotype);
  const int id_c = required_column(t, o.id_column, "id column", o.phenotype);
  if (id_c < 0) throw UsageError("the id column must be set");
  const int label_c = required_column(t, o.label_column, "label column", o.phenotype);
  const int site_c = required_column(t, o.site_column, "site column", o.phenotype);
  const int age_c = required_column(t, o.age_column, "age column", o.phenotype);
  const int sex_c = required_column(t, o.sex_column, "sex column", o.phenotype);
  std::vector<int> cov_c;
  for (const auto& name : o.covariates)
    cov_c.push_back(required_column(t, name, "covariate", o.phenotype));
  if (label_c < 0 && o.require_label)
    throw UsageError("require_label needs a label column (" + o.phenotype + ")");
  const int target_c = required_column(t, o.target_column, "target column", o.phenotype);
  if (target_c < 0 && o.require_target)
    throw UsageError("require_target needs a target column (" + o.phenotype + ")");

  const std::set<std::string> missing(o.missing_values.begin(), o.missing_values.end());
  auto number = [&](const std::string& s) {
    double v = Subject::kMissing;
    if (missing.count(s)) return v;
    const char* b = s.data() + (s.rfind('+', 0) == 0 ? 1 : 0);
    const auto r = std::from_chars(b, s.data() + s.size(), v);
    return r.ec == std::errc() && r.ptr == s.data() + s.size() ? v : Subject::kMissing;
  };
  // A target column without a single number is a categorical column named by mistake (e.g.
  // SITE_ID), not missing data: an error rather than every subject left out.
  if (target_c >= 0) {
    std::string example;
    size_t example_line = 0;
    bool numeric = false;
    for (size_t r = 0; r < t.rows.size() && !numeric; ++r) {
      const std::string& value = t.rows[r][static_cast<size_t>(target_c)];
      if (std::isfinite(number(value)))
        numeric = true;
      else if (example.empty() && !missing.count(value)) {
        example = value;
        example_line = r + 2;
      }
    }
    if (!numeric)
      throw DataError(o.phenotype, "target column '" + o.target_column + "' holds no number" +
                                       (example.empty() ? std::string(" (every cell is missing)")
                                                        : " (e.g. '" + example + "' on line " +
                                                              std::to_string(example_line) + ")"));
  }

  Cohort cohort;
  std::set<std::string> seen;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    Subject s;
    s.id = cell(t, r, id_c);
    const std::string where = o.phenotype + " line " + std::to_string(r + 2);
    if (s.id.empty() || missing.count(s.id)) {
      cohort.problems.push_back({where, "no id in column '" + o.id_column + "'"});
      continue;
    }
    if (!seen.insert(s.id).second) {
      cohort.problems.push_back(
          {s.id, "id appears twice in " + o.phenotype + " (later row left out)"});
      continue;
    }
    s.site = cell(t, r, site_c);
    const std::string label = cell(t, r, label_c);
    if (label_c >= 0 && !missing.count(label)) {
      if (label == o.positive_label)
        s.label = 1;
      else if (o.negative_label.empty() || label == o.negative_label)
        s.label = 0;
    }
    if (o.require_label && s.label < 0) {
      cohort.problems.push_back(
          {s.id, "label '" + label + "' in column '" + o.label_column + "' is neither '" +
                     o.positive_label + "' nor " +
                     (o.negative_label.empty() ? "a value" : "'" + o.negative_label + "'")});
      continue;
    }
    if (target_c >= 0) {
      const std::string value = cell(t, r, target_c);
      s.target = number(value);
      if (!std::isfinite(s.target)) {
        s.target = Subject::kMissing;
        if (o.require_target) {
          cohort.problems.push_back(
              {s.id, missing.count(value) ? "no value in target column '" + o.target_column + "'"
                                          : "target '" + value + "' in column '" + o.target_column +
                                                "' is not a number"});
          continue;
        }
      }
    }
    s.age = number(cell(t, r, age_c));
    std::string sex = cell(t, r, sex_c);
    std::transform(sex.begin(), sex.end(), sex.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    s.sex = sex == "m" || sex == "male" ? 1.0 : sex == "f" || sex == "female" ? 2.0 : number(sex);
    for (size_t k = 0; k < cov_c.size(); ++k)
      s.covariates[o.covariates[k]] = number(cell(t, r, cov_c[k]));
    cohort.subjects.push_back(std::move(s));
  }
  return cohort;
}

}  // namespace brainenc::models
