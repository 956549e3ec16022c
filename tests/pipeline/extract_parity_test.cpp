// NiftiLabelsMasker.fit_transform with cleaning (nilearn 0.10.2 references): the whole
// extract path — streamed reduction, confounds, sample mask, signal.clean — against the
// labels_clean_* / labels_standardize_* / labels_highpass_only / labels_confounds_array cases.
#include <gtest/gtest.h>

#include "brainenc/io/error.hpp"
#include "brainenc/io/volume.hpp"
#include "brainenc/pipeline/extract.hpp"
#include "test_support.hpp"

using namespace brainenc;
using namespace brainenc::pipeline;
namespace pp = brainenc::preprocessing;

namespace {

std::string input(const std::string& name) { return test::shared_file("reference/inputs/" + name); }

ExtractRequest base_request(const std::string& bold) {
  ExtractRequest r;
  r.bold = input(bold);
  r.atlas = input("tiny_labels.nii.gz");
  return r;
}

// Kept volumes of the scrub cases: every volume but 0, 1, 17, 18 and 40 (of 60).
std::vector<int64_t> scrub_keep() {
  std::vector<int64_t> keep;
  for (int64_t t = 0; t < 60; ++t)
    if (t != 0 && t != 1 && t != 17 && t != 18 && t != 40) keep.push_back(t);
  return keep;
}

void expect_matches(const ExtractResult& r, const std::string& case_name, double tol) {
  const Eigen::MatrixXd want = test::expected_matrix(case_name);
  EXPECT_LE(test::max_abs_diff(r.signals, want), tol) << case_name;
}

void pipeline_options(ExtractRequest& r) {
  r.clean.standardize = pp::Standardize::ZScoreSample;
  r.clean.detrend = true;
  r.clean.low_pass = 0.1;
  r.clean.high_pass = 0.01;
  r.clean.t_r = 2.0;
  r.confounds = ConfoundsRequest{input("tiny_confounds.tsv"), std::nullopt};
}

}  // namespace

TEST(ExtractParity, CleanPipelineF64) {
  BRAINENC_SKIP_IF_EMPTY(test::reference_case("labels_clean_pipeline_f64"));
  ExtractRequest r = base_request("tiny_bold_f64.nii.gz");
  pipeline_options(r);
  expect_matches(extract_labels(r, false), "labels_clean_pipeline_f64", 1e-6);
}

TEST(ExtractParity, CleanPipelineF32) {
  BRAINENC_SKIP_IF_EMPTY(test::reference_case("labels_clean_pipeline_f32"));
  ExtractRequest r = base_request("tiny_bold_f32.nii.gz");
  pipeline_options(r);
  // nilearn stays in float32 (quirk 1); brainenc computes in float64: README tolerance 1e-4.
  expect_matches(extract_labels(r, false), "labels_clean_pipeline_f32", 1e-4);
}

TEST(ExtractParity, CleanScrubF64) {
  BRAINENC_SKIP_IF_EMPTY(test::reference_case("labels_clean_scrub_f64"));
  ExtractRequest r = base_request("tiny_bold_f64.nii.gz");
  pipeline_options(r);
  r.sample_mask = scrub_keep();
  const ExtractResult out = extract_labels(r, false);
  EXPECT_EQ(out.signals.rows(), 55);
  expect_matches(out, "labels_clean_scrub_f64", 1e-6);
}

TEST(ExtractParity, CleanScrubF32) {
  BRAINENC_SKIP_IF_EMPTY(test::reference_case("labels_clean_scrub_f32"));
  ExtractRequest r = base_request("tiny_bold_f32.nii.gz");
  pipeline_options(r);
  r.sample_mask = scrub_keep();
  // float32 with interpolation: the README measured 1.4e-5 between nilearn's f32 and f64 runs.
  expect_matches(extract_labels(r, false), "labels_clean_scrub_f32", 1e-4);
}

TEST(ExtractParity, CleanScrubWithoutTrCensorsFirst) {
  BRAINENC_SKIP_IF_EMPTY(test::reference_case("labels_clean_scrub_no_tr_f64"));
  ExtractRequest r = base_request("tiny_bold_f64.nii.gz");
  r.clean.standardize = pp::Standardize::ZScoreSample;
  r.clean.detrend = true;
  r.confounds = ConfoundsRequest{input("tiny_confounds.tsv"), std::nullopt};
  r.sample_mask = scrub_keep();
  expect_matches(extract_labels(r, false), "labels_clean_scrub_no_tr_f64", 1e-6);
}

TEST(ExtractParity, StandardizePsc) {
  BRAINENC_SKIP_IF_EMPTY(test::reference_case("labels_standardize_psc_f64"));
  ExtractRequest r = base_request("tiny_bold_f64.nii.gz");
  r.clean.standardize = pp::Standardize::Psc;
  expect_matches(extract_labels(r, false), "labels_standardize_psc_f64", 1e-6);
}

TEST(ExtractParity, StandardizeZscoreDetrend) {
  BRAINENC_SKIP_IF_EMPTY(test::reference_case("labels_standardize_zscore_detrend_f64"));
  ExtractRequest r = base_request("tiny_bold_f64.nii.gz");
  r.clean.standardize = pp::Standardize::ZScore;
  r.clean.detrend = true;
  expect_matches(extract_labels(r, false), "labels_standardize_zscore_detrend_f64", 1e-6);
}

