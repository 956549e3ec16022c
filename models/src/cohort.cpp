// Cohort loading: each subject's time series through a file-name pattern, checks, length policy.
#include "brainenc/models/cohort.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

#include "brainenc/io/error.hpp"
#include "brainenc/io/table.hpp"

namespace brainenc::models {
namespace fs = std::filesystem;

namespace {

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
  return s;
}

std::string first_problems(const std::vector<Problem>& problems) {
  std::string text;
  for (size_t i = 0; i < problems.size() && i < 5; ++i)
    text += "\n  " + problems[i].subject + ": " + problems[i].reason;
  if (problems.size() > 5) text += "\n  ... and " + std::to_string(problems.size() - 5) + " more";
  return text;
}

// Moves the subjects for which `reason` is non-empty to the problems.
template <typename F>
void drop_subjects(Cohort& cohort, F reason) {
  std::vector<Subject> kept;
  for (auto& s : cohort.subjects) {
    std::string why = reason(s);
    if (why.empty())
      kept.push_back(std::move(s));
    else
      cohort.problems.push_back({s.id, std::move(why)});
  }
  cohort.subjects = std::move(kept);
}

}  // namespace

bool wildcard_match(const std::string& pattern, const std::string& name) {
  // Iterative glob with backtracking to the last '*'.
  size_t p = 0, n = 0, star = std::string::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] != '*' && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (star != std::string::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string find_series_file(const std::string& dir, const std::string& pattern,
                             const std::string& id) {
  const fs::path relative = replace_all(pattern, "{id}", id);
  if (relative.parent_path().string().find('*') != std::string::npos)
    throw UsageError("file pattern '" + pattern + "': '*' is allowed in the file name only");
  const fs::path folder = fs::path(dir) / relative.parent_path();
  const std::string name = relative.filename().string();
  if (name.find('*') == std::string::npos) {
    const fs::path p = folder / name;
    return fs::is_regular_file(p) ? p.string() : std::string();
  }
  std::vector<std::string> found;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return "";
  for (const auto& entry : fs::directory_iterator(folder, ec))
    if (entry.is_regular_file() && wildcard_match(name, entry.path().filename().string()))
      found.push_back(entry.path().string());
  if (found.size() > 1) {
    std::sort(found.begin(), found.end());
    throw DataError(std::to_string(found.size()) + " files match '" + (folder / name).string() +
                    "' (" + found[0] + ", " + found[1] + (found.size() > 2 ? ", ..." : "") + ")");
  }
  return found.empty() ? "" : found[0];
}

std::vector<Eigen::Index> constant_columns(const Eigen::MatrixXd& series) {
  std::vector<Eigen::Index> out;
  if (series.rows() == 0) return out;
  for (Eigen::Index c = 0; c < series.cols(); ++c)
    if ((series.col(c).array() == series(0, c)).all()) out.push_back(c);
  return out;
}

Cohort load_cohort(const CohortOptions& options) {
  Cohort cohort = load_phenotype(options);
  std::map<Eigen::Index, std::vector<std::string>> names_by_count;
  std::map<Eigen::Index, size_t> count_of_regions;
  drop_subjects(cohort, [&](Subject& s) -> std::string {
    try {
      s.source = find_series_file(options.series_dir, options.file_pattern, s.id);
      if (s.source.empty())
        return "no file " +
               (fs::path(options.series_dir) / replace_all(options.file_pattern, "{id}", s.id))
                   .string();
      io::Table t = io::read_table(s.source);
      if (t.values.rows() < 2)
        return s.source + ": " + std::to_string(t.values.rows()) + " time points (need >= 2)";
      if (!t.values.allFinite()) return s.source + ": NaN or infinite values";
      s.series = std::move(t.values);
      s.constant_regions = constant_columns(s.series);
      if (++count_of_regions[s.series.cols()] == 1)
        names_by_count[s.series.cols()] = std::move(t.columns);
      return "";
    } catch (const std::exception& e) {
      return e.what();
    }
  });
  // The cohort's number of regions is the most common one (ties to the smaller), so a single
  // odd file cannot decide it.
  Eigen::Index regions = 0;
  size_t best = 0;
  for (const auto& [r, n] : count_of_regions)
    if (n > best) {
      best = n;
      regions = r;
    }
  drop_subjects(cohort, [&](const Subject& s) -> std::string {
    if (s.series.cols() == regions) return "";
    return s.source + ": " + std::to_string(s.series.cols()) + " regions, the cohort has " +
           std::to_string(regions);
  });
  if (regions > 0) cohort.region_names = names_by_count[regions];
  apply_length_policy(cohort, options.length);
  if (cohort.subjects.empty())
    throw DataError(options.phenotype,
                    "no subject could be loaded" + first_problems(cohort.problems));
  return cohort;
}

void apply_length_policy(Cohort& cohort, const LengthOptions& o) {
  LengthReport& rep = cohort.lengths;
  rep = LengthReport{};
  if (cohort.subjects.empty()) return;
  rep.min_length = rep.max_length = cohort.subjects.front().series.rows();
  for (const auto& s : cohort.subjects) {
    rep.min_length = std::min(rep.min_length, s.series.rows());
    rep.max_length = std::max(rep.max_length, s.series.rows());
  }
  if ((o.policy == LengthPolicy::CropFirst || o.policy == LengthPolicy::Segment) && o.length < 2)
    throw UsageError("length policy needs a length >= 2 time points (got " +
                     std::to_string(o.length) + ")");
  if (o.step < 0) throw UsageError("segment step must be >= 0");
  Eigen::Index needed = 0;
  if (o.policy == LengthPolicy::CropShortest) needed = rep.min_length;
  if (o.policy == LengthPolicy::CropFirst || o.policy == LengthPolicy::Segment) needed = o.length;
  drop_subjects(cohort, [&](const Subject& s) -> std::string {
    if (s.series.rows() >= needed) return "";
    return std::to_string(s.series.rows()) + " time points, shorter than the " +
           std::to_string(needed) + " required";
  });
  switch (o.policy) {
    case LengthPolicy::Keep:
      break;
    case LengthPolicy::CropShortest:
    case LengthPolicy::CropFirst:
      rep.cropped_to = needed;
      for (auto& s : cohort.subjects) {
        s.series.conservativeResize(needed, Eigen::NoChange);
        s.constant_regions = constant_columns(s.series);
      }
      break;
    case LengthPolicy::Segment: {
      const Eigen::Index step = o.step == 0 ? o.length : o.step;
      rep.segment_length = cohort.segment_length = o.length;
      for (auto& s : cohort.subjects) {
        s.segment_starts.clear();
        Eigen::Index start = 0;
        for (; start + o.length <= s.series.rows(); start += step)
          s.segment_starts.push_back(start);
        rep.segments += static_cast<Eigen::Index>(s.segment_starts.size());
        rep.unused_samples += s.series.rows() - (s.segment_starts.back() + o.length);
      }
      break;
    }
  }
}

std::vector<std::string> Cohort::ids() const {
  std::vector<std::string> out;
  for (const auto& s : subjects) out.push_back(s.id);
  return out;
}

std::vector<int> Cohort::labels() const {
  std::vector<int> out;
  for (const auto& s : subjects) out.push_back(s.label);
  return out;
}

std::vector<double> Cohort::targets() const {
  std::vector<double> out;
  for (const auto& s : subjects) out.push_back(s.target);
  return out;
}

std::vector<std::string> Cohort::sites() const {
  std::vector<std::string> out;
  for (const auto& s : subjects) out.push_back(s.site);
  return out;
}

Eigen::Index Cohort::find(const std::string& id) const {
  for (size_t i = 0; i < subjects.size(); ++i)
    if (subjects[i].id == id) return static_cast<Eigen::Index>(i);
  return -1;
}

Eigen::MatrixXd Cohort::segment(Eigen::Index subject, Eigen::Index k) const {
  const Subject& s = subjects.at(static_cast<size_t>(subject));
  if (segment_length == 0 || k < 0 || k >= static_cast<Eigen::Index>(s.segment_starts.size()))
    throw UsageError("subject " + s.id + " has no segment " + std::to_string(k));
  return s.series.middleRows(s.segment_starts[static_cast<size_t>(k)], segment_length);
}

}  // namespace brainenc::models
