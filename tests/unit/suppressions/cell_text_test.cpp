// Cell text checks of the CSV import: what counts as UTF-8, and shortening between code points.
#include "suppressions/cell_text.h"

#include <gtest/gtest.h>

namespace sg::suppressions {
namespace {

TEST(CellText, AcceptsAsciiAndWellFormedMultiByteSequences) {
  EXPECT_TRUE(is_utf8_cell(""));
  EXPECT_TRUE(is_utf8_cell("ann@x.com"));
  EXPECT_TRUE(is_utf8_cell("J\xC3\xBCrgen \xE2\x82\xAC \xF0\x9F\x98\x80"));
}

TEST(CellText, RefusesStrayTruncatedOverlongSurrogateAndOutOfRangeSequences) {
  EXPECT_FALSE(is_utf8_cell("\x80"));              // a continuation byte alone
  EXPECT_FALSE(is_utf8_cell("caf\xC3"));           // cut short
  EXPECT_FALSE(is_utf8_cell("\xC0\xAF"));          // overlong "/"
  EXPECT_FALSE(is_utf8_cell("\xE0\x80\xAF"));      // overlong, three bytes
  EXPECT_FALSE(is_utf8_cell("\xED\xA0\x80"));      // a UTF-16 surrogate
  EXPECT_FALSE(is_utf8_cell("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_utf8_cell("\xFF"));
}

TEST(CellText, TruncatesOnlyBetweenCodePoints) {
  EXPECT_EQ("ab", truncate_utf8_cell("ab\xE2\x82\xAC", 4));
  EXPECT_EQ("ab\xE2\x82\xAC", truncate_utf8_cell("ab\xE2\x82\xAC", 5));
  EXPECT_EQ("short", truncate_utf8_cell("short", 500));
}

TEST(CellText, EchoReplacesInvalidBytesAndStaysWithinTheLimit) {
  EXPECT_EQ("a\xEF\xBF\xBD" "b", echo_cell("a\xFF" "b", 200));
  EXPECT_EQ("ab", echo_cell("ab\xEF\xBF\xBD", 4)) << "a replacement character is never cut";
  EXPECT_EQ(200u, echo_cell(std::string(1000, 'x'), 200).size());
}

}  // namespace
}  // namespace sg::suppressions
