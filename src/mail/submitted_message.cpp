#include "mail/submitted_message.h"

#include <chrono>

#include "core/email_address.h"
#include "core/utf8.h"
#include "crypto/tokens.h"
#include "mail/gmime_objects.h"

namespace sg::mail {
namespace {

Error invalid(std::string message) { return Error::invalid("message", std::move(message)); }

// GMime keeps each header's raw, possibly folded, value: every physical line it spans,
// the first one with the name, must fit.
Status check_header_lines(GMimeHeaderList* headers) {
  for (int i = 0; i < g_mime_header_list_get_count(headers); ++i) {
    GMimeHeader* header = g_mime_header_list_get_header_at(headers, i);
    const char* raw = g_mime_header_get_raw_value(header);
    std::string_view name = g_mime_header_get_name(header);
    std::string text = std::string(name) + ":" + (raw != nullptr ? raw : "");
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      size_t length = end - start - (end > start && text[end - 1] == '\r' ? 1 : 0);
      if (length > kMaxLineOctets)
        return invalid("the " + std::string(name) + ": header has a line of " + std::to_string(length) +
                       " octets; at most " + std::to_string(kMaxLineOctets) + " are allowed (RFC 5322)");
      start = end + 1;
    }
  }
  return Status::success();
}

std::vector<std::string> mailboxes(InternetAddressList* list) {
  std::vector<std::string> out;
  if (list == nullptr) return out;
  for (int i = 0; i < internet_address_list_length(list); ++i) {
    InternetAddress* address = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_MAILBOX(address)) {
      out.emplace_back(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(address)));
    } else if (INTERNET_ADDRESS_IS_GROUP(address)) {
      auto members = mailboxes(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(address)));
      out.insert(out.end(), members.begin(), members.end());
    }
  }
  return out;
}

void add_date(GMimeMessage* message, TimePoint now) {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  GDateTime* date = g_date_time_new_from_unix_utc(seconds);
  g_mime_message_set_date(message, date);
  g_date_time_unref(date);
}

}  // namespace

Result<SubmittedMessage> read_submitted_message(std::string_view raw, std::string_view mail_domain, TimePoint now) {
  auto message = gmime::parse_message(raw);
  if (!message) return invalid("the message could not be read as MIME");
  GMimeObject* object = GMIME_OBJECT(message.get());
  if (Status s = check_header_lines(g_mime_object_get_header_list(object)); !s) return s.error();

  SubmittedMessage out;
  auto from = mailboxes(g_mime_message_get_from(message.get()));
  if (from.size() != 1) return invalid("the From: header must name exactly one mailbox");
  if (!EmailAddress::parse(from.front()))
    return invalid("the From: header's address '" + from.front() + "' is not an email address");
  out.from = from.front();
  out.to = mailboxes(g_mime_message_get_to(message.get()));
  out.cc = mailboxes(g_mime_message_get_cc(message.get()));
  // GMime decodes RFC 2047 and reads undeclared 8-bit text as Latin-1 when it is not
  // UTF-8; anything still invalid is replaced rather than stored.
  const char* subject = g_mime_message_get_subject(message.get());
  out.subject = sanitize_utf8(subject != nullptr ? subject : "", kMaxLineOctets);

  // Bcc: is for the envelope, never for the readers.
  while (g_mime_object_remove_header(object, "Bcc")) {
  }
  if (const char* id = g_mime_message_get_message_id(message.get()); id != nullptr && *id != '\0') {
    out.message_id = "<" + std::string(id) + ">";
  } else {
    std::string generated = crypto::random_id("") + "@" + std::string(mail_domain);
    g_mime_message_set_message_id(message.get(), generated.c_str());
    out.message_id = "<" + generated + ">";
  }
  if (g_mime_object_get_header(object, "Date") == nullptr) add_date(message.get(), now);
  out.mime = gmime::serialise(object);
  return out;
}

std::string header_section(std::string_view mime) {
  auto message = gmime::parse_message(mime);
  if (!message) return "";
  return gmime::take_string(g_mime_object_get_headers(GMIME_OBJECT(message.get()), gmime::crlf_format().get()));
}

}  // namespace sg::mail
