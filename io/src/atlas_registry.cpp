#include "brainenc/io/atlas_registry.hpp"

#include <isa-l/crc64.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "brainenc/io/error.hpp"
#include "brainenc/io/table.hpp"

namespace brainenc::io {
namespace fs = std::filesystem;

namespace {
const char* kSchaeferCitation = "Schaefer A. et al. (2018) Cereb Cortex 28(9):3095-3114";

bool parse_cell(const std::string& cell, double& v) {
  char* end = nullptr;
  v = std::strtod(cell.c_str(), &end);
  return !cell.empty() && end == cell.c_str() + cell.size() && std::isfinite(v);
}
}  // namespace

const std::vector<AtlasEntry>& atlas_registry() {
  static const std::vector<AtlasEntry> entries = {
      {"schaefer200", AtlasKind::Labels, "MNI152 (FSL 2 mm grid, 91x109x91)", "schaefer2018",
       "Schaefer2018_200Parcels_7Networks_order_FSLMNI152_2mm.nii.gz",
       "Schaefer2018_200Parcels_7Networks_order_dseg.tsv", "MIT", kSchaeferCitation, 59537,
       0x23ed857e94b18353ULL},
      {"schaefer400", AtlasKind::Labels, "MNI152 (FSL 2 mm grid, 91x109x91)", "schaefer2018",
       "Schaefer2018_400Parcels_7Networks_order_FSLMNI152_2mm.nii.gz",
       "Schaefer2018_400Parcels_7Networks_order_dseg.tsv", "MIT", kSchaeferCitation, 69474,
       0xcfc38f1ef1f98516ULL},
      {"schaefer200_2009c", AtlasKind::Labels, "MNI152NLin2009cAsym (2 mm, 97x115x97)",
       "schaefer2018",
       "tpl-MNI152NLin2009cAsym_res-02_atlas-Schaefer2018_desc-200Parcels7Networks_dseg.nii.gz",
       "Schaefer2018_200Parcels_7Networks_order_dseg.tsv", "MIT", kSchaeferCitation, 83145,
       0x6e21a50e45ee6e36ULL},
      {"schaefer400_2009c", AtlasKind::Labels, "MNI152NLin2009cAsym (2 mm, 97x115x97)",
       "schaefer2018",
       "tpl-MNI152NLin2009cAsym_res-02_atlas-Schaefer2018_desc-400Parcels7Networks_dseg.nii.gz",
       "Schaefer2018_400Parcels_7Networks_order_dseg.tsv", "MIT", kSchaeferCitation, 91904,
       0x8ee8bf1a2d872537ULL},
      {"yeo7", AtlasKind::Labels, "MNI152 (FSL 2 mm grid, 91x109x91)", "yeo2011",
       "Yeo2011_7Networks_FSLMNI152_2mm.nii.gz", "Yeo2011_7Networks_dseg.tsv", "MIT",
       "Yeo B.T.T. et al. (2011) J Neurophysiol 106(3):1125-1165", 47891, 0xefdb397523e18059ULL},
      {"power264", AtlasKind::Coordinates, "MNI mm", "power264", "power264_coords.tsv", "",
       "BSD-3-Clause (nilearn data)", "Power J.D. et al. (2011) Neuron 72(4):665-678", 8396,
       0xd92c1679f2299d96ULL, 5.0},
      {"dosenbach160", AtlasKind::Coordinates, "MNI mm", "dosenbach160", "dosenbach160_coords.tsv",
       "", "BSD-3-Clause (nilearn data)",
       "Dosenbach N.U.F. et al. (2010) Science 329(5997):1358-1361", 5801, 0xfa1ce566290cfa1cULL,
       5.0},
      {"mni152_mask", AtlasKind::Mask, "MNI152 (FSL 2 mm grid, 91x109x91)", "mni152",
       "tpl-MNI152NLin2009aSym_res-2_grid-FSLMNI152_desc-brain_mask.nii.gz", "",
       "ICBM (permissive, see MANIFEST)", "Fonov V. et al. (2011) NeuroImage 54(1):313-327", 28257,
       0x677ca458ca3da0aeULL},
      {"mni152_t1", AtlasKind::Template, "MNI152 (FSL 2 mm grid, 91x109x91)", "mni152",
       "tpl-MNI152NLin2009aSym_res-2_grid-FSLMNI152_T1w.nii.gz", "",
       "ICBM (permissive, see MANIFEST)", "Fonov V. et al. (2011) NeuroImage 54(1):313-327", 228091,
       0x7baca95f269f9426ULL},
      {"mni152_2009c_mask", AtlasKind::Mask, "MNI152NLin2009cAsym (2 mm, 97x115x97)", "mni152",
       "tpl-MNI152NLin2009cAsym_res-02_desc-brain_mask.nii.gz", "",
       "ICBM (permissive, see MANIFEST)", "Fonov V. et al. (2011) NeuroImage 54(1):313-327", 29497,
       0xb87d2650f643f8e0ULL},
  };
  return entries;
}

const AtlasEntry* find_atlas(const std::string& name) {
  for (const auto& e : atlas_registry())
    if (e.name == name) return &e;
  return nullptr;
}

std::vector<std::string> atlas_search_path() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("BRAINENC_ATLAS_PATH")) {
    std::stringstream ss(env);
    std::string d;
    while (std::getline(ss, d, ':'))
      if (!d.empty()) dirs.push_back(d);
  }
  if (const char* shared = std::getenv("BRAINENC_SHARED"))
    dirs.push_back(std::string(shared) + "/data/atlases");
  dirs.push_back(std::string(BRAINENC_SOURCE_ROOT) + "/atlases");
  dirs.push_back(std::string(BRAINENC_SOURCE_ROOT) + "/../shared/data/atlases");
  return dirs;
}

