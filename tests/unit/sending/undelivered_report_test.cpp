#include "sending/undelivered_report.h"

#include <gtest/gtest.h>

namespace sg::sending {
namespace {

store::EmailRecord email() {
  store::EmailRecord e;
  e.id = "em_1";
  e.from = "ann@acme.com";
  e.subject = "Pricing";
  e.to = {"lead@x.com", "gone@x.com"};
  return e;
}

const std::string kSubmitted = "From: ann@acme.com\r\nTo: lead@x.com, gone@x.com\r\nSubject: Pricing\r\n\r\nbody\r\n";
const TimePoint kNow = from_unix_millis(1'780'000'000'000);

TEST(UndeliveredReport, GoesToTheSenderNamingEachStoppedRecipientAndWhy) {
  auto r = undelivered_report(email(), kSubmitted, {{"gone@x.com", "marketo_unsubscribed"}, {"x@y.com", "suppressed"}},
                              "sg.example", kNow);
  EXPECT_EQ("ann@acme.com", r.to);
  EXPECT_EQ("mailer-daemon@sg.example", r.from);
  EXPECT_EQ("sg.example", r.reporting_mta);
  ASSERT_EQ(2u, r.recipients.size());
  EXPECT_EQ("gone@x.com", r.recipients[0].address);
  EXPECT_NE(std::string::npos, r.recipients[0].diagnostic.find("marketo_unsubscribed"));
  EXPECT_NE(std::string::npos, r.recipients[1].diagnostic.find("suppressed"));
  EXPECT_NE(std::string::npos, r.explanation.find("gone@x.com (marketo_unsubscribed)")) << r.explanation;
  EXPECT_NE(std::string::npos, r.explanation.find("\"Pricing\""));
  EXPECT_EQ(std::string::npos, r.explanation.find("already been delivered"));
  EXPECT_NE(std::string::npos, r.original_headers.find("Subject: Pricing\r\n"));
  EXPECT_EQ(std::string::npos, r.original_headers.find("body"));
}

TEST(UndeliveredReport, SaysWhoGotACopyBeforeTheCheckStoppedTheRest) {
  auto e = email();
  e.delivered = {"lead@x.com"};  // handed to the relay before a crash
  auto r = undelivered_report(e, kSubmitted, {{"gone@x.com", "marketo_unsubscribed"}}, "sg.example", kNow);
  EXPECT_NE(std::string::npos, r.explanation.find("already been delivered to:\n\n  lead@x.com")) << r.explanation;
}

}  // namespace
}  // namespace sg::sending
