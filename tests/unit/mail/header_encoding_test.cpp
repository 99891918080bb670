#include "mail/header_encoding.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mime_reader.h"

namespace sg::mail {
namespace {

using test_support::decode_encoded_words;
using test_support::split_lines;

std::string unfold(std::string header) {
  for (std::size_t p; (p = header.find("\r\n")) != std::string::npos;) header.erase(p, 2);
  return header;
}

std::string repeat(std::string_view piece, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += piece;
  return out;
}

TEST(EncodeWords, EncodesShortTextAsOneWord) {
  EXPECT_EQ(std::vector<std::string>{"=?UTF-8?B?SGFsbMO2?="}, encode_words("Hallö"));
}

TEST(EncodeWords, EmptyTextGivesNoWords) { EXPECT_TRUE(encode_words("").empty()); }

TEST(EncodeWords, WordsStayWithin75CharactersAndWholeCodePoints) {
  // Given 40 four-byte emoji (160 bytes): 45 bytes fit a word, so each holds 11 emoji
  std::string text = repeat("\xF0\x9F\x98\x80", 40);
  std::vector<std::string> words = encode_words(text);
  ASSERT_EQ(4u, words.size());
  std::string joined;
  for (const std::string& word : words) {
    EXPECT_LE(word.size(), 75u);
    std::string decoded = decode_encoded_words(word);
    EXPECT_EQ(0u, decoded.size() % 4) << "a word split an emoji";
    EXPECT_EQ(decoded, repeat("\xF0\x9F\x98\x80", static_cast<int>(decoded.size() / 4)));
    joined += decoded;
  }
  EXPECT_EQ(text, joined);
}

TEST(EncodeWords, FirstWordHonoursItsLimit) {
  std::vector<std::string> words = encode_words(std::string(100, 'a'), 40);
  EXPECT_LE(words.front().size(), 40u);
  EXPECT_LE(words[1].size(), 75u);
}

TEST(FoldHeader, JoinsWordsWithSpaces) {
  EXPECT_EQ("Subject: one two", fold_header("Subject", {"one", "two"}));
}

TEST(FoldHeader, BreaksBeforeTheWordThatWouldPassColumn78) {
  // Given "Subject:" plus 7 words of 9 letters: each adds 10 columns
  std::vector<std::string> words(8, "abcdefghi");
  std::string folded = fold_header("Subject", words);
  EXPECT_EQ("Subject: abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi\r\n"
            " abcdefghi",
            folded);
}

TEST(FoldHeader, NeverLeavesALineOfOnlyWhitespace) {
  std::vector<std::string> words = {std::string(70, 'a'), "", "", std::string(70, 'b')};
  for (const std::string& line : split_lines(fold_header("X", words)))
    EXPECT_NE(std::string::npos, line.find_first_not_of(' ')) << "blank line in header";
}

TEST(FoldHeader, DropsTrailingEmptyWordsRatherThanFoldIntoABlankLine) {
  // Given text, then 100 empty words (a run of spaces ending the value) that pass column 78,
  std::vector<std::string> words = {std::string(70, 'a')};
  words.resize(101);
  // then the value ends at its text: no folded line of spaces follows.
  EXPECT_EQ("X: " + std::string(70, 'a'), fold_header("X", words));
}

TEST(UnstructuredHeader, SubjectEndingInManySpacesHasNoWhitespaceOnlyLine) {
  std::string header = unstructured_header("Subject", "Quarterly update" + std::string(300, ' '));
  for (const std::string& line : split_lines(header))
    EXPECT_NE(std::string::npos, line.find_first_not_of(" \t")) << "whitespace-only line in header";
  EXPECT_EQ("Subject: Quarterly update", unfold(header));
}

TEST(UnstructuredHeader, SubjectOfOnlySpacesKeepsItsNameLine) {
  EXPECT_EQ("Subject: ", unstructured_header("Subject", std::string(200, ' ')));
}

TEST(UnstructuredHeader, KeepsAsciiTextIncludingRunsOfSpaces) {
  EXPECT_EQ("Subject: Hello  there", unstructured_header("Subject", "Hello  there"));
}

TEST(UnstructuredHeader, FoldsLongAsciiTextAtSpacesAndUnfoldsToTheOriginal) {
  std::string text = repeat("lorem ipsum ", 20) + "end";
  std::string header = unstructured_header("Subject", text);
  for (const std::string& line : split_lines(header)) EXPECT_LE(line.size(), 78u);
  EXPECT_EQ("Subject: " + text, unfold(header));
}

TEST(UnstructuredHeader, EncodesTextThatLooksLikeAnEncodedWord) {
  std::string header = unstructured_header("Subject", "=?x?Q?y?=");
  EXPECT_EQ("Subject: =?UTF-8?B?PT94P1E/eT89?=", header);
}

TEST(UnstructuredHeader, EncodesAnUnbreakableWordTooLongForOneLine) {
  std::string header = unstructured_header("Subject", std::string(1200, 'x'));
  for (const std::string& line : split_lines(header)) EXPECT_LE(line.size(), 78u);
  EXPECT_EQ(std::string(1200, 'x'), decode_encoded_words(unfold(header).substr(9)));
}

TEST(MailboxHeader, PlainAddressWithoutName) {
  EXPECT_EQ("From: ann@acme.com", mailbox_header("From", "", "ann@acme.com"));
}

TEST(MailboxHeader, AtomNameIsLeftUnquoted) {
  EXPECT_EQ("From: Ann Lee <ann@acme.com>", mailbox_header("From", "Ann Lee", "ann@acme.com"));
}

TEST(MailboxHeader, NameWithSpecialsIsQuotedAndEscaped) {
  EXPECT_EQ(R"(From: "Lee, Ann \"AL\" \\ Sales" <ann@acme.com>)",
            mailbox_header("From", R"(Lee, Ann "AL" \ Sales)", "ann@acme.com"));
}

TEST(MailboxHeader, NonAsciiNameIsEncoded) {
  EXPECT_EQ("From: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <jm@acme.de>",
            mailbox_header("From", "Jürgen Müller", "jm@acme.de"));
}

TEST(AddressListHeader, SeparatesWithCommasAndFoldsBetweenAddresses) {
  std::vector<std::string> addresses;
  for (int i = 0; i < 6; ++i) addresses.push_back("person" + std::to_string(i) + "@example.com");
  std::string header = address_list_header("To", addresses);
  EXPECT_EQ("To: person0@example.com, person1@example.com, person2@example.com,\r\n"
            " person3@example.com, person4@example.com, person5@example.com",
            header);
}

TEST(Rfc5322Date, FormatsInUtc) {
  EXPECT_EQ("Thu, 26 Nov 2026 09:17:01 +0000",
            format_rfc5322_date(TimePoint(std::chrono::seconds(1795684621))));
  EXPECT_EQ("Thu, 01 Jan 1970 00:00:00 +0000", format_rfc5322_date(TimePoint()));
}

TEST(Utf8Validation, AcceptsWellFormedAndRejectsMalformed) {
  EXPECT_TRUE(is_valid_utf8("plain, é, €, \xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xC3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\x80"));              // stray continuation byte
}

}  // namespace
}  // namespace sg::mail
