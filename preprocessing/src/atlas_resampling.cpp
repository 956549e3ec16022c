#include "brainenc/preprocessing/atlas_resampling.hpp"

#include <Eigen/LU>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "brainenc/io/atlas_registry.hpp"
#include "brainenc/io/error.hpp"

namespace brainenc::preprocessing {
namespace {

double label_value(double x) { return std::isfinite(x) ? x : 0.0; }

std::map<double, int64_t> count_labels(const double* values, int64_t n, double background) {
  std::map<double, int64_t> counts;
  for (int64_t v = 0; v < n; ++v) {
    const double l = label_value(values[v]);
    if (l != background) ++counts[l];
  }
  return counts;
}

std::string format_label(double l) {
  std::ostringstream s;
  s.precision(15);
  s << l;
  return s.str();
}

}  // namespace

std::vector<double> LabelResampleReport::shrunk(double fraction) const {
  std::vector<double> out;
  for (const auto& c : labels)
    if (static_cast<double>(c.voxels_after) < fraction * c.expected_voxels) out.push_back(c.label);
  return out;
}

std::string LabelResampleReport::summary(double fraction) const {
  std::ostringstream s;
  s.precision(15);
  for (const auto& c : labels) {
    if (c.voxels_after == 0) {
      s << "label " << c.label << " lost by resampling (" << c.voxels_before
        << " atlas voxels, about " << c.expected_voxels << " expected on the data grid)\n";
    } else if (static_cast<double>(c.voxels_after) < fraction * c.expected_voxels) {
      s << "label " << c.label << " shrank to " << c.voxels_after << " voxels (about "
        << c.expected_voxels << " expected from " << c.voxels_before << " atlas voxels)\n";
    }
  }
  return s.str();
}

LabelResampleReport compare_labels(const io::Volume<double>& atlas,
                                   const std::vector<double>& resampled, const io::Grid& target,
                                   double background) {
  const auto before = count_labels(atlas.data.data(), atlas.grid.voxels(), background);
  const auto after =
      count_labels(resampled.data(), static_cast<int64_t>(resampled.size()), background);
  const double ratio = std::fabs(atlas.grid.affine.topLeftCorner<3, 3>().determinant()) /
                       std::fabs(target.affine.topLeftCorner<3, 3>().determinant());
  LabelResampleReport report;
  for (const auto& [label, count] : before) {
    LabelChange c;
    c.label = label;
    c.voxels_before = count;
    c.expected_voxels = static_cast<double>(count) * ratio;
    const auto it = after.find(label);
    c.voxels_after = it == after.end() ? 0 : it->second;
    if (c.voxels_after == 0) report.lost.push_back(label);
    report.labels.push_back(c);
  }
  return report;
}

ResampledLabels resample_labels(const io::Volume<double>& atlas, const io::Grid& target,
                                const std::string& atlas_name, double background) {
  if (atlas.frames != 1)
    throw DataError(atlas_name, "a label atlas must be 3D, this one has " +
                                    std::to_string(atlas.frames) + " volumes");
  ResampleOptions o;
  o.interpolation = Interpolation::Nearest;
  o.clip = true;  // resample_img's default; no effect on nearest neighbour
  ResampledLabels out;
  out.grid = target;
  out.labels.resize(static_cast<size_t>(target.voxels()));
  Resampler r(atlas.grid, target, o, atlas_name, atlas.header.datatype, atlas.header.has_scaling());
  r.resample(atlas.data.data(), out.labels.data());
  out.report = compare_labels(atlas, out.labels, target, background);
  if (out.report.labels.empty())
    throw DataError(atlas_name, "the atlas holds no label other than the background " +
                                    format_label(background));
  if (out.report.lost.size() == out.report.labels.size())
    throw DataError(atlas_name, "no label survives resampling onto the data grid (" +
                                    target.describe() + "): the atlas' field of view (" +
                                    atlas.grid.describe() + ") misses the data");
  return out;
}

io::Volume<double> resample_maps(const io::Volume<double>& maps, const io::Grid& target,
                                 const std::string& maps_name, const ResampleOptions& options) {
  io::Volume<double> out = resample_to_grid(maps, target, options, maps_name);
  bool any = false;
  for (double x : out.data) any = any || (std::isfinite(x) && x != 0.0);
  if (!any)
    throw DataError(maps_name, "every map is zero on the data grid (" + target.describe() +
                                   "): the maps' field of view (" + maps.grid.describe() +
                                   ") misses the data");
  return out;
}

uint64_t file_checksum(const std::string& path) { return io::file_crc64(path); }

std::string AtlasCache::key(const std::string& path, const io::Grid& target,
                            const std::string& method) const {
  std::ostringstream s;
  s << path << '\n' << std::hex << file_checksum(path) << '\n' << std::dec;
  s << target.dims[0] << 'x' << target.dims[1] << 'x' << target.dims[2];
  char buf[32];
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      std::snprintf(buf, sizeof buf, " %a", target.affine(i, j));  // exact bits of the affine
      s << buf;
    }
  s << '\n' << method;
  return s.str();
}

std::shared_ptr<const ResampledLabels> AtlasCache::labels(const std::string& path,
                                                          const io::Grid& target,
                                                          double background) {
  const std::string k = key(path, target, "labels background " + format_label(background));
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = labels_.find(k);
  if (it != labels_.end()) return it->second;
  auto result = std::make_shared<const ResampledLabels>(
      resample_labels(io::read_volume(path), target, path, background));
  ++resamplings_;
  labels_.emplace(k, result);
  return result;
}

std::shared_ptr<const io::Volume<double>> AtlasCache::maps(const std::string& path,
                                                           const io::Grid& target,
                                                           const ResampleOptions& options) {
  const std::string k =
      key(path, target,
          "maps " + to_string(options.interpolation) + (options.clip ? " clip" : "") + " fill " +
              format_label(options.fill_value));
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = maps_.find(k);
  if (it != maps_.end()) return it->second;
  auto result = std::make_shared<const io::Volume<double>>(
      resample_maps(io::read_volume(path), target, path, options));
  ++resamplings_;
  maps_.emplace(k, result);
  return result;
}

int64_t AtlasCache::resamplings() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return resamplings_;
}

size_t AtlasCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return labels_.size() + maps_.size();
}

}  // namespace brainenc::preprocessing
