#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "mail/mime.h"
#include "mime_reader.h"

namespace sg::mail {
namespace {

using test_support::decode_encoded_words;
using test_support::decode_quoted_printable;
using test_support::header;
using test_support::parse_message;
using test_support::split_lines;

MailMessage sample() {
  MailMessage m;
  m.from = "ann@acme.com";
  m.from_name = "Ann Lee";
  m.to = {"bob@example.com"};
  m.subject = "Quick question";
  m.text = "Hi Bob,\nsee you.\n";
  m.message_id = "<m1@acme.com>";
  m.date = TimePoint(std::chrono::seconds(1795684621));  // Thu, 26 Nov 2026 09:17:01 UTC
  m.list_unsubscribe_url = "https://sg.example/u/tok123";
  return m;
}

std::string render(const MailMessage& m, std::string_view boundary = "=_b1") {
  Result<std::string> mime = render_mime(m, boundary);
  EXPECT_TRUE(mime.ok()) << (mime.ok() ? "" : mime.error().message);
  return mime.ok() ? *mime : "";
}

TEST(RenderMime, TextOnlyMessage) {
  EXPECT_EQ(
      "Date: Thu, 26 Nov 2026 09:17:01 +0000\r\n"
      "From: Ann Lee <ann@acme.com>\r\n"
      "To: bob@example.com\r\n"
      "Subject: Quick question\r\n"
      "Message-ID: <m1@acme.com>\r\n"
      "MIME-Version: 1.0\r\n"
      "List-Unsubscribe: <https://sg.example/u/tok123>\r\n"
      "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n"
      "\r\n"
      "Hi Bob,\r\n"
      "see you.\r\n",
      render(sample()));
}

TEST(RenderMime, TextAndHtmlBecomeMultipartAlternative) {
  MailMessage m = sample();
  m.to = {"bob@example.com", "cy@example.com"};
  m.cc = {"dee@example.com"};
  m.text = "Hi = hello";
  m.html = "<p style=\"x\">Hi</p>\n";
  m.list_unsubscribe_url.clear();
  EXPECT_EQ(
      "Date: Thu, 26 Nov 2026 09:17:01 +0000\r\n"
      "From: Ann Lee <ann@acme.com>\r\n"
      "To: bob@example.com, cy@example.com\r\n"
      "Cc: dee@example.com\r\n"
      "Subject: Quick question\r\n"
      "Message-ID: <m1@acme.com>\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/alternative; boundary=\"=_b1\"\r\n"
      "\r\n"
      "--=_b1\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n"
      "\r\n"
      "Hi =3D hello\r\n"
      "--=_b1\r\n"
      "Content-Type: text/html; charset=utf-8\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n"
      "\r\n"
      "<p style=3D\"x\">Hi</p>\r\n"
      "\r\n"
      "--=_b1--\r\n",
      render(m));
}

TEST(RenderMime, HtmlOnlyIsASingleTextHtmlPart) {
  MailMessage m = sample();
  m.text.clear();
  m.html = "<b>hi</b>";
  std::string mime = render(m);
  EXPECT_EQ("text/html; charset=utf-8", header(parse_message(mime), "Content-Type"));
  EXPECT_TRUE(mime.ends_with("\r\n\r\n<b>hi</b>\r\n"));
}

TEST(RenderMime, EmptyBodiesGiveOneEmptyTextPlainPart) {
  MailMessage m = sample();
  m.text.clear();
  std::string mime = render(m);
  EXPECT_EQ("text/plain; charset=utf-8", header(parse_message(mime), "Content-Type"));
  EXPECT_TRUE(mime.ends_with("Content-Transfer-Encoding: quoted-printable\r\n\r\n"));
}

TEST(RenderMime, ListUnsubscribeHeadersAbsentWithoutUrl) {
  MailMessage m = sample();
  m.list_unsubscribe_url.clear();
  test_support::ParsedMessage parsed = parse_message(render(m));
  EXPECT_EQ("<absent>", header(parsed, "List-Unsubscribe"));
  EXPECT_EQ("<absent>", header(parsed, "List-Unsubscribe-Post"));
}

TEST(RenderMime, NoToOrCcHeaderWhenThereAreNone) {
  MailMessage m = sample();
  m.to.clear();
  test_support::ParsedMessage parsed = parse_message(render(m));
  EXPECT_EQ("<absent>", header(parsed, "To"));
  EXPECT_EQ("<absent>", header(parsed, "Cc"));
}

TEST(RenderMime, NonAsciiSubjectAndNameRoundTrip) {
  MailMessage m = sample();
  m.subject = "Angebot für Sie — 20 % Rabatt";
  m.from_name = "Jürgen Müller";
  test_support::ParsedMessage parsed = parse_message(render(m));
  EXPECT_EQ("=?UTF-8?B?QW5nZWJvdCBmw7xyIFNpZSDigJQgMjAgJSBSYWJhdHQ=?=", header(parsed, "Subject"));
  EXPECT_EQ(m.subject, decode_encoded_words(header(parsed, "Subject")));
  EXPECT_EQ("Jürgen Müller <ann@acme.com>", decode_encoded_words(header(parsed, "From")));
}

TEST(RenderMime, LongNonAsciiSubjectFoldsIntoShortLinesAndRoundTrips) {
  MailMessage m = sample();
  std::string subject;
  for (int i = 0; i < 12; ++i) subject += "Grüße aus Köln, Straße " + std::to_string(i) + "; ";
  m.subject = subject;
  std::string mime = render(m);
  std::string head = mime.substr(0, mime.find("\r\n\r\n"));
  for (const std::string& line : split_lines(head)) EXPECT_LE(line.size(), 78u) << line;
  std::string value = header(parse_message(mime), "Subject");
  EXPECT_GT(split_lines(head).size(), 12u) << "the subject should span several lines";
  EXPECT_EQ(subject, decode_encoded_words(value));
}

TEST(RenderMime, EmojiSubjectIsNeverSplitInsideACodePoint) {
  MailMessage m = sample();
  std::string emoji = "\xF0\x9F\x9A\x80";  // U+1F680
  m.subject.clear();
  for (int i = 0; i < 50; ++i) m.subject += emoji;
  std::string value = header(parse_message(render(m)), "Subject");
  std::size_t start = 0;
  while ((start = value.find("=?UTF-8?B?", start)) != std::string::npos) {
    std::size_t end = value.find("?=", start + 10) + 2;
    std::string word = value.substr(start, end - start);
    EXPECT_LE(word.size(), 75u);
    std::string decoded = decode_encoded_words(word);
    EXPECT_EQ(0u, decoded.size() % 4);
    for (std::size_t i = 0; i < decoded.size(); i += 4) EXPECT_EQ(emoji, decoded.substr(i, 4));
    start = end;
  }
  EXPECT_EQ(m.subject, decode_encoded_words(value));
}

TEST(RenderMime, ManyRecipientsFoldWithinLineLimits) {
  MailMessage m = sample();
  for (int i = 0; i < 40; ++i) m.cc.push_back("colleague" + std::to_string(i) + "@example.com");
  std::string mime = render(m);
  for (const std::string& line : split_lines(mime)) EXPECT_LE(line.size(), 78u) << line;
  std::string cc = header(parse_message(mime), "Cc");
  EXPECT_EQ(0u, cc.find("colleague0@example.com, colleague1@example.com,"));
  EXPECT_TRUE(cc.ends_with("colleague39@example.com"));
}

TEST(RenderMime, BodyRoundTripsThroughQuotedPrintable) {
  MailMessage m = sample();
  m.text = "Zürich ☕\n" + std::string(300, 'a') + "\n";
  std::string body = parse_message(render(m)).body;
  for (const std::string& line : split_lines(body)) EXPECT_LE(line.size(), 76u);
  EXPECT_EQ("Zürich ☕\r\n" + std::string(300, 'a') + "\r\n", decode_quoted_printable(body));
}

TEST(RenderMime, RandomBoundaryDiffersPerMessageAndOnlyDelimitsParts) {
  MailMessage m = sample();
  m.html = "<p>--=_ not a boundary</p>";
  Result<std::string> first = render_mime(m);
  Result<std::string> second = render_mime(m);
  ASSERT_TRUE(first.ok() && second.ok());
  auto boundary_of = [](const std::string& mime) {
    std::string type = header(parse_message(mime), "Content-Type");
    std::size_t open = type.find("boundary=\"") + 10;
    return type.substr(open, type.find('"', open) - open);
  };
  std::string boundary = boundary_of(*first);
  EXPECT_EQ(0u, boundary.find("=_"));
  EXPECT_GE(boundary.size(), 20u);
  EXPECT_NE(boundary, boundary_of(*second));
  std::vector<std::string> delimiters;
  for (const std::string& line : split_lines(parse_message(*first).body))
    if (line.find(boundary) != std::string::npos) delimiters.push_back(line);
  EXPECT_EQ((std::vector<std::string>{"--" + boundary, "--" + boundary, "--" + boundary + "--"}),
            delimiters);
}

TEST(RenderMime, RejectsAnInvalidBoundary) {
  Result<std::string> mime = render_mime(sample(), "bad\"boundary");
  ASSERT_FALSE(mime.ok());
  EXPECT_EQ("boundary", mime.error().field);
}

struct InjectionCase {
  std::string field;
  std::function<void(MailMessage&, const std::string&)> inject;
};

TEST(RenderMime, RejectsLineBreaksInEveryHeaderField) {
  std::vector<InjectionCase> cases = {
      {"from", [](MailMessage& m, const std::string& v) { m.from = "ann@acme.com" + v; }},
      {"from_name", [](MailMessage& m, const std::string& v) { m.from_name = "Ann" + v; }},
      {"subject", [](MailMessage& m, const std::string& v) { m.subject = "Hi" + v; }},
      {"to", [](MailMessage& m, const std::string& v) { m.to.push_back("x@y.com" + v); }},
      {"cc", [](MailMessage& m, const std::string& v) { m.cc = {"x@y.com" + v}; }},
      {"message_id", [](MailMessage& m, const std::string& v) { m.message_id = "<a@b>" + v; }},
      {"list_unsubscribe_url",
       [](MailMessage& m, const std::string& v) { m.list_unsubscribe_url += v; }},
  };
  for (const InjectionCase& c : cases) {
    for (std::string breaker : {"\r\nBcc: evil@x.com", "\nBcc: evil@x.com", "\rX: y"}) {
      SCOPED_TRACE(c.field + " with " + breaker);
      MailMessage m = sample();
      c.inject(m, breaker);
      Result<std::string> mime = render_mime(m);
      ASSERT_FALSE(mime.ok());
      EXPECT_EQ("invalid_request", mime.error().code);
      EXPECT_EQ(c.field, mime.error().field);
      EXPECT_EQ(c.field + " must not contain a line break", mime.error().message);
    }
  }
}

TEST(RenderMime, RejectsNonAsciiAddresses) {
  MailMessage m = sample();
  m.cc = {"jürgen@example.de"};
  Result<std::string> mime = render_mime(m);
  ASSERT_FALSE(mime.ok());
  EXPECT_EQ("cc", mime.error().field);
  EXPECT_EQ("cc address 'jürgen@example.de' is not plain ASCII", mime.error().message);

  m = sample();
  m.from = "ann@bücher.de";
  mime = render_mime(m);
  ASSERT_FALSE(mime.ok());
  EXPECT_EQ("from", mime.error().field);
}

TEST(RenderMime, RejectsAddressesThatAreNotMailboxes) {
  MailMessage m = sample();
  m.to = {"Bob <bob@example.com>"};
  Result<std::string> mime = render_mime(m);
  ASSERT_FALSE(mime.ok());
  EXPECT_EQ("to", mime.error().field);
}

TEST(RenderMime, RejectsMessageIdWithoutAngleBrackets) {
  MailMessage m = sample();
  m.message_id = "m1@acme.com";
  Result<std::string> mime = render_mime(m);
  ASSERT_FALSE(mime.ok());
  EXPECT_EQ("message_id", mime.error().field);
}

TEST(RenderMime, RejectsSubjectThatIsNotUtf8) {
  MailMessage m = sample();
  m.subject = "caf\xE9";  // Latin-1, not UTF-8
  Result<std::string> mime = render_mime(m);
  ASSERT_FALSE(mime.ok());
  EXPECT_EQ("subject", mime.error().field);
}

TEST(WithUnsubscribeHeaders, PrependsTheOneClickHeadersToAWholeMessage) {
  auto mime = with_unsubscribe_headers("https://sg.example/u/tok", "From: a@x.com\r\n\r\nbody\r\n");
  ASSERT_TRUE(mime);
  EXPECT_EQ(
      "List-Unsubscribe: <https://sg.example/u/tok>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
      "From: a@x.com\r\n\r\nbody\r\n",
      *mime);
}

TEST(WithUnsubscribeHeaders, RefusesAUrlThatCannotSitOnAHeaderLine) {
  for (std::string url : {"", "https://sg.example/u/a b", "https://sg.example/u/\r\nBcc: x@y.com"}) {
    auto mime = with_unsubscribe_headers(url, "From: a@x.com\r\n\r\nbody\r\n");
    ASSERT_FALSE(mime) << url;
    EXPECT_EQ("list_unsubscribe_url", mime.error().field);
  }
}

TEST(HasLineBreak, SeesCrAndLfAnywhere) {
  EXPECT_FALSE(has_line_break("plain text"));
  EXPECT_TRUE(has_line_break("a\rb"));
  EXPECT_TRUE(has_line_break("a\nb"));
  EXPECT_TRUE(has_line_break("\r\n"));
}

}  // namespace
}  // namespace sg::mail
