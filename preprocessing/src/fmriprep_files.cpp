// Locating and reading fMRIPrep confounds files (nilearn's load_confounds_utils semantics).
#include "brainenc/preprocessing/fmriprep_files.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "brainenc/io/error.hpp"

namespace fs = std::filesystem;

namespace brainenc::preprocessing {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) return out;
    start = p + 1;
  }
}

// The image names nilearn's _check_images accepts (plus uncompressed .nii, which brainenc
// reads as well).
bool is_fmriprep_bold_name(const std::string& name) {
  static const std::regex patterns[] = {
      std::regex(R"(_desc-preproc_bold\.nii(\.gz)?$)"),
      std::regex(R"(_bold\.dtseries\.nii$)"),
      std::regex(R"(_hemi-[LR](_space-.*)?_bold\.func\.gii$)"),
      std::regex(R"(_desc-smoothAROMAnonaggr_bold)"),
  };
  return std::any_of(std::begin(patterns), std::end(patterns),
                     [&](const std::regex& re) { return std::regex_search(name, re); });
}

// The "key-value" entities of a BIDS file name in their order, with desc set to `confounds`
// (appended when the name has no desc), as nilearn's _generate_confounds_file_candidates.
// A field without a value cannot name a confounds file: nullopt.
std::vector<std::optional<std::string>> confounds_entities(const std::string& basename) {
  std::vector<std::string> parts = split(basename, '_');
  parts.pop_back();  // the suffix ("bold.nii.gz")
  std::vector<std::optional<std::string>> out;
  bool has_desc = false;
  for (const std::string& part : parts) {
    const size_t dash = part.find('-');
    const std::string key = part.substr(0, dash);
    if (key == "desc") {
      has_desc = true;
      out.emplace_back("desc-confounds");
    } else if (dash != std::string::npos) {
      out.emplace_back(part);
    } else {
      out.emplace_back(std::nullopt);
    }
  }
  if (!has_desc) out.emplace_back("desc-confounds");
  return out;
}

// True when `stem` is "_"-joined entities taken in order from `entities` and includes
// desc-confounds: one of nilearn's candidate names.
bool is_candidate(const std::string& stem,
                  const std::vector<std::optional<std::string>>& entities) {
  const std::vector<std::string> tokens = split(stem, '_');
  if (std::find(tokens.begin(), tokens.end(), "desc-confounds") == tokens.end()) return false;
  size_t next = 0;
  for (const std::string& token : tokens) {
    while (next < entities.size() && entities[next] != token) ++next;
    if (next == entities.size()) return false;
    ++next;
  }
  return true;
}

// nilearn's _is_camel_case: mixed case and no underscore (fMRIPrep 1.0 / 1.1 headers).
bool is_camel_case(const std::string& s) {
  const bool any_lower =
      std::any_of(s.begin(), s.end(), [](unsigned char c) { return std::islower(c); });
  const bool any_upper =
      std::any_of(s.begin(), s.end(), [](unsigned char c) { return std::isupper(c); });
  return any_lower && any_upper && s.find('_') == std::string::npos;
}

bool parses_as_number(const std::string& s) {
  if (s.empty()) return false;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

}  // namespace

bool is_aroma_image(const std::string& image_path) {
  return fs::path(image_path).filename().string().find("_desc-smoothAROMAnonaggr_bold") !=
         std::string::npos;
}

std::string find_confounds_file(const std::string& image_path) {
  const fs::path image(image_path);
  const std::string basename = image.filename().string();
  if (!is_fmriprep_bold_name(basename))
    throw DataError(image_path,
                    "not an fMRIPrep BOLD file name (expected ..._desc-preproc_bold.nii.gz, "
                    "..._bold.dtseries.nii, ..._hemi-L|R_..._bold.func.gii or "
                    "..._desc-smoothAROMAnonaggr_bold.nii.gz); pass the confounds .tsv instead");
  const auto entities = confounds_entities(basename);
  const fs::path dir = image.has_parent_path() ? image.parent_path() : fs::path(".");

  std::vector<std::string> found;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    // fMRIPrep 20.2 renamed desc-confounds_regressors to desc-confounds_timeseries (BEP 012).
    for (const char* suffix : {"_timeseries.tsv", "_regressors.tsv"}) {
      if (!ends_with(name, suffix)) continue;
      const std::string stem = name.substr(0, name.size() - std::char_traits<char>::length(suffix));
      if (is_candidate(stem, entities) && fs::is_regular_file(it->path()))
        found.push_back(it->path().string());
    }
  }
  std::sort(found.begin(), found.end());
  if (found.empty())
    throw DataError(image_path,
                    "no fMRIPrep confounds file next to it (expected ..._desc-confounds_timeseries"
                    ".tsv or ..._desc-confounds_regressors.tsv in " +
                        dir.string() + ")");
  if (found.size() > 1) {
    std::string list;
    for (const auto& f : found) list += "\n\t" + f;
    throw DataError(image_path, "more than one confounds file matches it:" + list);
  }
  return found.front();
}

std::string confounds_json_path(const std::string& tsv_path) {
  if (ends_with(tsv_path, ".tsv")) return tsv_path.substr(0, tsv_path.size() - 4) + ".json";
  return tsv_path + ".json";
}

io::Table read_confounds_tsv(const std::string& tsv_path) {
  if (!ends_with(tsv_path, ".tsv"))
    throw DataError(tsv_path, "an fMRIPrep confounds file must be a .tsv");
  io::Table table = io::read_table(tsv_path);
  if (table.values.rows() == 0) throw DataError(tsv_path, "the confounds table has no rows");
  for (const std::string& name : table.columns)
    if (is_camel_case(name))
      throw DataError(tsv_path, "column '" + name +
                                    "' is in camel case: output of fMRIPrep 1.0 / 1.1, only "
                                    "fMRIPrep >= 1.2 confounds are supported");
  if (!table.columns.empty() && parses_as_number(table.columns.front()))
    throw DataError(tsv_path, "the confounds table has no header row (fMRIPrep < 1.2 output?)");
  return table;
}

nlohmann::json read_confounds_json(const std::string& json_path) {
  std::ifstream in(json_path);
  if (!in)
    throw DataError(json_path,
                    "cannot open the confounds JSON sidecar (needed for CompCor; "
                    "fMRIPrep >= 1.4 writes it)");
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw DataError(json_path, std::string("malformed JSON: ") + e.what());
  }
  if (!meta.is_object()) throw DataError(json_path, "expected a JSON object of confound entries");
  return meta;
}

}  // namespace brainenc::preprocessing
