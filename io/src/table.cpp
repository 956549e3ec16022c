#include "brainenc/io/table.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "brainenc/io/atomic_file.hpp"
#include "brainenc/io/error.hpp"
#include "brainenc/io/npy.hpp"

namespace brainenc::io {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

bool is_missing(const std::string& f) {
  return f.empty() || f == "n/a" || f == "N/A" || f == "NA" || f == "nan" || f == "NaN" ||
         f == "NAN";
}

bool parse_number(const std::string& f, double& v) {
  if (is_missing(f)) {
    v = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  const char* b = f.data();
  const char* e = f.data() + f.size();
  if (*b == '+') ++b;
  auto r = std::from_chars(b, e, v);
  return r.ec == std::errc() && r.ptr == e;
}

// One record of RFC 4180 text starting at `pos`: a quoted field may hold delimiters, doubled
// quotes and line breaks; unquoted fields are trimmed. Returns false at the end of the text.
bool next_record(const std::string& text, size_t& pos, char delimiter,
                 std::vector<std::string>& fields, size_t& line_no, const std::string& path) {
  fields.clear();
  if (pos >= text.size()) return false;
  const size_t start_line = line_no;
  std::string field;
  bool quoted = false, was_quoted = false;
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (quoted) {
      if (c == '"' && pos + 1 < text.size() && text[pos + 1] == '"') {
        field += '"';
        ++pos;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line_no;
        field += c;
      }
    } else if (c == '"' && trim(field).empty()) {
      quoted = was_quoted = true;
      field.clear();
    } else if (c == delimiter) {
      fields.push_back(was_quoted ? field : trim(field));
      field.clear();
      was_quoted = false;
    } else if (c == '\n') {
      ++pos;
      ++line_no;
      break;
    } else {
      field += c;
    }
  }
  if (quoted)
    throw DataError(path, "line " + std::to_string(start_line) + ": unterminated quoted field");
  fields.push_back(was_quoted ? field : trim(field));
  return true;
}

// The fields of one line: runs of whitespace (delimiter 0), or RFC 4180 fields.
std::vector<std::string> split(const std::string& line, char delimiter, const std::string& path) {
  std::vector<std::string> out;
  if (delimiter == 0) {
    std::istringstream ss(line);
    std::string tok;
    while (ss >> tok) out.push_back(tok);
    return out;
  }
  size_t pos = 0, line_no = 1;
  next_record(line, pos, delimiter, out, line_no, path);
  return out;
}

}  // namespace

int Table::find(const std::string& name) const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return static_cast<int>(i);
  return -1;
}

Eigen::VectorXd Table::column(const std::string& name) const {
  const int i = find(name);
  if (i < 0) throw DataError("table has no column '" + name + "'");
  return values.col(i);
}

Table parse_table(const std::string& text, const std::string& path, char delimiter, int header) {
  std::vector<std::vector<double>> rows;
  Table t;
  std::istringstream in(text);
  std::string line;
  size_t line_no = 0;
  bool first = true;
  std::vector<std::string> comment_names;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trim(line).empty()) continue;
    if (delimiter == 0 && trim(line)[0] == '#') {
      // AFNI / ABIDE .1D files name their columns on a '#' line.
      if (rows.empty() && comment_names.empty()) {
        // ABIDE / C-PAC: "#1<TAB>#2 ..." names the columns 1, 2, ...
        auto names = split(trim(line), 0, path);
        for (auto& n : names) n.erase(0, n.find_first_not_of('#'));
        names.erase(std::remove(names.begin(), names.end(), std::string()), names.end());
        if (!names.empty()) comment_names = names;
      }
      continue;
    }
    auto fields = split(line, delimiter, path);
    if (first) {
      first = false;
      bool numeric = true;
      double v;
      for (auto& f : fields) numeric = numeric && !f.empty() && parse_number(f, v);
      const bool is_header = header == 1 || (header == -1 && !numeric);
      if (is_header) {
        t.columns = fields;
        continue;
      }
    }
    if (!t.columns.empty() && fields.size() != t.columns.size())
      throw DataError(path, "line " + std::to_string(line_no) + " has " +
                                std::to_string(fields.size()) + " fields, the header has " +
                                std::to_string(t.columns.size()));
    if (!rows.empty() && fields.size() != rows.front().size())
      throw DataError(path, "line " + std::to_string(line_no) + " has " +
                                std::to_string(fields.size()) + " fields, earlier lines have " +
                                std::to_string(rows.front().size()));
    std::vector<double> row(fields.size());
    for (size_t c = 0; c < fields.size(); ++c)
      if (!parse_number(fields[c], row[c]))
        throw DataError(path,
                        "line " + std::to_string(line_no) + ", column " +
                            (t.columns.empty() ? std::to_string(c + 1) : "'" + t.columns[c] + "'") +
                            ": '" + fields[c] + "' is not a number");
    rows.push_back(std::move(row));
  }
  const size_t ncol = !t.columns.empty() ? t.columns.size()
                      : rows.empty()     ? 0
                                         : rows.front().size();
  if (t.columns.empty()) {
    if (comment_names.size() == ncol)
      t.columns = comment_names;
    else
      for (size_t c = 0; c < ncol; ++c) t.columns.push_back("column" + std::to_string(c + 1));
  }
  t.values.resize(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(ncol));
  for (size_t r = 0; r < rows.size(); ++r)
    for (size_t c = 0; c < ncol; ++c)
      t.values(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = rows[r][c];
  return t;
}

