#include "brainenc/io/bids.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "brainenc/io/error.hpp"
#include "brainenc/io/table.hpp"

namespace brainenc::io {
namespace fs = std::filesystem;

std::string BidsName::get(const std::string& key) const {
  auto it = entities.find(key);
  return it == entities.end() ? "" : it->second;
}

std::optional<BidsName> parse_bids_name(const std::string& filename) {
  BidsName n;
  const size_t dot = filename.find('.');
  n.extension = dot == std::string::npos ? "" : filename.substr(dot);
  const std::string stem = filename.substr(0, dot);
  std::vector<std::string> parts;
  std::stringstream ss(stem);
  std::string part;
  while (std::getline(ss, part, '_')) parts.push_back(part);
  if (parts.size() < 2) return std::nullopt;
  n.suffix = parts.back();
  if (n.suffix.find('-') != std::string::npos) return std::nullopt;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    const size_t dash = parts[i].find('-');
    if (dash == std::string::npos || dash == 0 || dash + 1 == parts[i].size()) return std::nullopt;
    const std::string key = parts[i].substr(0, dash);
    n.entities[key] = parts[i].substr(dash + 1);
    n.order.push_back(key);
  }
  return n;
}

std::string BoldRun::stem(bool with_space) const {
  std::string s;
  for (const auto& key : name.order) {
    if (key == "desc" || key == "res" || (!with_space && key == "space")) continue;
    if (!s.empty()) s += "_";
    s += key + "-" + name.get(key);
  }
  return s;
}

namespace {

// The name of a sibling file: same entities minus `drop`, then the given tail.
std::string sibling(const BidsName& n, const std::vector<std::string>& drop,
                    const std::string& tail) {
  std::string s;
  for (const auto& key : n.order) {
    if (std::find(drop.begin(), drop.end(), key) != drop.end()) continue;
    s += key + "-" + n.get(key) + "_";
  }
  return s + tail;
}

std::string first_existing(const fs::path& dir, const std::vector<std::string>& names) {
  for (const auto& name : names)
    if (fs::exists(dir / name)) return (dir / name).string();
  return "";
}

}  // namespace

std::vector<BoldRun> find_bold_runs(const std::string& root, const BidsFilter& filter) {
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    throw DataError(root, "not a folder (expected a BIDS derivatives dataset)");
  std::vector<BoldRun> runs;
  for (auto it = fs::recursive_directory_iterator(
           root, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (!it->is_regular_file()) continue;
    const std::string filename = it->path().filename().string();
    if (filename.find("_bold.nii") == std::string::npos) continue;
    auto name = parse_bids_name(filename);
    if (!name || name->suffix != "bold" ||
        (name->extension != ".nii" && name->extension != ".nii.gz"))
      continue;
    if (name->get("desc") != "preproc" || name->get("sub").empty()) continue;
    if (!filter.subjects.empty() && std::find(filter.subjects.begin(), filter.subjects.end(),
                                              name->get("sub")) == filter.subjects.end())
      continue;
    if ((!filter.task.empty() && name->get("task") != filter.task) ||
        (!filter.space.empty() && name->get("space") != filter.space) ||
        (!filter.session.empty() && name->get("ses") != filter.session) ||
        (!filter.run.empty() && name->get("run") != filter.run))
      continue;
    BoldRun r;
    const fs::path dir = it->path().parent_path();
    r.bold = it->path().string();
    r.name = *name;
    r.sidecar = first_existing(dir, {sibling(*name, {}, "bold.json")});
    r.mask = first_existing(dir, {sibling(*name, {"desc"}, "desc-brain_mask.nii.gz"),
                                  sibling(*name, {"desc"}, "desc-brain_mask.nii")});
    r.confounds = first_existing(
        dir, {sibling(*name, {"space", "res", "desc"}, "desc-confounds_timeseries.tsv"),
              sibling(*name, {"space", "res", "desc"}, "desc-confounds_regressors.tsv")});
    if (!r.confounds.empty()) {
      const std::string json = r.confounds.substr(0, r.confounds.size() - 4) + ".json";
      if (fs::exists(json)) r.confounds_json = json;
    }
    if (!r.sidecar.empty()) {
      std::ifstream in(r.sidecar);
      try {
        const auto j = nlohmann::json::parse(in);
        if (j.contains("RepetitionTime") && j["RepetitionTime"].is_number())
          r.repetition_time = j["RepetitionTime"].get<double>();
      } catch (const nlohmann::json::exception& e) {
        throw DataError(r.sidecar, std::string("invalid JSON: ") + e.what());
      }
    }
    runs.push_back(std::move(r));
  }
  std::sort(runs.begin(), runs.end(),
            [](const BoldRun& a, const BoldRun& b) { return a.bold < b.bold; });
  return runs;
}

Participants read_participants(const std::string& path) {
  const TextTable t = read_text_table(path);
  const int id_col = t.find("participant_id");
  if (id_col < 0) throw DataError(path, "no 'participant_id' column in the header");
  Participants p;
  p.columns = t.columns;
  for (const auto& fields : t.rows) {
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < fields.size(); ++i) row[t.columns[i]] = fields[i];
    std::string id = fields[size_t(id_col)];
    if (id.rfind("sub-", 0) == 0) id = id.substr(4);
    p.rows[id] = std::move(row);
  }
  return p;
}

}  // namespace brainenc::io
