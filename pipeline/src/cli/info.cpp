// brainenc info: what a NIfTI header says, after brainenc's validation and unit fixes.
#include <nlohmann/json.hpp>

#include <iomanip>
#include <iostream>
#include <sstream>

#include "brainenc/io/nifti_header.hpp"
#include "brainenc/pipeline/command.hpp"

namespace brainenc::pipeline {
namespace {

nlohmann::json header_json(const io::NiftiHeader& h) {
  nlohmann::json j;
  j["path"] = h.path;
  j["format"] = h.version == 1 ? "NIfTI-1" : "NIfTI-2";
  j["compressed"] = h.gzipped;
  j["byte_order"] = h.byte_swapped ? "swapped" : "native";
  j["datatype"] = io::nifti_type_name(h.datatype);
  std::vector<int64_t> shape;
  for (int i = 1; i <= h.dim[0]; ++i) shape.push_back(h.dim[i]);
  j["shape"] = shape;
  const Eigen::Vector3d vs = h.voxel_size();
  j["voxel_size_mm"] = {vs[0], vs[1], vs[2]};
  j["tr_s"] = h.tr_seconds;
  if (!h.tr_note.empty()) j["tr_note"] = h.tr_note;
  j["scl_slope"] = h.scl_slope;
  j["scl_inter"] = h.scl_inter;
  j["qform_code"] = h.qform_code;
  j["sform_code"] = h.sform_code;
  j["affine_source"] = h.affine_source;
  nlohmann::json rows = nlohmann::json::array();
  for (int i = 0; i < 4; ++i)
    rows.push_back({h.affine(i, 0), h.affine(i, 1), h.affine(i, 2), h.affine(i, 3)});
  j["affine"] = rows;
  j["vox_offset"] = h.vox_offset;
  j["descrip"] = h.descrip;
  return j;
}

void print_text(const io::NiftiHeader& h, std::ostream& out) {
  out << h.path << "\n";
  out << "  format      " << (h.version == 1 ? "NIfTI-1" : "NIfTI-2") << (h.gzipped ? ", gzip" : "")
      << (h.byte_swapped ? ", byte-swapped" : "") << "\n";
  out << "  datatype    " << io::nifti_type_name(h.datatype) << "\n  shape       ";
  for (int i = 1; i <= h.dim[0]; ++i) out << (i > 1 ? " x " : "") << h.dim[i];
  const Eigen::Vector3d vs = h.voxel_size();
  out << "\n  voxel size  " << vs[0] << " x " << vs[1] << " x " << vs[2] << " mm\n";
  if (h.nt() > 1 || h.dim[0] >= 4) {
    out << "  TR          " << h.tr_seconds << " s";
    if (!h.tr_note.empty()) out << "  (" << h.tr_note << ")";
    out << "\n";
  }
  if (h.has_scaling())
    out << "  scaling     value * " << h.scl_slope << " + " << h.scl_inter << "\n";
  out << "  affine      from " << h.affine_source << " (qform_code " << h.qform_code
      << ", sform_code " << h.sform_code << ")\n";
  for (int i = 0; i < 3; ++i) {
    out << "             ";
    for (int k = 0; k < 4; ++k) out << std::setw(11) << std::setprecision(6) << h.affine(i, k);
    out << "\n";
  }
  if (!h.descrip.empty()) out << "  descrip     " << h.descrip << "\n";
}

}  // namespace

Command info_command() {
  Command c;
  c.name = "info";
  c.summary = "print the header of NIfTI files (validated, units normalised)";
  c.usage = "brainenc info [--json] <file.nii[.gz]>...";
  c.details =
      "Reads only the header. Every file is validated as brainenc reads it for processing:\n"
      "an absurd or inconsistent header is reported with the field at fault (exit 1).";
  c.declare = [](po::options_description& o, po::positional_options_description& p) {
    o.add_options()("json", "print one JSON object per file")(
        "input", po::value<std::vector<std::string>>()->required(),
        "NIfTI files (.nii or .nii.gz)");
    p.add("input", -1);
  };
  c.run = [](const po::variables_map& vm) {
    const bool json = vm.count("json") > 0;
    // Validate everything before printing anything: the output is all or nothing.
    std::ostringstream out;
    for (const auto& path : vm["input"].as<std::vector<std::string>>()) {
      const io::NiftiHeader h = io::read_nifti_header(path);
      if (json)
        out << header_json(h).dump() << "\n";
      else
        print_text(h, out);
    }
    std::cout << out.str();
    return 0;
  };
  return c;
}

}  // namespace brainenc::pipeline