int TextTable::find(const std::string& name) const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return static_cast<int>(i);
  return -1;
}

TextTable read_text_table(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path, "cannot open");
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  text.erase(std::remove(text.begin(), text.end(), '\r'), text.end());
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // UTF-8 byte order mark
  const char delimiter = ends_with(path, ".csv") ? ',' : '\t';
  TextTable t;
  std::vector<std::string> fields;
  size_t pos = 0, line_no = 1;
  for (;;) {
    const size_t record_line = line_no;
    if (!next_record(text, pos, delimiter, fields, line_no, path)) break;
    if (fields.size() == 1 && fields[0].empty()) continue;  // blank line
    if (t.columns.empty()) {
      t.columns = fields;
      continue;
    }
    if (fields.size() != t.columns.size())
      throw DataError(path, "line " + std::to_string(record_line) + " has " +
                                std::to_string(fields.size()) + " fields, the header has " +
                                std::to_string(t.columns.size()));
    t.rows.push_back(fields);
  }
  if (t.columns.empty()) throw DataError(path, "is empty (no header row)");
  return t;
}

Table read_table(const std::string& path) {
  if (ends_with(path, ".npy")) {
    Table t;
    t.values = read_npy(path).matrix();
    for (Eigen::Index c = 0; c < t.values.cols(); ++c)
      t.columns.push_back("column" + std::to_string(c + 1));
    return t;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path, "cannot open");
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (ends_with(path, ".tsv")) return parse_table(buffer.str(), path, '\t', 1);
  if (ends_with(path, ".csv")) return parse_table(buffer.str(), path, ',', -1);
  if (ends_with(path, ".1D") || ends_with(path, ".1d") || ends_with(path, ".txt"))
    return parse_table(buffer.str(), path, 0, -1);
  throw DataError(path, "unknown table format (expected .tsv, .csv, .1D, .txt or .npy)");
}

std::string format_number(double v) {
  if (std::isnan(v)) return "n/a";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string format_tsv(const Table& table) {
  std::string out;
  out.reserve(static_cast<size_t>(table.values.size()) * 20 + 256);
  for (size_t c = 0; c < table.columns.size(); ++c) {
    if (c) out += '\t';
    out += table.columns[c];
  }
  out += '\n';
  for (Eigen::Index r = 0; r < table.values.rows(); ++r) {
    for (Eigen::Index c = 0; c < table.values.cols(); ++c) {
      if (c) out += '\t';
      out += format_number(table.values(r, c));
    }
    out += '\n';
  }
  return out;
}

void write_tsv(const std::string& path, const Table& table) {
  write_text_file(path, format_tsv(table));
}

std::string format_table(const std::string& path, const Table& table) {
  if (ends_with(path, ".tsv")) return format_tsv(table);
  const bool csv = ends_with(path, ".csv");
  const bool afni = ends_with(path, ".1D") || ends_with(path, ".1d") || ends_with(path, ".txt");
  if (!csv && !afni)
    throw UsageError(path + ": unknown table format (expected .tsv, .csv, .1D, .txt or .npy)");
  const char sep = csv ? ',' : '\t';
  std::string out;
  for (size_t c = 0; c < table.columns.size(); ++c) {
    out += c ? std::string(1, sep) : std::string(afni ? "#" : "");
    out += afni && c ? "#" + table.columns[c] : table.columns[c];
  }
  out += '\n';
  for (Eigen::Index r = 0; r < table.values.rows(); ++r) {
    for (Eigen::Index c = 0; c < table.values.cols(); ++c) {
      if (c) out += sep;
      // AFNI has no missing-value token: NaN is written as such.
      out += afni && std::isnan(table.values(r, c)) ? "nan" : format_number(table.values(r, c));
    }
    out += '\n';
  }
  return out;
}

void write_table(const std::string& path, const Table& table) {
  if (ends_with(path, ".npy")) return write_npy(path, table.values);
  write_text_file(path, format_table(path, table));
}

}  // namespace brainenc::io
