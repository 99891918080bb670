// Reading Marketo webhook bodies as its payload template renders them.
#include "http/webhook_body.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace sg::http {
namespace {

Result<settings::WebhookCall> parse(const std::string& json) {
  return parse_webhook_call(boost::json::parse(json).as_object());
}

std::string field_of(const Result<settings::WebhookCall>& r) {
  return r ? "" : r.error().field;
}

TEST(WebhookBody, ReadsTheTemplatesRendering) {
  auto r = parse(R"({"email": "Ann@X.com", "unsubscribed": true, "leadId": 318})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ("ann@x.com", r->email_key);
  EXPECT_TRUE(r->unsubscribed);
  EXPECT_EQ(318, r->lead_id);
}

TEST(WebhookBody, UnsubscribedComesInEveryFormMarketoRenders) {
  for (const char* yes : {"true", "\"true\"", "\"1\"", "1"})
    EXPECT_TRUE(parse(std::string(R"({"email": "a@x.com", "unsubscribed": )") + yes + "}")->unsubscribed) << yes;
  for (const char* no : {"false", "\"false\"", "\"0\"", "0"})
    EXPECT_FALSE(parse(std::string(R"({"email": "a@x.com", "unsubscribed": )") + no + "}")->unsubscribed) << no;
}

TEST(WebhookBody, LeadIdIsOptionalAndMayBeAString) {
  EXPECT_EQ(std::nullopt, parse(R"({"email": "a@x.com", "unsubscribed": true})")->lead_id);
  EXPECT_EQ(std::nullopt, parse(R"({"email": "a@x.com", "unsubscribed": true, "leadId": null})")->lead_id);
  EXPECT_EQ(7, parse(R"({"email": "a@x.com", "unsubscribed": true, "leadId": "7"})")->lead_id);
}

TEST(WebhookBody, BadInputNamesTheField) {
  EXPECT_EQ("email", field_of(parse(R"({"unsubscribed": true})")));
  EXPECT_EQ("email", field_of(parse(R"({"email": 5, "unsubscribed": true})")));
  EXPECT_EQ("email", field_of(parse(R"({"email": ["a@x.com"], "unsubscribed": true})")));
  EXPECT_EQ("email", field_of(parse(R"({"email": "not an address", "unsubscribed": true})")));
  EXPECT_EQ("unsubscribed", field_of(parse(R"({"email": "a@x.com"})")));
  for (const char* bad : {"\"yes\"", "\"\"", "2", "null", "[true]", "{}", "1.0"})
    EXPECT_EQ("unsubscribed", field_of(parse(std::string(R"({"email": "a@x.com", "unsubscribed": )") + bad + "}")))
        << bad;
  for (const char* bad : {"-1", "0", "\"12a\"", "\"\"", "1.5", "true", "18446744073709551615", "[1]"})
    EXPECT_EQ("leadId", field_of(parse(std::string(R"({"email": "a@x.com", "unsubscribed": true, "leadId": )") +
                                       bad + "}")))
        << bad;
}

}  // namespace
}  // namespace sg::http
