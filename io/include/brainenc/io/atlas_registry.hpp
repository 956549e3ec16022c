// Named, openly licensed atlases (atlases/README.md): Schaefer 2018 200/400, Yeo 2011 7,
// Power-264, Dosenbach-160 and the ICBM 2009 templates and masks. The registry holds their
// provenance and checksums; the files themselves are found on a search path, so that
// `--atlas schaefer400` works wherever the atlas files are installed.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace brainenc::io {

enum class AtlasKind { Labels, Coordinates, Template, Mask };

struct AtlasEntry {
  std::string name;  // "schaefer400"
  AtlasKind kind;
  std::string space;   // "MNI152 FSL 2 mm grid", "MNI152NLin2009cAsym", "MNI mm"
  std::string folder;  // sub-folder of an atlas directory ("schaefer2018")
  std::string file;    // image or coordinate table
  std::string lut;     // BIDS dseg.tsv look-up table ("" if none)
  std::string licence;
  std::string citation;
  int64_t bytes;                // size of `file`
  uint64_t crc64;               // CRC-64/ECMA (reflected, ISA-L crc64_ecma_refl) of `file`
  double sphere_radius_mm = 0;  // coordinates: the conventional sphere radius
};

const std::vector<AtlasEntry>& atlas_registry();
// nullptr when `name` is not a registered atlas.
const AtlasEntry* find_atlas(const std::string& name);

// Folders searched for registered atlases, in order: $BRAINENC_ATLAS_PATH (':'-separated),
// $BRAINENC_SHARED/data/atlases, the source tree's atlases/ and ../shared/data/atlases.
std::vector<std::string> atlas_search_path();

struct ResolvedAtlas {
  std::string path;                   // the image or coordinate file
  std::string lut;                    // look-up table ("" if none)
  const AtlasEntry* entry = nullptr;  // nullptr for a plain path
};

// A path to an existing file is returned as is (with a *_dseg.tsv next to it as LUT when
// present). A registered name is looked up on the search path and checked (size + CRC-64).
// DataError when the name is unknown, not found, or the file found does not match.
ResolvedAtlas resolve_atlas(const std::string& name_or_path);

// A BIDS dseg.tsv look-up table: label value -> name (columns "index" and "name").
std::map<double, std::string> read_label_names(const std::string& lut_path);

// A coordinate table (columns x, y, z in mm; optional "name" or "index"): seeds for spheres.
struct Seed {
  double x, y, z;
  std::string name;
};
std::vector<Seed> read_seeds(const std::string& path);

// CRC-64/ECMA (reflected) of a whole file, with ISA-L.
uint64_t file_crc64(const std::string& path);
std::string hex64(uint64_t value);

}  // namespace brainenc::io
