#include <gtest/gtest.h>

#include "core/utf8.h"

namespace sg {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  for (std::string_view ok : {"", "plain ascii", "caf\xC3\xA9", "\xE2\x82\xAC 5", "\xF0\x9F\x98\x80",
                              "\xED\x9F\xBF", "\xEE\x80\x80", "\xF4\x8F\xBF\xBF"})
    EXPECT_TRUE(is_valid_utf8(ok)) << ok;
  EXPECT_TRUE(is_valid_utf8(std::string_view("a\0b", 3)));
}

TEST(Utf8, RefusesMalformedSequences) {
  for (std::string_view bad : {
           "\xC3",              // truncated two-byte sequence
           "\xE2\x82",          // truncated three-byte sequence
           "caf\xE9",           // Latin-1, not UTF-8
           "\x80",              // stray continuation byte
           "\xC0\xAF",          // overlong '/'
           "\xE0\x80\xAF",      // overlong '/' in three bytes
           "\xF0\x80\x80\xAF",  // overlong '/' in four bytes
           "\xED\xA0\x80",      // UTF-16 surrogate U+D800
           "\xF4\x90\x80\x80",  // past U+10FFFF
           "\xF5\x80\x80\x80",  // lead byte never valid
           "\xFF",
           "\xC3\x28",          // lead byte followed by ASCII
       })
    EXPECT_FALSE(is_valid_utf8(bad)) << testing::PrintToString(std::string(bad));
}

TEST(Utf8, TruncatesOnlyAtCharacterBoundaries) {
  std::string euro = "\xE2\x82\xAC";  // three bytes
  std::string text = "ab" + euro + "cd";
  EXPECT_EQ("ab", truncate_utf8(text, 2));
  EXPECT_EQ("ab", truncate_utf8(text, 3));
  EXPECT_EQ("ab", truncate_utf8(text, 4));
  EXPECT_EQ("ab" + euro, truncate_utf8(text, 5));
  EXPECT_EQ("ab" + euro + "c", truncate_utf8(text, 6));
  EXPECT_EQ(text, truncate_utf8(text, 7));
  EXPECT_EQ(text, truncate_utf8(text, 100));
  EXPECT_EQ("", truncate_utf8(euro, 2));
}

TEST(Utf8, TruncationKeepsValidTextValid) {
  std::string text = "\xF0\x9F\x98\x80\xC3\xA9x\xE2\x82\xAC";
  for (size_t n = 0; n <= text.size(); ++n) {
    std::string cut = truncate_utf8(text, n);
    EXPECT_LE(cut.size(), n);
    EXPECT_TRUE(is_valid_utf8(cut)) << n;
    EXPECT_EQ(0u, text.rfind(cut, 0));
  }
}

TEST(Utf8, SanitizeReplacesInvalidBytesAndStaysWithinTheLimit) {
  EXPECT_EQ("a\xEF\xBF\xBD" "b", sanitize_utf8("a\xFF" "b", 200));
  EXPECT_EQ("ab", sanitize_utf8("ab\xEF\xBF\xBD", 4)) << "a replacement character is never cut";
  EXPECT_EQ(200u, sanitize_utf8(std::string(1000, 'x'), 200).size());
}

}  // namespace
}  // namespace sg
