#include "brainenc/io/volume.hpp"

#include <nifti2_io.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "brainenc/io/atomic_file.hpp"
#include "brainenc/io/error.hpp"
#include "brainenc/io/volume_reader.hpp"

namespace brainenc::io {

std::string Grid::describe() const {
  std::ostringstream s;
  s << dims[0] << "x" << dims[1] << "x" << dims[2] << ", voxel ";
  for (int i = 0; i < 3; ++i) s << (i ? "x" : "") << affine.col(i).head<3>().norm();
  s << " mm";
  return s.str();
}

Grid grid_of(const NiftiHeader& h) {
  Grid g;
  g.dims = {h.nx(), h.ny(), h.nz()};
  g.affine = h.affine;
  return g;
}

Volume<double> read_volume(const std::string& path) {
  VolumeReader reader(path);
  Volume<double> v;
  v.header = reader.header();
  v.grid = grid_of(v.header);
  v.frames = reader.frames();
  v.data.resize(static_cast<size_t>(v.grid.voxels() * v.frames));
  for (int64_t t = 0; t < v.frames; ++t) reader.next_frame(v.data.data() + t * v.grid.voxels());
  return v;
}

namespace {

template <class T>
void fill(void* dst, const std::vector<double>& values) {
  T* out = static_cast<T*>(dst);
  for (size_t i = 0; i < values.size(); ++i) out[i] = static_cast<T>(values[i]);
}

}  // namespace

void write_nifti(const std::string& path, const Grid& grid, int64_t frames,
                 const std::vector<double>& values, NiftiType datatype, double tr_seconds,
                 const std::string& descrip, int space_code) {
  if (static_cast<int64_t>(values.size()) != grid.voxels() * frames)
    throw RuntimeError(path + ": " + std::to_string(values.size()) + " values for a " +
                       grid.describe() + " grid with " + std::to_string(frames) + " frames");
  const int64_t dims[8] = {
      frames > 1 ? 4 : 3, grid.dims[0], grid.dims[1], grid.dims[2], frames, 1, 1, 1};
  nifti_image* nim = nifti_make_new_nim(dims, static_cast<int>(datatype), 0);
  if (!nim) throw RuntimeError(path + ": niftilib could not create the image");
  struct Free {
    nifti_image* p;
    ~Free() { nifti_image_free(p); }
  } guard{nim};
  nim->nifti_type = NIFTI_FTYPE_NIFTI1_1;
  nim->data = calloc(static_cast<size_t>(nim->nvox), static_cast<size_t>(nim->nbyper));
  if (!nim->data) throw RuntimeError(path + ": out of memory");
  switch (datatype) {
    case NiftiType::Float32:
      fill<float>(nim->data, values);
      break;
    case NiftiType::Float64:
      fill<double>(nim->data, values);
      break;
    case NiftiType::Int16:
      fill<int16_t>(nim->data, values);
      break;
    case NiftiType::Int32:
      fill<int32_t>(nim->data, values);
      break;
    case NiftiType::UInt8:
      fill<uint8_t>(nim->data, values);
      break;
    default:
      throw RuntimeError(path + ": writing datatype " + nifti_type_name(int(datatype)) +
                         " is not supported");
  }
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) nim->sto_xyz.m[i][j] = grid.affine(i, j);
  nim->sto_ijk = nifti_dmat44_inverse(nim->sto_xyz);
  nim->sform_code = space_code;
  nim->qform_code = space_code;
  nifti_dmat44_to_quatern(nim->sto_xyz, &nim->quatern_b, &nim->quatern_c, &nim->quatern_d,
                          &nim->qoffset_x, &nim->qoffset_y, &nim->qoffset_z, &nim->dx, &nim->dy,
                          &nim->dz, &nim->qfac);
  nim->qto_xyz =
      nifti_quatern_to_dmat44(nim->quatern_b, nim->quatern_c, nim->quatern_d, nim->qoffset_x,
                              nim->qoffset_y, nim->qoffset_z, nim->dx, nim->dy, nim->dz, nim->qfac);
  nim->qto_ijk = nifti_dmat44_inverse(nim->qto_xyz);
  nim->pixdim[1] = nim->dx;
  nim->pixdim[2] = nim->dy;
  nim->pixdim[3] = nim->dz;
  nim->dt = nim->pixdim[4] = frames > 1 ? tr_seconds : 0.0;
  nim->xyz_units = NIFTI_UNITS_MM;
  nim->time_units = NIFTI_UNITS_SEC;
  std::strncpy(nim->descrip, descrip.c_str(), 79);
  nim->descrip[79] = '\0';

  AtomicFile file(path);
  if (nifti_set_filenames(nim, file.temp_path().c_str(), 0, 1) != 0)
    throw RuntimeError(path + ": niftilib rejected the file name");
  nifti_set_debug_level(0);
  nifti_image_write(nim);
  std::error_code ec;
  if (std::filesystem::file_size(file.temp_path(), ec) == 0 || ec)
    throw RuntimeError(path + ": write failed (niftilib wrote nothing)");
  file.commit();
}

}  // namespace brainenc::io
