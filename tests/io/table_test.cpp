#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "brainenc/io/error.hpp"
#include "brainenc/io/npy.hpp"
#include "brainenc/io/table.hpp"
#include "test_support.hpp"

using namespace brainenc;
using namespace brainenc::io;

TEST(Table, TsvWithMissingValues) {
  const Table t = parse_table("a\tb\tc\n1\tn/a\t-2.5\n3e-1\t4\t\n", "x.tsv", '\t', 1);
  ASSERT_EQ(t.columns, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(t.values.rows(), 2);
  EXPECT_DOUBLE_EQ(t.values(0, 0), 1.0);
  EXPECT_TRUE(std::isnan(t.values(0, 1)));
  EXPECT_DOUBLE_EQ(t.values(0, 2), -2.5);
  EXPECT_DOUBLE_EQ(t.values(1, 0), 0.3);
  EXPECT_TRUE(std::isnan(t.values(1, 2)));
}

TEST(Table, AfniOneDWithCommentNames) {
  const Table t = parse_table("#2001\t#2002\n# another comment\n 1.5  2\n3 4.25\n", "s.1D", 0, -1);
  ASSERT_EQ(t.values.rows(), 2);
  ASSERT_EQ(t.values.cols(), 2);
  EXPECT_EQ(t.columns[0], "2001");
  EXPECT_EQ(t.columns[1], "2002");
  EXPECT_DOUBLE_EQ(t.values(1, 1), 4.25);
}

TEST(Table, RaggedRowNamesLine) {
  try {
    parse_table("a\tb\n1\t2\n3\n", "ragged.tsv", '\t', 1);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("ragged.tsv: line 3 has 1 fields"), std::string::npos)
        << e.what();
  }
}

TEST(Table, NonNumberNamesColumn) {
  try {
    parse_table("a\tb\n1\tfoo\n", "bad.tsv", '\t', 1);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("column 'b': 'foo' is not a number"), std::string::npos)
        << e.what();
  }
}

TEST(Table, TsvRoundTripIsExact) {
  Table t;
  t.columns = {"x", "y"};
  t.values.resize(3, 2);
  t.values << 0.1, 1.0 / 3.0, -1e-300, 12345678.9, std::nan(""), 2.0;
  const std::string p = test::scratch_dir() + "/t.tsv";
  write_tsv(p, t);
  const Table r = read_table(p);
  EXPECT_EQ(r.columns, t.columns);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j) {
      if (std::isnan(t.values(i, j)))
        EXPECT_TRUE(std::isnan(r.values(i, j)));
      else
        EXPECT_EQ(r.values(i, j), t.values(i, j));
    }
}

TEST(Npy, ReadsReferenceInput) {
  const std::string p = test::shared_file("reference/inputs/signals_80x5.npy");
  BRAINENC_SKIP_IF_EMPTY(p);
  const NpyArray a = read_npy(p);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{80, 5}));
  EXPECT_EQ(a.dtype, "<f8");
  const Eigen::MatrixXd m = a.matrix();
  EXPECT_EQ(m.rows(), 80);
  EXPECT_TRUE(m.allFinite());
}

TEST(Npy, RoundTrip3D) {
  const std::string p = test::scratch_dir() + "/a.npy";
  std::vector<double> data(2 * 3 * 4);
  for (size_t i = 0; i < data.size(); ++i) data[i] = double(i) * 0.5;
  write_npy(p, {2, 3, 4}, data.data());
  const NpyArray a = read_npy(p);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(a.data, data);
}

TEST(Npy, TruncatedDataNamesFile) {
  const std::string p = test::scratch_dir() + "/t.npy";
  Eigen::MatrixXd m = Eigen::MatrixXd::Ones(10, 10);
  write_npy(p, m);
  std::filesystem::resize_file(p, std::filesystem::file_size(p) - 8);
  try {
    read_npy(p);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("t.npy: truncated"), std::string::npos) << e.what();
  }
}

TEST(Table, EveryWrittenFormatReadsBack) {
  Table t;
  t.columns = {"a", "b"};
  t.values.resize(2, 2);
  t.values << 1.5, -2.0, 1e-9, 4.25;
  const std::string dir = test::scratch_dir();
  for (const char* ext : {".tsv", ".csv", ".1D", ".txt", ".npy"}) {
    const std::string p = dir + "/t" + ext;
    write_table(p, t);
    const Table r = read_table(p);
    EXPECT_EQ(r.values, t.values) << ext;
    if (std::string(ext) != ".npy") {
      EXPECT_EQ(r.columns, t.columns) << ext;
    }
  }
  EXPECT_THROW(write_table(dir + "/t.xlsx", t), UsageError);
}

TEST(Table, QuotedCsvFieldsKeepTheirCommas) {
  const std::string p = test::scratch_dir() + "/pheno.csv";
  std::ofstream(p) << ",SUB_ID,NOTE\n0,50682,\"frontal lob gone, rest of brain "
                      "warped\"\n1,50683,\"say \"\"hi\"\"\"\n";
  const TextTable t = read_text_table(p);
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.columns[0], "");
  EXPECT_EQ(t.rows[0][2], "frontal lob gone, rest of brain warped");
  EXPECT_EQ(t.rows[1][2], "say \"hi\"");
}

TEST(Table, AbidePhenotypeReads) {
  const std::string p =
      test::shared_file("data/abide_cc200/Phenotypic_V1_0b_preprocessed1_devsites.csv");
  BRAINENC_SKIP_IF_EMPTY(p);
  const TextTable t = read_text_table(p);
  EXPECT_GE(t.rows.size(), 749u);
  EXPECT_GE(t.find("DX_GROUP"), 0);
  EXPECT_GE(t.find("SITE_ID"), 0);
}