uint64_t file_crc64(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw DataError(path, "cannot open");
  std::vector<unsigned char> buffer(1 << 20);
  uint64_t crc = 0;
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), f)) > 0)
    crc = crc64_ecma_refl(crc, buffer.data(), n);
  std::fclose(f);
  return crc;
}

std::string hex64(uint64_t value) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(value));
  return buf;
}

ResolvedAtlas resolve_atlas(const std::string& name_or_path) {
  ResolvedAtlas r;
  std::error_code ec;
  if (fs::is_regular_file(name_or_path, ec)) {
    r.path = name_or_path;
    // A BIDS look-up table next to the image: <stem>.tsv or <stem>_dseg.tsv.
    const std::string name = fs::path(name_or_path).filename().string();
    const std::string stem = name.substr(0, name.find('.'));
    for (const std::string& candidate : {stem + ".tsv", stem + "_dseg.tsv"}) {
      const fs::path p = fs::path(name_or_path).parent_path() / candidate;
      if (fs::is_regular_file(p, ec) && candidate != name) {
        r.lut = p.string();
        break;
      }
    }
    return r;
  }
  const AtlasEntry* e = find_atlas(name_or_path);
  if (!e) {
    std::string names;
    for (const auto& a : atlas_registry()) names += (names.empty() ? "" : ", ") + a.name;
    throw DataError(name_or_path, "no such file, and not a registered atlas (" + names + ")");
  }
  r.entry = e;
  std::string searched;
  for (const auto& dir : atlas_search_path()) {
    for (const fs::path& folder : {fs::path(dir) / e->folder, fs::path(dir)}) {
      const fs::path p = folder / e->file;
      if (!fs::is_regular_file(p, ec)) continue;
      const auto size = static_cast<int64_t>(fs::file_size(p, ec));
      const uint64_t crc = file_crc64(p.string());
      if (size != e->bytes || crc != e->crc64)
        throw DataError(p.string(), "does not match the registered " + e->name + " atlas (size " +
                                        std::to_string(size) + ", CRC-64 " + hex64(crc) +
                                        "; expected " + std::to_string(e->bytes) + ", " +
                                        hex64(e->crc64) + ")");
      r.path = p.string();
      if (!e->lut.empty() && fs::is_regular_file(folder / e->lut, ec))
        r.lut = (folder / e->lut).string();
      return r;
    }
    searched += "\n  " + dir;
  }
  throw DataError(e->name, "atlas file " + e->file +
                               " not found; searched (set BRAINENC_ATLAS_PATH):" + searched);
}

std::map<double, std::string> read_label_names(const std::string& lut_path) {
  const TextTable t = read_text_table(lut_path);
  const int index = t.find("index"), name = t.find("name");
  if (index < 0 || name < 0)
    throw DataError(lut_path, "a look-up table needs 'index' and 'name' columns");
  std::map<double, std::string> names;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    double v;
    if (!parse_cell(t.rows[r][size_t(index)], v))
      throw DataError(lut_path, "row " + std::to_string(r + 1) + ": index '" +
                                    t.rows[r][size_t(index)] + "' is not a number");
    names[v] = t.rows[r][size_t(name)];
  }
  return names;
}

std::vector<Seed> read_seeds(const std::string& path) {
  const TextTable t = read_text_table(path);
  const int x = t.find("x"), y = t.find("y"), z = t.find("z");
  if (x < 0 || y < 0 || z < 0) throw DataError(path, "a seed table needs columns x, y and z (mm)");
  const int index = t.find("index"), name = t.find("name");
  std::vector<Seed> seeds;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    Seed s{0, 0, 0, ""};
    if (!parse_cell(t.rows[r][size_t(x)], s.x) || !parse_cell(t.rows[r][size_t(y)], s.y) ||
        !parse_cell(t.rows[r][size_t(z)], s.z))
      throw DataError(path,
                      "row " + std::to_string(r + 1) + ": seed coordinates must be finite numbers");
    s.name = name >= 0    ? t.rows[r][size_t(name)]
             : index >= 0 ? t.rows[r][size_t(index)]
                          : std::to_string(r + 1);
    seeds.push_back(s);
  }
  if (seeds.empty()) throw DataError(path, "no seeds");
  return seeds;
}

}  // namespace brainenc::io
