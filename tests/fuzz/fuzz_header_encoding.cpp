// Header encoding and the MIME builder. Input fields: subject, display name, text, html,
// then To addresses. Whatever renders must be 7-bit text of CRLF-ended lines of at most
// 998 characters (RFC 5322 2.1.1), no folded line blank, and the Subject must read back.
#include <algorithm>

#include "fuzz_input.h"
#include "mail/header_encoding.h"
#include "mail/mime.h"
#include "mail/mime_reader.h"

namespace {

using namespace sg::mail;

void require_wire_lines(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    FUZZ_REQUIRE(c != 0 && c < 0x80);
    if (c == '\r') FUZZ_REQUIRE(i + 1 < text.size() && text[i + 1] == '\n');
    if (c == '\n') FUZZ_REQUIRE(i > 0 && text[i - 1] == '\r');
  }
  for (const std::string& line : test_support::split_lines(text)) FUZZ_REQUIRE(line.size() <= 998);
}

// A continuation line of only whitespace is forbidden (RFC 5322 3.2.2).
void require_no_blank_continuation(std::string_view header) {
  for (const std::string& line : test_support::split_lines(header))
    FUZZ_REQUIRE(line.find_first_not_of(" \t") != std::string::npos);
}

// Trailing spaces carry no meaning in an unstructured header, so an encoder may drop them.
bool reads_back(std::string_view original, const std::string& decoded) {
  std::string_view trimmed = original.substr(0, original.find_last_not_of(' ') + 1);
  return decoded == original || decoded == trimmed;
}

bool header_safe(std::string_view text) { return !has_line_break(text) && is_valid_utf8(text); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto fields = sg::fuzz::split_fields(data, size);
  std::string_view subject = sg::fuzz::field(fields, 0), display = sg::fuzz::field(fields, 1);

  if (header_safe(subject)) {
    std::string header = unstructured_header("Subject", subject);
    require_wire_lines(header);
    require_no_blank_continuation(header);
    auto parsed = test_support::parse_message(header + "\r\n\r\n");
    FUZZ_REQUIRE(reads_back(subject, test_support::decode_encoded_words(test_support::header(parsed, "Subject"))));
  }
  if (header_safe(display)) {
    std::string header = mailbox_header("From", display, "ann@acme.com");
    require_wire_lines(header);
    require_no_blank_continuation(header);
    FUZZ_REQUIRE(header.ends_with(display.empty() ? " ann@acme.com" : " <ann@acme.com>"));
  }

  MailMessage message;
  message.from = "ann@acme.com";
  message.from_name = display;
  for (std::size_t i = 4; i < fields.size(); ++i) message.to.emplace_back(fields[i]);
  message.subject = subject;
  message.text = sg::fuzz::field(fields, 2);
  message.html = sg::fuzz::field(fields, 3);
  message.message_id = "<fuzz.1@acme.com>";
  message.list_unsubscribe_url = "https://sendguard.example/u/token";
  auto mime = render_mime(message, "=_fuzz");
  if (!mime) {
    FUZZ_REQUIRE(mime.error().code == "invalid_request" && !mime.error().field.empty());
    return 0;
  }
  require_wire_lines(*mime);
  FUZZ_REQUIRE(mime->ends_with("\r\n"));
  auto parsed = test_support::parse_message(*mime);
  FUZZ_REQUIRE(reads_back(subject, test_support::decode_encoded_words(test_support::header(parsed, "Subject"))));
  return 0;
}
