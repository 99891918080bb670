// SmtpUrl: where the SMTP relay is and how to log in, parsed once from configuration
// ("smtp://[user[:password]@]host[:port]" or "smtps://..."). Pure value type.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace sg::mail {

struct SmtpUrl {
  bool implicit_tls = false;  // smtps://: TLS from the first byte; smtp:// may upgrade by STARTTLS
  std::string host;           // an IPv6 literal keeps its brackets
  int port = 25;              // 25 for smtp://, 465 for smtps:// when the URL names none
  std::string user;           // percent-decoded; empty: no authentication
  std::string password;       // percent-decoded

  // "smtp://host:port" without credentials, safe to log.
  std::string endpoint() const;
};

// Fails with invalid_request on field "smtp_url" and a message saying what is wrong;
// the message never repeats the URL, which may hold a password.
Result<SmtpUrl> parse_smtp_url(std::string_view url);

}  // namespace sg::mail
