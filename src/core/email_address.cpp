#include "core/email_address.h"

#include <algorithm>
#include <cctype>

namespace sg {
namespace {

constexpr size_t kMaxLocal = 64;
constexpr size_t kMaxDomain = 255;
constexpr size_t kMaxPath = 254;  // RFC 5321 path limit of 256 less the angle brackets

bool is_atext(char c) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~";
  return std::isalnum(static_cast<unsigned char>(c)) || kSpecials.find(c) != std::string_view::npos;
}

bool valid_dot_string(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char prev = 0;
  for (char c : s) {
    if (c == '.' && prev == '.') return false;
    if (c != '.' && !is_atext(c)) return false;
    prev = c;
  }
  return true;
}

bool valid_quoted_string(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      if (++i + 1 >= s.size()) return false;
      c = static_cast<unsigned char>(s[i]);
      if (c < 32 || c > 126) return false;
    } else if (c < 32 || c > 126 || c == '"') {
      return false;
    }
  }
  return true;
}

bool valid_label(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

bool valid_domain(std::string_view d) {
  if (d.empty() || d.size() > kMaxDomain) return false;
  if (d.front() == '[') {  // address literal, e.g. [192.0.2.1] or [IPv6:...]
    if (d.back() != ']' || d.size() < 3) return false;
    return std::all_of(d.begin() + 1, d.end() - 1, [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ':';
    });
  }
  size_t start = 0;
  while (true) {
    size_t dot = d.find('.', start);
    if (!valid_label(d.substr(start, dot == std::string_view::npos ? dot : dot - start)))
      return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

}  // namespace

std::string lowercase_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Result<EmailAddress> EmailAddress::parse(std::string_view text) {
  auto fail = [&] {
    return Error::invalid("", "'" + std::string(text) + "' is not a valid email address");
  };
  if (text.empty() || text.size() > kMaxPath) return fail();
  size_t at = text.rfind('@');
  if (at == std::string_view::npos || at == 0) return fail();
  std::string_view local = text.substr(0, at);
  std::string_view domain = text.substr(at + 1);
  if (local.size() > kMaxLocal) return fail();
  bool local_ok = local.front() == '"' ? valid_quoted_string(local) : valid_dot_string(local);
  if (!local_ok || !valid_domain(domain)) return fail();
  return EmailAddress(std::string(text), lowercase_ascii(text));
}

}  // namespace sg
