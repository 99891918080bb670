// The delivery report read back with GMime, as a mail client would read it.
#include "mail/delivery_report.h"

#include <gtest/gtest.h>

#include "mail/gmime_objects.h"

namespace sg::mail {
namespace {

DeliveryReport report() {
  DeliveryReport r;
  r.reporting_mta = "sg.example";
  r.from = "mailer-daemon@sg.example";
  r.to = "ann@acme.com";
  r.message_id = "<dsn_1@sg.example>";
  r.date = from_unix_millis(1'780'000'000'000);
  r.explanation = "Not sent: bob@x.com unsubscribed.\n";
  r.recipients = {{"bob@x.com", "550 5.7.1 recipient unsubscribed (marketo_unsubscribed)"},
                  {"eve@x.com", "550 5.7.1 recipient unsubscribed (suppressed)"}};
  r.original_headers = "From: ann@acme.com\r\nTo: bob@x.com\r\nSubject: Pricing\r\n";
  return r;
}

std::string content_of(GMimeObject* part) {
  GMimeDataWrapper* wrapper = g_mime_part_get_content(GMIME_PART(part));
  gmime::Ptr<GMimeStream> out(g_mime_stream_mem_new());
  g_mime_data_wrapper_write_to_stream(wrapper, out.get());
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out.get()));
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

TEST(DeliveryReport, IsAMultipartReportOfDeliveryStatus) {
  std::string mime = render_delivery_report(report());
  auto message = gmime::parse_message(mime);
  ASSERT_TRUE(message);
  EXPECT_STREQ("dsn_1@sg.example", g_mime_message_get_message_id(message.get()));
  InternetAddressList* to = g_mime_message_get_to(message.get());
  ASSERT_EQ(1, internet_address_list_length(to));
  EXPECT_STREQ("ann@acme.com",
               internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(internet_address_list_get_address(to, 0))));

  GMimeObject* body = g_mime_message_get_mime_part(message.get());
  ASSERT_TRUE(GMIME_IS_MULTIPART(body));
  GMimeContentType* type = g_mime_object_get_content_type(body);
  EXPECT_TRUE(g_mime_content_type_is_type(type, "multipart", "report"));
  EXPECT_STREQ("delivery-status", g_mime_content_type_get_parameter(type, "report-type"));

  GMimeMultipart* parts = GMIME_MULTIPART(body);
  ASSERT_EQ(3, g_mime_multipart_get_count(parts));
  GMimeObject* human = g_mime_multipart_get_part(parts, 0);
  GMimeObject* status = g_mime_multipart_get_part(parts, 1);
  GMimeObject* headers = g_mime_multipart_get_part(parts, 2);
  EXPECT_TRUE(g_mime_content_type_is_type(g_mime_object_get_content_type(human), "text", "plain"));
  EXPECT_TRUE(g_mime_content_type_is_type(g_mime_object_get_content_type(status), "message", "delivery-status"));
  EXPECT_TRUE(g_mime_content_type_is_type(g_mime_object_get_content_type(headers), "text", "rfc822-headers"));

  EXPECT_NE(std::string::npos, content_of(human).find("bob@x.com unsubscribed"));
  std::string fields = content_of(status);
  EXPECT_NE(std::string::npos, fields.find("Reporting-MTA: dns; sg.example")) << fields;
  for (std::string rcpt : {"bob@x.com", "eve@x.com"})
    EXPECT_NE(std::string::npos, fields.find("Final-Recipient: rfc822; " + rcpt)) << fields;
  EXPECT_NE(std::string::npos, fields.find("Action: failed")) << fields;
  EXPECT_NE(std::string::npos, fields.find("Status: 5.7.1")) << fields;
  const std::string diagnostic = "Diagnostic-Code: smtp; 550 5.7.1 recipient unsubscribed (marketo_unsubscribed)";
  EXPECT_NE(std::string::npos, fields.find(diagnostic)) << fields;
  EXPECT_NE(std::string::npos, content_of(headers).find("Subject: Pricing")) << content_of(headers);
}

TEST(DeliveryReport, UsesCrlfLineEnds) {
  std::string mime = render_delivery_report(report());
  for (size_t i = mime.find('\n'); i != std::string::npos; i = mime.find('\n', i + 1))
    ASSERT_EQ('\r', mime[i - 1]) << "a bare LF at " << i;
}

}  // namespace
}  // namespace sg::mail
