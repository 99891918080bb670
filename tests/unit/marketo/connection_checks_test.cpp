#include <gtest/gtest.h>

#include "client_harness.h"
#include "marketo_fixtures.h"

namespace sg::marketo {
namespace {

using namespace test;  // the doubles and fixtures of this folder

const ConnectionCheck& check(const ConnectionReport& report, std::string_view name) {
  for (const ConnectionCheck& c : report.checks)
    if (c.name == name) return c;
  throw std::runtime_error("no check " + std::string(name));
}

TEST(ConnectionChecks, AGoodConnectionPassesEveryReadAndLeavesTheWriteBackUnknown) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(leads_json({}))});
  h.http.script(kActivityTypesPath, {ok(success_json(""))});
  ConnectionReport report = h.client.verify(credentials());
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(4u, report.checks.size());
  EXPECT_EQ(std::optional(true), check(report, kTokenCheck).ok);
  EXPECT_EQ(std::optional(true), check(report, kLeadLookupCheck).ok);
  EXPECT_EQ(std::optional(true), check(report, kActivityReadCheck).ok);
  const ConnectionCheck& write = check(report, kWriteBackCheck);
  EXPECT_EQ(std::nullopt, write.ok);
  EXPECT_NE(std::string::npos, write.warning.find("Read-Write Lead"));
  EXPECT_TRUE(h.http.requests_to("/rest/v1/leads.json").size() == 1u) << "nothing is written to test writing";
  for (const auto& request : h.http.requests_to("/rest/")) EXPECT_EQ("GET", request.method) << request.url;
}

TEST(ConnectionChecks, EachMissingReadPermissionIsNamed) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(error_json("603", "Access denied"))});
  h.http.script(kActivityTypesPath, {ok(error_json("603", "Access denied"))});
  ConnectionReport report = h.client.verify(credentials());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ("marketo_access_denied", report.error().code);
  const ConnectionCheck& leads = check(report, kLeadLookupCheck);
  const ConnectionCheck& activity = check(report, kActivityReadCheck);
  EXPECT_EQ(std::optional(false), leads.ok);
  EXPECT_EQ("marketo_access_denied", leads.code);
  EXPECT_NE(std::string::npos, leads.message.find("Read-Only Lead")) << leads.message;
  EXPECT_EQ(std::optional(false), activity.ok);
  EXPECT_NE(std::string::npos, activity.message.find("Read-Only Activity")) << activity.message;
}

TEST(ConnectionChecks, OnlyTheActivityReadMayFail) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(leads_json({}))});
  h.http.script(kActivityTypesPath, {ok(error_json("603", "Access denied"))});
  ConnectionReport report = h.client.verify(credentials());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(std::optional(true), check(report, kLeadLookupCheck).ok);
  EXPECT_EQ(std::optional(false), check(report, kActivityReadCheck).ok);
}

TEST(ConnectionChecks, AWrongRestUrlIsNamedAsSuch) {
  for (Reply reply : {ok(error_json("610", "Requested resource not found")), http(404, "nothing here")}) {
    ClientHarness h;
    h.http.script(kLeadsPath, {reply});
    h.http.script(kActivityTypesPath, {reply});
    ConnectionReport report = h.client.verify(credentials());
    ASSERT_FALSE(report.ok());
    EXPECT_EQ("marketo_rest_unreachable", report.error().code) << "the refusal's code is unchanged";
    const ConnectionCheck& leads = check(report, kLeadLookupCheck);
    EXPECT_EQ("marketo_rest_not_found", leads.code);
    EXPECT_NE(std::string::npos, leads.message.find("/rest")) << leads.message;
  }
}

TEST(ConnectionChecks, WithoutATokenNothingElseIsTriedAndNoEndpointTextIsEchoed) {
  ClientHarness h;
  h.http.script(kTokenPath, {http(401, R"({"error":"unauthorized","error_description":"<b>evil</b>"})")});
  ConnectionReport report = h.client.verify(credentials());
  ASSERT_FALSE(report.ok());
  const ConnectionCheck& token = check(report, kTokenCheck);
  EXPECT_EQ(std::optional(false), token.ok);
  EXPECT_EQ("marketo_auth_failed", token.code);
  EXPECT_EQ(std::string::npos, token.message.find("evil"));
  for (std::string_view name : {kLeadLookupCheck, kActivityReadCheck, kWriteBackCheck})
    EXPECT_EQ(std::nullopt, check(report, name).ok) << name;
  EXPECT_TRUE(h.http.requests_to("/rest/").empty());
}

}  // namespace
}  // namespace sg::marketo
