// Splits saved with the results: JSON with the subject ids (not only indices), so that a split
// can be checked against, and re-applied to, a cohort loaded again.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>

#include "brainenc/io/atomic_file.hpp"
#include "brainenc/io/error.hpp"
#include "brainenc/models/splits.hpp"

namespace brainenc::models {
namespace {

constexpr const char* kFormat = "brainenc-splits";
constexpr int kVersion = 1;

nlohmann::json ids_of(const std::vector<Eigen::Index>& indices,
                      const std::vector<std::string>& ids) {
  nlohmann::json out = nlohmann::json::array();
  for (auto i : indices) out.push_back(ids.at(size_t(i)));
  return out;
}

std::vector<Eigen::Index> indices_of(const nlohmann::json& names,
                                     const std::map<std::string, Eigen::Index>& index,
                                     const std::string& where) {
  std::vector<Eigen::Index> out;
  for (const auto& n : names) {
    const auto it = index.find(n.get<std::string>());
    if (it == index.end())
      throw DataError(where, "subject '" + n.get<std::string>() + "' is not in the cohort");
    out.push_back(it->second);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

void save_splits(const std::string& path, const SplitSet& set) {
  nlohmann::json j;
  j["format"] = kFormat;
  j["version"] = kVersion;
  j["protocol"] = set.protocol;
  j["seed"] = set.seed;
  j["by_site"] = set.by_site;
  j["val_fraction"] = set.val_fraction;
  j["test_fraction"] = set.test_fraction;
  j["subjects"] = set.ids;
  j["splits"] = nlohmann::json::array();
  for (const auto& s : set.splits)
    j["splits"].push_back({{"repeat", s.repeat},
                           {"fold", s.fold},
                           {"test_site", s.test_site},
                           {"train", ids_of(s.train, set.ids)},
                           {"val", ids_of(s.val, set.ids)},
                           {"test", ids_of(s.test, set.ids)}});
  io::write_text_file(path, j.dump(1) + "\n");
}

SplitSet load_splits(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw DataError(path, "cannot open");
  SplitSet set;
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    if (j.value("format", "") != kFormat)
      throw DataError(path,
                      "not a brainenc splits file (no format '" + std::string(kFormat) + "')");
    if (j.at("version").get<int>() > kVersion)
      throw DataError(path, "splits format version " + std::to_string(j.at("version").get<int>()) +
                                " is newer than this brainenc reads (" + std::to_string(kVersion) +
                                ")");
    set.protocol = j.at("protocol").get<std::string>();
    set.seed = j.at("seed").get<uint64_t>();
    set.by_site = j.at("by_site").get<bool>();
    set.val_fraction = j.at("val_fraction").get<double>();
    set.test_fraction = j.at("test_fraction").get<double>();
    set.ids = j.at("subjects").get<std::vector<std::string>>();
    std::map<std::string, Eigen::Index> index;
    for (size_t i = 0; i < set.ids.size(); ++i)
      if (!index.emplace(set.ids[i], Eigen::Index(i)).second)
        throw DataError(path, "subject '" + set.ids[i] + "' is listed twice");
    for (const auto& js : j.at("splits")) {
      Split s;
      s.repeat = js.at("repeat").get<int>();
      s.fold = js.at("fold").get<int>();
      s.test_site = js.value("test_site", "");
      s.train = indices_of(js.at("train"), index, path);
      s.val = indices_of(js.at("val"), index, path);
      s.test = indices_of(js.at("test"), index, path);
      set.splits.push_back(std::move(s));
    }
  } catch (const nlohmann::json::exception& e) {
    throw DataError(path, std::string("malformed splits file: ") + e.what());
  }
  return set;
}

SplitSet reindex_splits(const SplitSet& set, const std::vector<std::string>& ids) {
  std::map<std::string, Eigen::Index> index;
  for (size_t i = 0; i < ids.size(); ++i) index.emplace(ids[i], Eigen::Index(i));
  SplitSet out = set;
  out.ids = ids;
  auto map = [&](const std::vector<Eigen::Index>& v) {
    std::vector<Eigen::Index> r;
    for (auto i : v) {
      const auto it = index.find(set.ids.at(size_t(i)));
      if (it == index.end())
        throw DataError("saved splits: subject '" + set.ids[size_t(i)] + "' is not in the cohort");
      r.push_back(it->second);
    }
    std::sort(r.begin(), r.end());
    return r;
  };
  for (auto& s : out.splits) {
    s.train = map(s.train);
    s.val = map(s.val);
    s.test = map(s.test);
  }
  return out;
}

}  // namespace brainenc::models
