// MailMessage and render_mime: turns one outgoing email into RFC 5322 text
// (CRLF line ends): encoded non-ASCII headers (RFC 2047), quoted-printable UTF-8 bodies,
// multipart/alternative when both text and HTML are given, RFC 8058 unsubscribe headers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace sg::mail {

struct MailMessage {
  std::string from;                  // sender address, e.g. "ann@acme.com"
  std::string from_name;             // optional display name, may be non-ASCII
  std::vector<std::string> to;       // shown in To:
  std::vector<std::string> cc;       // shown in Cc:; Bcc is never rendered
  std::string subject;
  std::string text;                  // plain-text body, may be empty when html is set
  std::string html;                  // HTML body, may be empty
  std::string message_id;            // "<unique@domain>", angle brackets included
  TimePoint date;
  std::string list_unsubscribe_url;  // adds List-Unsubscribe(-Post) when non-empty
};

// Fails with invalid_request when any header value holds CR or LF (header injection)
// or an address is not plain ASCII. Also rejected: an address that is not a mailbox,
// a message_id without angle brackets, text that is not UTF-8. Error::field names the
// MailMessage member at fault. Thread-safe.
Result<std::string> render_mime(const MailMessage& message);
// As above with a given multipart boundary, for reproducible output in tests. The boundary
// must not occur in the encoded parts; one starting with "=_" never does (quoted-printable
// writes '=' only before two hex digits or a line end).
Result<std::string> render_mime(const MailMessage& message, std::string_view boundary);

// `mime` (a whole message) with the RFC 8058 one-click unsubscribe headers for `url`
// prepended, as render_mime writes them. Errors: invalid_request when `url` is empty or
// cannot sit alone on a header line.
Result<std::string> with_unsubscribe_headers(std::string_view url, std::string_view mime);

// True when text holds a CR or LF, which no header value may.
bool has_line_break(std::string_view text);

}  // namespace sg::mail
