// The SMTP session fed hostile bytes: the input's fields arrive as separate reads, so
// pipelining and lines split across reads are explored. Every reply must be well formed
// (a code, '-' or ' ', printable ASCII, CRLF, under 512 octets), nothing is read after the
// session said to close, and a message handed on is never malformed.
#include <spdlog/spdlog.h>

#include <cctype>

#include "fakes/recording_submission.h"
#include "fuzz_input.h"
#include "smtp/session.h"

namespace {

bool well_formed(std::string_view out) {
  while (!out.empty()) {
    size_t end = out.find("\r\n");
    if (end == std::string_view::npos || end + 2 > 512 || end < 4) return false;
    std::string_view line = out.substr(0, end);
    if (line[0] < '2' || line[0] > '5' || !std::isdigit(line[1]) || !std::isdigit(line[2])) return false;
    if (line[3] != ' ' && line[3] != '-') return false;
    for (char c : line)
      if (c < 0x20 || c > 0x7e) return false;
    out.remove_prefix(end + 2);
  }
  return true;
}

bool clean_message(const std::string& message) {
  if (message.find('\0') != std::string::npos) return false;
  for (size_t i = 0; i < message.size(); ++i) {
    if (message[i] == '\n' && (i == 0 || message[i - 1] != '\r')) return false;
    if (message[i] == '\r' && (i + 1 == message.size() || message[i + 1] != '\n')) return false;
  }
  return message.empty() || message.ends_with("\r\n");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  spdlog::set_level(spdlog::level::off);
  sg::testing::RecordingSubmission submission;
  sg::smtp::SessionOptions options;
  options.max_message_bytes = 4096;
  options.max_recipients = 5;
  options.starttls_available = true;
  sg::smtp::Session session(options, submission, sg::smtp::Peer{"127.0.0.1", true, false});
  FUZZ_REQUIRE(well_formed(session.greeting()));
  for (std::string_view read : sg::fuzz::split_fields(data, size)) {
    std::string out;
    auto next = session.feed(read, out);
    FUZZ_REQUIRE(well_formed(out));
    if (next == sg::smtp::Session::Next::close) break;
    if (next == sg::smtp::Session::Next::start_tls) session.tls_started();
  }
  for (const auto& sent : submission.submitted()) {
    FUZZ_REQUIRE(clean_message(sent.message));
    FUZZ_REQUIRE(sent.message.size() <= options.max_message_bytes);
    FUZZ_REQUIRE(!sent.envelope.recipients.empty() && sent.envelope.recipients.size() <= options.max_recipients);
  }
  return 0;
}
