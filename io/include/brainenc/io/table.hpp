// Numeric tables: TSV / CSV (with a header row), AFNI .1D and whitespace .txt (no header,
// '#' comments), and 2D .npy. Missing values ("n/a", "NaN", empty) read as NaN.
#pragma once

#include <Eigen/Core>

#include <string>
#include <vector>

namespace brainenc::io {

struct Table {
  std::vector<std::string> columns;
  Eigen::MatrixXd values;  // rows x columns

  // Index of a column by name, -1 when absent.
  int find(const std::string& name) const;
  Eigen::VectorXd column(const std::string& name) const;  // DataError when absent
};

// A table of text cells (look-up tables, seed lists, phenotypes): header row + rows.
struct TextTable {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  int find(const std::string& name) const;  // -1 when absent
};
// Tab-separated (.tsv) or comma-separated (.csv, by extension) text with a header row. RFC 4180
// quotes: a quoted field may hold delimiters, doubled quotes and line breaks (ABIDE's phenotype
// has "frontal lob gone, rest of brain warped"); a UTF-8 byte order mark is skipped. DataError
// naming the file and line for an unterminated quote or a row with the wrong number of fields.
TextTable read_text_table(const std::string& path);

// Reads by extension: .tsv, .csv, .1D, .txt, .npy. Throws DataError naming the file, line and
// column for ragged rows or unparsable numbers.
Table read_table(const std::string& path);

// Parses delimited text. delimiter 0 = runs of whitespace. header: -1 auto (a first line that
// is not all numbers is a header), 0 no, 1 yes.
Table parse_table(const std::string& text, const std::string& path, char delimiter, int header);

// Formats a double as the shortest string that reads back to the same value ("n/a" for NaN).
std::string format_number(double v);

// The TSV text of a table: a header row, then one line per row.
std::string format_tsv(const Table& table);
// Writes a TSV with a header row, atomically.
void write_tsv(const std::string& path, const Table& table);

// The text of a table in the format its file name asks for: .tsv (header row), .csv (header
// row), .1D / .txt (AFNI: a '#' line naming the columns, whitespace-separated numbers).
std::string format_table(const std::string& path, const Table& table);
// Writes .tsv, .csv, .1D, .txt or .npy (float64, rows x columns) by extension, atomically.
void write_table(const std::string& path, const Table& table);

}  // namespace brainenc::io
