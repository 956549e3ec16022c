#include "brainenc/pipeline/output_names.hpp"

#include <filesystem>

namespace brainenc::pipeline {
namespace fs = std::filesystem;

std::string stat_entity(preprocessing::ConnectivityKind kind) {
  using K = preprocessing::ConnectivityKind;
  switch (kind) {
    case K::Covariance:
      return "covariance";
    case K::Correlation:
      return "pearsoncorrelation";
    case K::PartialCorrelation:
      return "partialcorrelation";
    case K::Precision:
      return "precision";
    case K::Tangent:
      return "tangent";
  }
  return "connectivity";
}

std::string relmat_path(const std::string& timeseries_path, preprocessing::ConnectivityKind kind,
                        const std::string& out_dir) {
  const fs::path in(timeseries_path);
  std::string name = in.filename().string();
  const size_t dot = name.find('.');
  std::string stem = name.substr(0, dot);
  const std::string tail = "_timeseries";
  if (stem.size() >= tail.size() &&
      stem.compare(stem.size() - tail.size(), tail.size(), tail) == 0) {
    stem.erase(stem.size() - tail.size());
    const size_t stat = stem.rfind("_stat-");
    if (stat != std::string::npos) stem.erase(stat);
  } else if (stem == "timeseries") {
    stem.clear();
  }
  const std::string file =
      (stem.empty() ? "" : stem + "_") + "stat-" + stat_entity(kind) + "_relmat.tsv";
  const fs::path dir = out_dir.empty() ? in.parent_path() : fs::path(out_dir);
  return (dir / file).string();
}

std::string sidecar_path(const std::string& data_path) {
  std::string p = data_path;
  const size_t slash = p.find_last_of('/');
  const size_t dot = p.find('.', slash == std::string::npos ? 0 : slash + 1);
  return (dot == std::string::npos ? p : p.substr(0, dot)) + ".json";
}

}  // namespace brainenc::pipeline
