// A message submitted over SMTP, read with GMime: whatever a mail client (or an attacker
// with a token) sends, reading it must not crash, and what it accepts must be what the
// outbox may deliver: no Bcc: header left, a Message-ID and a Date, no header line over
// 998 octets, a subject of valid UTF-8 within 998 bytes, and one sender address.
#include <cctype>

#include "core/utf8.h"
#include "fuzz_input.h"
#include "mail/submitted_message.h"

namespace {

bool has_header(std::string_view section, std::string_view name) {
  size_t at = 0;
  while (at < section.size()) {
    size_t end = section.find("\r\n", at);
    std::string_view line = section.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    // RFC 5322 4.5.3's obsolete syntax allows white space before the colon.
    size_t colon = line.find_first_not_of(" \t", name.size());
    if (line.size() > name.size() && colon != std::string_view::npos && line[colon] == ':') {
      bool same = true;
      for (size_t i = 0; i < name.size() && same; ++i)
        same = std::tolower(static_cast<unsigned char>(line[i])) == std::tolower(static_cast<unsigned char>(name[i]));
      if (same) return true;
    }
    if (end == std::string_view::npos) break;
    at = end + 2;
  }
  return false;
}

// What the SMTP session hands on (smtp/message_reader.h): CRLF line ends only, the last
// line ended too (the CRLF before the final dot is the message's), no NUL.
bool as_the_session_hands_it_on(std::string_view raw) {
  if (!raw.empty() && !raw.ends_with("\r\n")) return false;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\0') return false;
    if (raw[i] == '\r' && (i + 1 == raw.size() || raw[i + 1] != '\n')) return false;
    if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  if (!as_the_session_hands_it_on(raw)) return 0;
  auto message = sg::mail::read_submitted_message(raw, "sendguard.example", sg::TimePoint{});
  if (!message) {
    FUZZ_REQUIRE(message.error().code == "invalid_request" && !message.error().message.empty());
    return 0;
  }
  std::string section = sg::mail::header_section(message->mime);
  FUZZ_REQUIRE(!has_header(section, "Bcc"));
  FUZZ_REQUIRE(has_header(section, "Message-ID") && has_header(section, "Date"));
  FUZZ_REQUIRE(message->message_id.size() > 2 && message->message_id.front() == '<' &&
               message->message_id.back() == '>');
  FUZZ_REQUIRE(sg::is_valid_utf8(message->subject) && message->subject.size() <= sg::mail::kMaxLineOctets);
  FUZZ_REQUIRE(!message->from.empty() && message->from.find('@') != std::string::npos);
  return 0;
}
