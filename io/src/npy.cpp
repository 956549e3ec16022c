#include "brainenc/io/npy.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <functional>
#include <numeric>
#include <regex>
#include <sstream>

#include "brainenc/io/atomic_file.hpp"
#include "brainenc/io/error.hpp"

namespace brainenc::io {
namespace {

bool little_endian_host() {
  const uint16_t one = 1;
  unsigned char b;
  std::memcpy(&b, &one, 1);
  return b == 1;
}

template <class T>
void convert(const std::vector<char>& raw, bool swap, std::vector<double>& out) {
  const size_t n = raw.size() / sizeof(T);
  out.resize(n);
  for (size_t i = 0; i < n; ++i) {
    unsigned char bytes[sizeof(T)];
    std::memcpy(bytes, raw.data() + i * sizeof(T), sizeof(T));
    if (swap) std::reverse(bytes, bytes + sizeof(T));
    T v;
    std::memcpy(&v, bytes, sizeof(T));
    out[i] = static_cast<double>(v);
  }
}

}  // namespace

int64_t NpyArray::size() const {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<int64_t>());
}

Eigen::MatrixXd NpyArray::matrix() const {
  if (shape.size() == 1) return Eigen::Map<const Eigen::VectorXd>(data.data(), shape[0]);
  if (shape.size() != 2)
    throw DataError("array has " + std::to_string(shape.size()) + " axes, expected 2");
  return Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      data.data(), shape[0], shape[1]);
}

NpyArray read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path, "cannot open");
  char magic[8];
  in.read(magic, 8);
  if (!in || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    throw DataError(path, "not a .npy file (bad magic)");
  const int major = static_cast<unsigned char>(magic[6]);
  uint32_t header_len = 0;
  if (major == 1) {
    unsigned char b[2];
    in.read(reinterpret_cast<char*>(b), 2);
    header_len = b[0] | (b[1] << 8);
  } else if (major == 2 || major == 3) {
    unsigned char b[4];
    in.read(reinterpret_cast<char*>(b), 4);
    header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (uint32_t(b[3]) << 24);
  } else {
    throw DataError(path, "unsupported .npy format version " + std::to_string(major));
  }
  if (!in || header_len > (1u << 20)) throw DataError(path, "corrupt .npy header length");
  std::string header(header_len, '\0');
  in.read(header.data(), header_len);
  if (!in) throw DataError(path, "truncated .npy header");

  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']*)'")))
    throw DataError(path, "npy header has no 'descr'");
  const std::string descr = m[1];
  if (!std::regex_search(header, m, std::regex("'fortran_order'\\s*:\\s*(True|False)")))
    throw DataError(path, "npy header has no 'fortran_order'");
  const bool fortran = m[1] == "True";
  if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)")))
    throw DataError(path, "npy header has no 'shape'");
  NpyArray a;
  a.dtype = descr;
  {
    std::stringstream ss(m[1].str());
    std::string item;
    while (std::getline(ss, item, ',')) {
      item.erase(std::remove_if(item.begin(), item.end(), ::isspace), item.end());
      if (item.empty()) continue;
      const long long v = std::stoll(item);
      if (v < 0) throw DataError(path, "npy field 'shape' has a negative extent");
      a.shape.push_back(v);
    }
  }
  if (descr.size() < 3) throw DataError(path, "npy dtype '" + descr + "' is not supported");
  const char order = descr[0];
  const char kind = descr[1];
  const int width = std::stoi(descr.substr(2));
  const bool swap =
      (order == '>' && little_endian_host()) || (order == '<' && !little_endian_host());
  const int64_t n = a.size();
  std::vector<char> raw(static_cast<size_t>(n) * width);
  in.read(raw.data(), static_cast<std::streamsize>(raw.size()));
  if (static_cast<size_t>(in.gcount()) != raw.size())
    throw DataError(path, "truncated .npy data: " + std::to_string(raw.size()) +
                              " bytes expected, " + std::to_string(in.gcount()) + " present");
  if (kind == 'f' && width == 8)
    convert<double>(raw, swap, a.data);
  else if (kind == 'f' && width == 4)
    convert<float>(raw, swap, a.data);
  else if (kind == 'i' && width == 8)
    convert<int64_t>(raw, swap, a.data);
  else if (kind == 'i' && width == 4)
    convert<int32_t>(raw, swap, a.data);
  else if (kind == 'i' && width == 2)
    convert<int16_t>(raw, swap, a.data);
  else if ((kind == 'u' || kind == 'b') && width == 1)
    convert<uint8_t>(raw, swap, a.data);
  else if (kind == 'i' && width == 1)
    convert<int8_t>(raw, swap, a.data);
  else
    throw DataError(path, "npy dtype '" + descr + "' is not supported");

  if (fortran && a.shape.size() > 1) {
    // Reorder to C order.
    std::vector<double> c(a.data.size());
    const size_t nd = a.shape.size();
    std::vector<int64_t> idx(nd, 0);
    for (int64_t f = 0; f < n; ++f) {
      // idx is the multi-index of Fortran-order element f.
      int64_t ci = 0;
      for (size_t d = 0; d < nd; ++d) ci = ci * a.shape[d] + idx[d];
      c[ci] = a.data[f];
      for (size_t d = 0; d < nd; ++d) {
        if (++idx[d] < a.shape[d]) break;
        idx[d] = 0;
      }
    }
    a.data.swap(c);
  }
  return a;
}

std::string format_npy(const std::vector<int64_t>& shape, const double* data) {
  std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) dict += ", ";
    dict += std::to_string(shape[i]);
  }
  if (shape.size() == 1) dict += ",";  // a 1-tuple, as numpy writes it
  dict += "), }";
  // Pad so that the data starts on a 64-byte boundary; the header ends with '\n'.
  const size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  int64_t n = 1;
  for (auto s : shape) n *= s;
  std::string out("\x93NUMPY\x01\x00", 8);
  const uint16_t len = static_cast<uint16_t>(dict.size());
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>(len >> 8);
  out += dict;
  out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n) * sizeof(double));
  return out;
}

void write_npy(const std::string& path, const std::vector<int64_t>& shape, const double* data) {
  write_text_file(path, format_npy(shape, data));
}

void write_npy(const std::string& path, const Eigen::MatrixXd& m) {
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> r = m;
  write_npy(path, {r.rows(), r.cols()}, r.data());
}

}  // namespace brainenc::io
