// Reply: one SMTP reply (RFC 5321 4.2) with its enhanced status code (RFC 2034, RFC 3463),
// and its wire form. Whatever text goes in, the wire form is printable ASCII, one line per
// text line with '-' continuation, each line under the 512-octet reply limit.
#pragma once

#include <string>
#include <vector>

namespace sg::smtp {

struct Reply {
  int code = 250;
  std::string enhanced;            // "2.0.0"; empty where RFC 2034 has none (220, 334, 354, EHLO)
  std::vector<std::string> lines;  // at least one

  // The reply as sent: "250-first\r\n250 2.0.0 last\r\n".
  std::string wire() const;
};

Reply reply(int code, std::string enhanced, std::string text);

// The longest text a reply line may carry: 512 octets less code, status, spaces and CRLF.
inline constexpr size_t kMaxReplyText = 480;

}  // namespace sg::smtp
