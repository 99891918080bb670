// Reading the "recipients" array of bulk sends and enrollments, and the HTTP statuses of
// the error codes those routes answer with.
#include "http/recipients_body.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "http/errors.h"

namespace sg::http {
namespace {

boost::json::object body(const std::string& json) { return boost::json::parse(json).as_object(); }

TEST(RecipientsBody, ReadsEmailsAndVarsInOrder) {
  auto r = parse_recipients(body(
      R"({"recipients": [{"email": "Ann@X.com", "vars": {"first": "Ann", "n": 42, "big": 18446744073709551615, "x": 1.5}},
                         {"email": "bob@x.com"}, {"email": "cat@x.com", "vars": null}]})"));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(3u, r->size());
  EXPECT_EQ("Ann@X.com", (*r)[0].email);
  EXPECT_EQ("Ann", (*r)[0].vars.at("first"));
  EXPECT_EQ("42", (*r)[0].vars.at("n"));
  EXPECT_EQ("18446744073709551615", (*r)[0].vars.at("big"));
  EXPECT_EQ(4u, (*r)[0].vars.size());
  EXPECT_EQ("bob@x.com", (*r)[1].email);
  EXPECT_TRUE((*r)[1].vars.empty());
  EXPECT_TRUE((*r)[2].vars.empty());
}

TEST(RecipientsBody, FractionalNumbersReadAsPeopleWriteThem) {
  // A var feeds an email a person reads: 1.5 must read "1.5", not an exponent form.
  auto r = parse_recipients(body(R"({"recipients": [{"email": "a@x.com", "vars": {"x": 1.5, "price": 9.99}}]})"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ("1.5", (*r)[0].vars.at("x"));
  EXPECT_EQ("9.99", (*r)[0].vars.at("price"));
}

TEST(RecipientsBody, NumbersBeyondDoubleRangeAreRefusedNotWrittenAsInf) {
  // Boost.JSON parses 1e999 to infinity; an email must never read "inf".
  for (const char* json : {R"({"recipients": [{"email": "a@x.com", "vars": {"total": 1e999}}]})",
                           R"({"recipients": [{"email": "a@x.com", "vars": {"total": -9.99e308}}]})"}) {
    auto r = parse_recipients(body(json));
    ASSERT_FALSE(r) << json;
    EXPECT_EQ("recipients[0].vars.total", r.error().field) << json;
  }
}

TEST(RecipientsBody, AnEmptyArrayIsReadAndLeftToTheServiceToRefuse) {
  auto r = parse_recipients(body(R"({"recipients": []})"));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
}

TEST(RecipientsBody, MissingOrNonArrayRecipientsNamesTheField) {
  for (const char* json : {R"({})", R"({"recipients": "a@x.com"})", R"({"recipients": null})"}) {
    auto r = parse_recipients(body(json));
    ASSERT_FALSE(r) << json;
    EXPECT_EQ("invalid_request", r.error().code);
    EXPECT_EQ("recipients", r.error().field) << json;
  }
}

TEST(RecipientsBody, ErrorsNameTheElement) {
  struct Case {
    const char* json;
    const char* field;
  };
  const Case cases[] = {
      {R"({"recipients": [{"email": "a@x.com"}, "b@x.com"]})", "recipients[1]"},
      {R"({"recipients": [{"vars": {}}]})", "recipients[0].email"},
      {R"({"recipients": [{"email": 7}]})", "recipients[0].email"},
      {R"({"recipients": [{"email": "a@x.com", "vars": ["x"]}]})", "recipients[0].vars"},
      {R"({"recipients": [{"email": "a@x.com"}, {"email": "b@x.com", "vars": {"first": true}}]})",
       "recipients[1].vars.first"},
      {R"({"recipients": [{"email": "a@x.com", "vars": {"first": null}}]})", "recipients[0].vars.first"},
      {R"({"recipients": [{"email": "a@x.com", "vars": {"first": {"a": "b"}}}]})", "recipients[0].vars.first"},
  };
  for (const auto& c : cases) {
    auto r = parse_recipients(body(c.json));
    ASSERT_FALSE(r) << c.json;
    EXPECT_EQ("invalid_request", r.error().code) << c.json;
    EXPECT_EQ(c.field, r.error().field) << c.json;
  }
}

TEST(ErrorStatus, BulkAndCampaignCodesMapToTheirStatuses) {
  EXPECT_EQ(400, status_for("invalid_request"));
  EXPECT_EQ(404, status_for("not_found"));
  EXPECT_EQ(409, status_for("idempotency_key_reused"));
  EXPECT_EQ(409, status_for("already_enrolled"));  // a conflict, not a server fault
}

TEST(ErrorStatus, AlreadyEnrolledBodyListsTheAddresses) {
  auto res = error_response(Error{"already_enrolled", "already active in this campaign: ann@x.com", {}, {"ann@x.com"}});
  EXPECT_EQ(409, res.status);
  auto v = boost::json::parse(res.body);
  EXPECT_EQ("already_enrolled", v.at("error").at("code").as_string());
  EXPECT_EQ(boost::json::array({"ann@x.com"}), v.at("error").at("recipients").as_array());
}

}  // namespace
}  // namespace sg::http
