// The CSV reader and writer of the suppression list's import and export: RFC 4180
// quoting, CRLF or LF line ends, and the formula guard on written cells.
#include "core/csv.h"

#include <gtest/gtest.h>

#include <sstream>

namespace sg {
namespace {

using Record = std::vector<std::string>;

// Every record of `text`, in order.
std::vector<Record> read_all(const std::string& text) {
  std::istringstream in(text);
  std::vector<Record> out;
  while (auto record = read_csv_record(in)) out.push_back(*record);
  return out;
}

std::string written(const std::vector<Record>& records) {
  std::ostringstream out;
  for (const auto& r : records) write_csv_record(out, r);
  return out.str();
}

// --- reading ---

TEST(Csv, CsvReadsPlainFieldsSeparatedByCommas) {
  EXPECT_EQ((std::vector<Record>{{"ann@x.com", "left", "2026"}}), read_all("ann@x.com,left,2026\n"));
}

TEST(Csv, CsvReadsNothingFromAnEmptyStream) {
  std::istringstream in("");
  EXPECT_EQ(std::nullopt, read_csv_record(in));
}

TEST(Csv, CsvReadsALastRecordWithoutALineEnd) {
  EXPECT_EQ((std::vector<Record>{{"a", "b"}, {"c", "d"}}), read_all("a,b\nc,d"));
}

TEST(Csv, CsvAcceptsLfAndCrlfLineEndsAlike) {
  EXPECT_EQ((std::vector<Record>{{"a", "1"}, {"b", "2"}, {"c", "3"}}), read_all("a,1\r\nb,2\nc,3\r\n"));
}

TEST(Csv, CsvTreatsALoneCrAsALineEnd) {
  EXPECT_EQ((std::vector<Record>{{"a"}, {"b"}}), read_all("a\rb\r"));
}

TEST(Csv, CsvKeepsCommasInsideQuotedFields) {
  EXPECT_EQ((std::vector<Record>{{"Doe, Jane", "jane@x.com"}}), read_all("\"Doe, Jane\",jane@x.com\r\n"));
}

TEST(Csv, CsvReadsADoubledQuoteAsOneQuote) {
  EXPECT_EQ((std::vector<Record>{{"said \"stop\"", "x"}}), read_all("\"said \"\"stop\"\"\",x\n"));
  EXPECT_EQ((std::vector<Record>{{"\""}}), read_all("\"\"\"\"\n"));
}

TEST(Csv, CsvKeepsLineEndsInsideQuotedFields) {
  // Given a quoted reason spanning an LF and a CRLF, then it stays one record whose
  // field keeps both line ends, and the next line is the next record.
  EXPECT_EQ((std::vector<Record>{{"a@x.com", "line 1\nline 2\r\nline 3"}, {"b@x.com", ""}}),
            read_all("a@x.com,\"line 1\nline 2\r\nline 3\"\r\nb@x.com,\r\n"));
}

TEST(Csv, CsvReadsEmptyFieldsWhereverTheyAre) {
  EXPECT_EQ((std::vector<Record>{{"", "b", ""}}), read_all(",b,\n"));
  EXPECT_EQ((std::vector<Record>{{"", ""}}), read_all(",\n"));
  EXPECT_EQ((std::vector<Record>{{"a", "", "c"}}), read_all("a,,c\n"));
  EXPECT_EQ((std::vector<Record>{{""}}), read_all("\"\"\n"));
}

TEST(Csv, CsvReadsABlankLineAsOneEmptyField) {
  EXPECT_EQ((std::vector<Record>{{"a"}, {""}, {"b"}}), read_all("a\n\nb\n"));
  EXPECT_EQ((std::vector<Record>{{"a"}, {""}, {"b"}}), read_all("a\r\n\r\nb\r\n"));
}

TEST(Csv, CsvReadsRecordsOneAtATime) {
  std::istringstream in("h1,h2\r\nv1,v2\r\n");
  EXPECT_EQ((Record{"h1", "h2"}), read_csv_record(in));
  EXPECT_EQ((Record{"v1", "v2"}), read_csv_record(in));
  EXPECT_EQ(std::nullopt, read_csv_record(in));
  EXPECT_EQ(std::nullopt, read_csv_record(in)) << "the end stays the end";
}

TEST(Csv, CsvKeepsSpacesAroundUnquotedFields) {
  EXPECT_EQ((std::vector<Record>{{" a ", " b"}}), read_all(" a , b\n"));
}

// --- writing ---

TEST(Csv, CsvWritesPlainFieldsAsIsEndingWithCrlf) {
  EXPECT_EQ("ann@x.com,manual,left the company\r\n", written({{"ann@x.com", "manual", "left the company"}}));
}

TEST(Csv, CsvWritesEmptyFieldsAsNothing) {
  EXPECT_EQ(",b,\r\n", written({{"", "b", ""}}));
  EXPECT_EQ("\r\n", written({{""}}));
}

TEST(Csv, CsvQuotesFieldsWithCommasQuotesOrLineEnds) {
  EXPECT_EQ("\"Doe, Jane\"\r\n", written({{"Doe, Jane"}}));
  EXPECT_EQ("\"said \"\"stop\"\"\"\r\n", written({{"said \"stop\""}}));
  EXPECT_EQ("\"a\nb\",\"c\rd\"\r\n", written({{"a\nb", "c\rd"}}));
}

TEST(Csv, CsvGuardsFormulaLeadingCellsWithAnApostropheInQuotes) {
  // Given cells a spreadsheet would run as formulas, then each is quoted with a leading
  // apostrophe, so the spreadsheet shows it as text.
  EXPECT_EQ("\"'=HYPERLINK(\"\"http://evil\"\")\"\r\n", written({{"=HYPERLINK(\"http://evil\")"}}));
  EXPECT_EQ("\"'+1\",\"'-2\",\"'@SUM(A1)\"\r\n", written({{"+1", "-2", "@SUM(A1)"}}));
  EXPECT_EQ("\"'=1,2\"\r\n", written({{"=1,2"}}));
}

TEST(Csv, CsvGuardsCellsLeadingWithTabOrCarriageReturnAsOwaspAdvises) {
  EXPECT_EQ("\"'\tcmd|' /C calc'!A0\"\r\n", written({{"\tcmd|' /C calc'!A0"}}));
  EXPECT_EQ("\"'\r=1+1\"\r\n", written({{"\r=1+1"}}));
}

TEST(Csv, CsvLeavesFormulaCharactersAloneAfterTheFirst) {
  EXPECT_EQ("a=b,x+y@z.com,a-b\r\n", written({{"a=b", "x+y@z.com", "a-b"}}));
}

TEST(Csv, CsvRoundTripsWhatItWrites) {
  const std::vector<Record> records{{"email", "source", "reason"},
                                    {"ann@x.com", "manual", "said \"no more\", twice"},
                                    {"bob@y.com", "import", "line 1\nline 2\r\nline 3"},
                                    {"", "one_click", ""},
                                    {"cy@z.com"}};
  EXPECT_EQ(records, read_all(written(records)));
}

TEST(Csv, CsvReadsAGuardedFormulaCellBackWithItsApostrophe) {
  EXPECT_EQ((std::vector<Record>{{"'=1+1", "x"}}), read_all(written({{"=1+1", "x"}})));
}

}  // namespace
}  // namespace sg
