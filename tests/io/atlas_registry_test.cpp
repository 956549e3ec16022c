#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "brainenc/io/atlas_registry.hpp"
#include "brainenc/io/error.hpp"
#include "test_support.hpp"

using namespace brainenc;
using namespace brainenc::io;
namespace fs = std::filesystem;

TEST(AtlasRegistry, EveryRegisteredAtlasResolvesAndVerifies) {
  BRAINENC_SKIP_IF_EMPTY(test::shared_file("data/atlases"));
  setenv("BRAINENC_SHARED", test::shared_dir().c_str(), 1);
  for (const auto& e : atlas_registry()) {
    const ResolvedAtlas r = resolve_atlas(e.name);
    EXPECT_EQ(fs::path(r.path).filename().string(), e.file) << e.name;
    EXPECT_EQ(r.entry, &e);
    if (!e.lut.empty()) {
      EXPECT_FALSE(r.lut.empty()) << e.name;
    }
  }
}

TEST(AtlasRegistry, LookUpTableAndSeeds) {
  BRAINENC_SKIP_IF_EMPTY(test::shared_file("data/atlases"));
  setenv("BRAINENC_SHARED", test::shared_dir().c_str(), 1);
  const auto names = read_label_names(resolve_atlas("schaefer400").lut);
  ASSERT_EQ(names.size(), 400u);
  EXPECT_EQ(names.at(1.0), "7Networks_LH_Vis_1");
  const auto seeds = read_seeds(resolve_atlas("power264").path);
  ASSERT_EQ(seeds.size(), 264u);
  EXPECT_DOUBLE_EQ(seeds[0].x, -25);
  EXPECT_DOUBLE_EQ(seeds[0].y, -98);
  EXPECT_DOUBLE_EQ(seeds[0].z, -12);
  EXPECT_EQ(seeds[0].name, "1");
  const auto dosenbach = read_seeds(resolve_atlas("dosenbach160").path);
  ASSERT_EQ(dosenbach.size(), 160u);
  EXPECT_EQ(dosenbach[0].name, "vmPFC");
}

TEST(AtlasRegistry, ModifiedFileIsRefused) {
  const std::string src =
      test::shared_file("data/atlases/yeo2011/Yeo2011_7Networks_FSLMNI152_2mm.nii.gz");
  BRAINENC_SKIP_IF_EMPTY(src);
  const std::string dir = test::scratch_dir();
  fs::copy_file(src, dir + "/Yeo2011_7Networks_FSLMNI152_2mm.nii.gz");
  {
    std::fstream f(dir + "/Yeo2011_7Networks_FSLMNI152_2mm.nii.gz",
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(1000);
    f.put('\x5a');
  }
  setenv("BRAINENC_ATLAS_PATH", dir.c_str(), 1);
  try {
    resolve_atlas("yeo7");
    FAIL() << "a modified atlas file was accepted";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("does not match the registered yeo7 atlas"),
              std::string::npos)
        << e.what();
  }
  unsetenv("BRAINENC_ATLAS_PATH");
}

TEST(AtlasRegistry, UnknownNameListsTheRegistry) {
  try {
    resolve_atlas("no-such-atlas");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("schaefer400"), std::string::npos) << e.what();
  }
}

TEST(AtlasRegistry, Crc64OfKnownBytes) {
  // CRC-64/XZ check value (the reflected ECMA-182 polynomial): "123456789" -> 995dc9bbdf1939fa.
  const std::string p = test::scratch_dir() + "/check.txt";
  std::ofstream(p) << "123456789";
  EXPECT_EQ(hex64(file_crc64(p)), "995dc9bbdf1939fa");
}
