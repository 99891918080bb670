#include "mail/smtp_url.h"

#include <algorithm>
#include <charconv>

#include "core/email_address.h"

namespace sg::mail {
namespace {

constexpr std::string_view kField = "smtp_url";

Error invalid(std::string message) {
  return Error::invalid(std::string(kField), std::string(kField) + " " + std::move(message));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    int hi = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
    int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) return invalid("has a malformed %-escape in its user or password");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

Status parse_userinfo(std::string_view userinfo, SmtpUrl& url) {
  std::size_t colon = userinfo.find(':');
  Result<std::string> user = percent_decode(userinfo.substr(0, colon));
  if (!user) return user.error();
  Result<std::string> password =
      percent_decode(colon == std::string_view::npos ? "" : userinfo.substr(colon + 1));
  if (!password) return password.error();
  if (user->empty()) return invalid("has credentials without a user name");
  url.user = std::move(*user);
  url.password = std::move(*password);
  return Status::success();
}

bool valid_host(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    return std::all_of(host.begin() + 1, host.end() - 1, [](char c) {
      return hex_value(c) >= 0 || c == ':' || c == '.';
    });
  }
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '-' || c == '_';
  });
}

Status parse_host_port(std::string_view hostport, SmtpUrl& url) {
  std::size_t colon = hostport.rfind(':');
  if (colon != std::string_view::npos && hostport.find(']', colon) != std::string_view::npos)
    colon = std::string_view::npos;  // the colon is inside an IPv6 literal
  url.host = std::string(hostport.substr(0, colon));
  if (!valid_host(url.host)) return invalid("has no valid host name");
  if (colon == std::string_view::npos) return Status::success();
  std::string_view digits = hostport.substr(colon + 1);
  int port = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || port < 1 ||
      port > 65535)
    return invalid("port must be a number from 1 to 65535");
  url.port = port;
  return Status::success();
}

}  // namespace

std::string SmtpUrl::endpoint() const {
  return std::string(implicit_tls ? "smtps://" : "smtp://") + host + ":" + std::to_string(port);
}

Result<SmtpUrl> parse_smtp_url(std::string_view text) {
  std::size_t scheme_end = text.find("://");
  std::string scheme = lowercase_ascii(text.substr(0, scheme_end));
  if (scheme_end == std::string_view::npos || (scheme != "smtp" && scheme != "smtps"))
    return invalid("must start with smtp:// or smtps://");
  SmtpUrl url;
  url.implicit_tls = scheme == "smtps";
  url.port = url.implicit_tls ? 465 : 25;
  std::string_view rest = text.substr(scheme_end + 3);
  std::size_t authority_end = rest.find_first_of("/?#");
  std::string_view tail = rest.substr(std::min(authority_end, rest.size()));
  if (!tail.empty() && tail != "/") return invalid("must not have a path, query or fragment");
  std::string_view authority = rest.substr(0, authority_end);
  std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    if (Status s = parse_userinfo(authority.substr(0, at), url); !s) return s.error();
    authority = authority.substr(at + 1);
  }
  if (Status s = parse_host_port(authority, url); !s) return s.error();
  return url;
}

}  // namespace sg::mail
