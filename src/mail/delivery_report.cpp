#include "mail/delivery_report.h"

#include <chrono>

#include "mail/gmime_objects.h"

namespace sg::mail {
namespace {

using gmime::Ptr;

// A leaf part of the given type holding `content` as it is.
Ptr<GMimePart> part_with(const char* type, const char* subtype, const std::string& content) {
  Ptr<GMimePart> part(g_mime_part_new_with_type(type, subtype));
  Ptr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(content.data(), content.size()));
  Ptr<GMimeDataWrapper> wrapper(g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content(part.get(), wrapper.get());
  g_mime_part_set_content_encoding(
      part.get(), g_mime_part_get_best_content_encoding(part.get(), GMIME_ENCODING_CONSTRAINT_8BIT));
  return part;
}

// RFC 3464 2.2 and 2.3: the per-message fields, then one block per recipient.
std::string delivery_status(const DeliveryReport& report) {
  std::string out = "Reporting-MTA: dns; " + report.reporting_mta + "\n";
  for (const auto& r : report.recipients)
    out += "\nFinal-Recipient: rfc822; " + r.address + "\nAction: failed\nStatus: 5.7.1\nDiagnostic-Code: smtp; " +
           r.diagnostic + "\n";
  return out;
}

std::string without_brackets(const std::string& id) {
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') return id.substr(1, id.size() - 2);
  return id;
}

}  // namespace

std::string render_delivery_report(const DeliveryReport& report) {
  gmime::ensure_initialised();
  Ptr<GMimeMessage> message(g_mime_message_new(TRUE));
  g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_FROM, "Mail Delivery System", report.from.c_str());
  g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_TO, nullptr, report.to.c_str());
  g_mime_message_set_subject(message.get(), "Undelivered Mail Returned to Sender", "utf-8");
  g_mime_message_set_message_id(message.get(), without_brackets(report.message_id).c_str());
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(report.date.time_since_epoch()).count();
  GDateTime* date = g_date_time_new_from_unix_utc(seconds);
  g_mime_message_set_date(message.get(), date);
  g_date_time_unref(date);

  Ptr<GMimeMultipart> multipart(g_mime_multipart_new_with_subtype("report"));
  g_mime_object_set_content_type_parameter(GMIME_OBJECT(multipart.get()), "report-type", "delivery-status");
  Ptr<GMimeTextPart> text(g_mime_text_part_new_with_subtype("plain"));
  g_mime_text_part_set_text(text.get(), report.explanation.c_str());
  g_mime_multipart_add(multipart.get(), GMIME_OBJECT(text.get()));
  auto status = part_with("message", "delivery-status", delivery_status(report));
  g_mime_multipart_add(multipart.get(), GMIME_OBJECT(status.get()));
  auto headers = part_with("text", "rfc822-headers", report.original_headers);
  g_mime_multipart_add(multipart.get(), GMIME_OBJECT(headers.get()));
  g_mime_message_set_mime_part(message.get(), GMIME_OBJECT(multipart.get()));
  return gmime::serialise(GMIME_OBJECT(message.get()));
}

}  // namespace sg::mail
