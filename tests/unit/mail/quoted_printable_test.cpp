#include "mail/quoted_printable.h"

#include <gtest/gtest.h>

#include <string>

#include "mime_reader.h"

namespace sg::mail {
namespace {

using test_support::decode_quoted_printable;
using test_support::split_lines;

TEST(QuotedPrintable, KeepsPlainAsciiAsIs) {
  EXPECT_EQ("Hello, world!", encode_quoted_printable("Hello, world!"));
}

TEST(QuotedPrintable, EmptyTextGivesEmptyOutput) { EXPECT_EQ("", encode_quoted_printable("")); }

TEST(QuotedPrintable, EncodesEqualsSign) {
  EXPECT_EQ("a=3Db", encode_quoted_printable("a=b"));
}

TEST(QuotedPrintable, EncodesUtf8BytesInUpperCaseHex) {
  EXPECT_EQ("caf=C3=A9 =E2=82=AC", encode_quoted_printable("café €"));
}

TEST(QuotedPrintable, EncodesWhitespaceOnlyAtLineEnds) {
  // Given spaces and tabs inside, before a line break and at the very end
  EXPECT_EQ("a b\tc=20\r\nd=09\r\ne =20", encode_quoted_printable("a b\tc \nd\t\ne  "));
}

TEST(QuotedPrintable, NormalisesLfCrAndCrlfToCrlf) {
  EXPECT_EQ("a\r\nb\r\nc\r\nd\r\n\r\ne", encode_quoted_printable("a\nb\rc\r\nd\n\ne"));
}

TEST(QuotedPrintable, KeepsAFinalLineBreak) {
  EXPECT_EQ("end\r\n", encode_quoted_printable("end\n"));
}

TEST(QuotedPrintable, LineOfExactly76CharactersIsNotBroken) {
  std::string line(76, 'x');
  EXPECT_EQ(line, encode_quoted_printable(line));
}

TEST(QuotedPrintable, LineOf77CharactersGetsOneSoftBreak) {
  EXPECT_EQ(std::string(75, 'x') + "=\r\nxx", encode_quoted_printable(std::string(77, 'x')));
}

TEST(QuotedPrintable, LongWordIsSplitWithLinesOfAtMost76) {
  std::string word(1000, 'w');
  std::string encoded = encode_quoted_printable(word);
  for (const std::string& line : split_lines(encoded)) EXPECT_LE(line.size(), 76u) << line;
  EXPECT_EQ(word, decode_quoted_printable(encoded));
}

TEST(QuotedPrintable, NeverSplitsAnEscape) {
  // Given 74 letters then "é": the escape =C3 would end at column 77, so it moves
  std::string encoded = encode_quoted_printable(std::string(74, 'x') + "é");
  EXPECT_EQ(std::string(74, 'x') + "=\r\n=C3=A9", encoded);
}

TEST(QuotedPrintable, TrailingSpaceAtColumn76IsEncodedOnTheNextLine) {
  // Given 75 letters and a final space: "=20" does not fit, so a soft break comes first
  EXPECT_EQ(std::string(75, 'x') + "=\r\n=20", encode_quoted_printable(std::string(75, 'x') + " "));
}

TEST(QuotedPrintable, SpaceBeforeSoftBreakStaysLiteral) {
  // Given a space as the 75th character: the soft break's "=" follows it, so it is safe
  std::string text = std::string(74, 'x') + " yy";
  EXPECT_EQ(std::string(74, 'x') + " =\r\nyy", encode_quoted_printable(text));
}

TEST(QuotedPrintable, MixedTextRoundTrips) {
  std::string text =
      "Grüße aus Köln — prices = 100 €\r\n\r\n" + std::string(200, 'z') + " \nlast line\t";
  std::string encoded = encode_quoted_printable(text);
  for (const std::string& line : split_lines(encoded)) {
    EXPECT_LE(line.size(), 76u);
    EXPECT_TRUE(line.empty() || (line.back() != ' ' && line.back() != '\t'));
  }
  std::string expected = text;
  expected.replace(expected.find(" \n"), 2, " \r\n");
  EXPECT_EQ(expected, decode_quoted_printable(encoded));
}

}  // namespace
}  // namespace sg::mail