TEST(ExtractParity, HighPassOnly) {
  BRAINENC_SKIP_IF_EMPTY(test::reference_case("labels_highpass_only_f64"));
  ExtractRequest r = base_request("tiny_bold_f64.nii.gz");
  r.clean.high_pass = 0.01;
  r.clean.t_r = 2.0;
  expect_matches(extract_labels(r, false), "labels_highpass_only_f64", 1e-6);
}

TEST(ExtractParity, ConfoundsArray) {
  BRAINENC_SKIP_IF_EMPTY(test::reference_case("labels_confounds_array_f64"));
  ExtractRequest r = base_request("tiny_bold_f64.nii.gz");
  r.clean.detrend = true;
  r.confounds = ConfoundsRequest{input("tiny_confounds.tsv"), std::nullopt};
  expect_matches(extract_labels(r, false), "labels_confounds_array_f64", 1e-6);
}

TEST(Extract, ConfoundsWithWrongLengthNameTheFile) {
  const std::string bold = input("tiny_bold_nan_20vol_f32.nii.gz");
  BRAINENC_SKIP_IF_EMPTY(bold);
  ExtractRequest r;
  r.bold = bold;
  r.atlas = input("tiny_labels.nii.gz");
  r.confounds = ConfoundsRequest{input("tiny_confounds.tsv"), std::nullopt};
  try {
    extract_labels(r, false);
    FAIL() << "60 confound rows for a 20-volume run were accepted";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("tiny_confounds.tsv: has 60 rows"), std::string::npos)
        << e.what();
  }
}

TEST(ExtractParity, AtlasResampledOntoData) {
  BRAINENC_SKIP_IF_EMPTY(test::reference_case("labels_resample_atlas_to_data_f64"));
  ExtractRequest r = base_request("tiny_bold_f64.nii.gz");
  r.atlas = input("labels_2mm_other_grid.nii.gz");
  const ExtractResult out = extract_labels(r, false);
  expect_matches(out, "labels_resample_atlas_to_data_f64", 1e-9);
}

TEST(ExtractParity, BoldResampledOntoAtlas) {
  BRAINENC_SKIP_IF_EMPTY(test::reference_case("labels_resample_data_to_labels_f64"));
  ExtractRequest r = base_request("tiny_bold_f64.nii.gz");
  r.atlas = input("labels_2mm_other_grid.nii.gz");
  r.resampling_target = ResamplingTarget::Labels;
  expect_matches(extract_labels(r, false), "labels_resample_data_to_labels_f64", 1e-9);
}

TEST(ExtractParity, MapsDefault) {
  BRAINENC_SKIP_IF_EMPTY(test::reference_case("maps_default_f64"));
  ExtractRequest r = base_request("tiny_bold_f64.nii.gz");
  r.regions = RegionKind::Maps;
  r.atlas = input("tiny_maps.nii.gz");
  expect_matches(extract_labels(r, false), "maps_default_f64", 1e-9);
}

TEST(ExtractParity, MapsWithMask) {
  BRAINENC_SKIP_IF_EMPTY(test::reference_case("maps_mask_f64"));
  ExtractRequest r = base_request("tiny_bold_f64.nii.gz");
  r.regions = RegionKind::Maps;
  r.atlas = input("tiny_maps.nii.gz");
  r.mask = input("tiny_mask.nii.gz");
  expect_matches(extract_labels(r, false), "maps_mask_f64", 1e-9);
}

TEST(ExtractParity, MapsCleanPipeline) {
  BRAINENC_SKIP_IF_EMPTY(test::reference_case("maps_clean_pipeline_f64"));
  ExtractRequest r = base_request("tiny_bold_f64.nii.gz");
  r.regions = RegionKind::Maps;
  r.atlas = input("tiny_maps.nii.gz");
  pipeline_options(r);
  expect_matches(extract_labels(r, false), "maps_clean_pipeline_f64", 1e-6);
}

TEST(ExtractParity, SpheresCleanPipeline) {
  BRAINENC_SKIP_IF_EMPTY(test::reference_case("spheres_clean_pipeline_f64"));
  ExtractRequest r = base_request("tiny_bold_f64.nii.gz");
  r.regions = RegionKind::Spheres;
  r.seeds = {{-7.5, -8.0, 0.0}, {7.5, 10.0, -3.0}, {-1.5, 10.0, 12.0}};
  r.radius = 6.0;
  pipeline_options(r);
  expect_matches(extract_labels(r, false), "spheres_clean_pipeline_f64", 1e-6);
}

TEST(Extract, AtlasThatMissesTheDataIsADataError) {
  const std::string bold = input("tiny_bold_f64.nii.gz");
  BRAINENC_SKIP_IF_EMPTY(bold);
  // The reference atlas moved 500 mm away: nothing of it overlaps the BOLD's field of view.
  io::Volume<double> atlas = io::read_volume(input("tiny_labels.nii.gz"));
  atlas.grid.affine(0, 3) += 500.0;
  const std::string path = test::scratch_dir() + "/far_atlas.nii.gz";
  io::write_nifti(path, atlas.grid, 1, atlas.data, io::NiftiType::Int16);
  ExtractRequest r = base_request("tiny_bold_f64.nii.gz");
  r.atlas = path;
  try {
    extract_labels(r, false);
    FAIL() << "an atlas outside the data was accepted";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("far_atlas.nii.gz"), std::string::npos) << e.what();
  }
}
