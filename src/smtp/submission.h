// What the SMTP submission listener asks of the rest of Sendguard: who is logging in,
// which envelope sender they may use, and what becomes of a message. The listener knows
// SMTP and nothing of users, the gate or the outbox; it turns these errors into replies
// (smtp/reply_for.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sg::smtp {

// Who a successful AUTH is; handed back on every later call of the session.
struct Login {
  std::string team_id;
  std::string user_id;  // the user who logged in; empty for a relay credential
  std::string username;  // as given at AUTH: the user's email, or the relay credential's name
  std::optional<std::string> relay_credential_id;  // set when a relay credential logged in
};

struct Envelope {
  std::string reverse_path;             // MAIL FROM without <>; empty for the null sender
  std::vector<std::string> recipients;  // every RCPT TO (so Bcc too), in order, without <>
};

class Submission {
 public:
  virtual ~Submission() = default;
  // AUTH PLAIN / LOGIN; `client` is the peer's IP address, for throttling guesses.
  // Errors: unauthorized, rate_limited (with retry_after_seconds).
  virtual Result<Login> authenticate(std::string_view username, std::string_view password,
                                     std::string_view client) = 0;
  // MAIL FROM after AUTH. Errors: forbidden (naming why), invalid_request.
  virtual Status may_send_as(const Login& login, std::string_view reverse_path) = 0;
  // The end of DATA: `message` as received, dot-unstuffed, with CRLF line ends. The id of
  // the queued email, or: recipient_unsubscribed (with recipients), forbidden (From: not
  // the sender's), unsubscribe_check_unavailable, invalid_request, internal_error.
  virtual Result<std::string> submit(const Login& login, const Envelope& envelope, std::string message) = 0;
};

}  // namespace sg::smtp
