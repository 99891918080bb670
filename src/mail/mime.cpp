#include "mail/mime.h"

#include <algorithm>
#include <string>

#include "core/email_address.h"
#include "crypto/tokens.h"
#include "mail/header_encoding.h"
#include "mail/quoted_printable.h"

namespace sg::mail {
namespace {

// Keeps the longest header line ("List-Unsubscribe: <url>", "Message-ID: id") under 998.
constexpr std::size_t kMaxTokenHeaderValue = 900;
constexpr std::size_t kMaxBoundary = 70;  // RFC 2046 5.1.1

Error invalid(std::string_view field, std::string message) {
  return Error::invalid(std::string(field), std::string(field) + " " + std::move(message));
}

Status check_no_line_break(std::string_view field, std::string_view value) {
  if (has_line_break(value)) return invalid(field, "must not contain a line break");
  return Status::success();
}

Status check_text(std::string_view field, std::string_view value) {
  if (Status s = check_no_line_break(field, value); !s) return s;
  if (!is_valid_utf8(value)) return invalid(field, "is not valid UTF-8");
  return Status::success();
}

Status check_address(std::string_view field, std::string_view address) {
  if (Status s = check_no_line_break(field, address); !s) return s;
  if (!is_printable_ascii(address))
    return invalid(field, "address '" + std::string(address) + "' is not plain ASCII");
  if (!EmailAddress::parse(address))
    return invalid(field, "address '" + std::string(address) + "' is not a valid email address");
  return Status::success();
}

// Message-ID and the unsubscribe URL sit alone on their header line, unfoldable.
Status check_token(std::string_view field, std::string_view value) {
  if (Status s = check_no_line_break(field, value); !s) return s;
  bool printable =
      std::all_of(value.begin(), value.end(), [](char c) { return c > 0x20 && c < 0x7F; });
  if (!printable) return invalid(field, "must be printable ASCII without spaces");
  if (value.size() > kMaxTokenHeaderValue) return invalid(field, "is too long");
  return Status::success();
}

Status check_message_id(std::string_view id) {
  if (Status s = check_token("message_id", id); !s) return s;
  if (id.size() < 3 || id.front() != '<' || id.back() != '>')
    return invalid("message_id", "must look like <unique@domain>");
  return Status::success();
}

Status check_url(std::string_view url) {
  if (url.empty()) return Status::success();
  if (Status s = check_token("list_unsubscribe_url", url); !s) return s;
  if (url.find_first_of("<>") != std::string_view::npos)
    return invalid("list_unsubscribe_url", "must not contain angle brackets");
  return Status::success();
}

Status validate(const MailMessage& m) {
  Status checks[] = {check_address("from", m.from), check_text("from_name", m.from_name),
                     check_text("subject", m.subject), check_message_id(m.message_id),
                     check_url(m.list_unsubscribe_url)};
  for (const Status& s : checks)
    if (!s) return s;
  for (const std::string& to : m.to)
    if (Status s = check_address("to", to); !s) return s;
  for (const std::string& cc : m.cc)
    if (Status s = check_address("cc", cc); !s) return s;
  return Status::success();
}

Status check_boundary(std::string_view boundary) {
  static constexpr std::string_view kBchars =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ";
  bool ok = !boundary.empty() && boundary.size() <= kMaxBoundary && boundary.back() != ' ' &&
            boundary.find_first_not_of(kBchars) == std::string_view::npos;
  if (!ok) return invalid("boundary", "is not a valid MIME boundary");
  return Status::success();
}

std::string unsubscribe_headers(std::string_view url) {
  return "List-Unsubscribe: <" + std::string(url) + ">\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n";
}

std::string render_headers(const MailMessage& m) {
  std::string out = "Date: " + format_rfc5322_date(m.date) + "\r\n";
  out += mailbox_header("From", m.from_name, m.from) + "\r\n";
  if (!m.to.empty()) out += address_list_header("To", m.to) + "\r\n";
  if (!m.cc.empty()) out += address_list_header("Cc", m.cc) + "\r\n";
  out += unstructured_header("Subject", m.subject) + "\r\n";
  out += "Message-ID: " + m.message_id + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  if (!m.list_unsubscribe_url.empty()) out += unsubscribe_headers(m.list_unsubscribe_url);
  return out;
}

std::string text_part(std::string_view subtype, std::string_view content) {
  return "Content-Type: text/" + std::string(subtype) +
         "; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
         encode_quoted_printable(content);
}

// The CRLF before each delimiter belongs to the delimiter (RFC 2046 5.1.1), so a part's
// own final line break survives.
std::string multipart(const MailMessage& m, std::string_view boundary) {
  std::string delimiter = "--" + std::string(boundary);
  return "Content-Type: multipart/alternative; boundary=\"" + std::string(boundary) +
         "\"\r\n\r\n" + delimiter + "\r\n" + text_part("plain", m.text) + "\r\n" + delimiter +
         "\r\n" + text_part("html", m.html) + "\r\n" + delimiter + "--\r\n";
}

std::string render_body(const MailMessage& m, std::string_view boundary) {
  if (!m.text.empty() && !m.html.empty()) return multipart(m, boundary);
  std::string body = m.html.empty() ? text_part("plain", m.text) : text_part("html", m.html);
  // SMTP and .eml readers expect the message to end with a line break.
  if (!body.ends_with("\r\n")) body += "\r\n";
  return body;
}

}  // namespace

bool has_line_break(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

Result<std::string> with_unsubscribe_headers(std::string_view url, std::string_view mime) {
  if (url.empty()) return invalid("list_unsubscribe_url", "must not be empty");
  if (Status s = check_url(url); !s) return s.error();
  return unsubscribe_headers(url) + std::string(mime);
}

Result<std::string> render_mime(const MailMessage& message) {
  return render_mime(message, "=_" + crypto::random_id(""));
}

Result<std::string> render_mime(const MailMessage& message, std::string_view boundary) {
  if (Status s = validate(message); !s) return s.error();
  if (Status s = check_boundary(boundary); !s) return s.error();
  return render_headers(message) + render_body(message, boundary);
}

}  // namespace sg::mail
