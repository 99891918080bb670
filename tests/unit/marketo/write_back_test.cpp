#include <gtest/gtest.h>

#include "client_harness.h"

namespace sg::marketo {
namespace {

using namespace test;  // the doubles and fixtures of this folder

const std::string kReason = "One-click unsubscribe from sales email";

bool by_id(const net::Request& request) { return request.body.find(R"("lookupField":"id")") != std::string::npos; }
bool by_email(const net::Request& request) {
  return request.method == "POST" && request.body.find(R"("lookupField":"email")") != std::string::npos;
}

std::vector<net::Request> matching(const FakeHttp& http, bool (*want)(const net::Request&)) {
  std::vector<net::Request> out;
  for (const auto& request : http.requests_to(kLeadsPath)) {
    if (want(request)) out.push_back(request);
  }
  return out;
}

// Marketo's side of a write-back in which dup@x.com belongs to leads 11 and 12.
Reply shared_address_marketo(const net::Request& request) {
  if (request.method == "GET")
    return ok(success_json(R"({"id":11,"email":"Dup@X.com"},{"id":12,"email":"dup@x.com"})"));
  if (by_id(request)) return ok(success_json(updated(11) + "," + updated(12)));
  return ok(success_json(skipped("1007", "Multiple lead match lookup criteria") + "," + updated(5)));
}

TEST(MarketoWriteBack, UnsubscribePostsUpdateOnlyByEmailWithTheReason) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(success_json(updated(1141)))});
  auto result = h.client.unsubscribe(credentials(), {"ann@x.com"}, kReason);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(1u, result->size());
  EXPECT_EQ("ann@x.com", (*result)[0].email);
  EXPECT_EQ(WriteBackStatus::updated, (*result)[0].status);
  EXPECT_EQ(std::vector<int64_t>{1141}, (*result)[0].lead_ids);
  const auto requests = h.http.requests_to(kLeadsPath);
  ASSERT_EQ(1u, requests.size());
  EXPECT_EQ("POST", requests[0].method);
  EXPECT_EQ("https://123-ABC-456.mktorest.com/rest/v1/leads.json", requests[0].url);
  EXPECT_EQ("application/json", header(requests[0], "Content-Type"));
  EXPECT_EQ("Bearer tok-1", header(requests[0], "Authorization"));
  EXPECT_EQ(R"({"action":"updateOnly","lookupField":"email","input":[{"email":"ann@x.com","unsubscribed":true,)"
            R"("unsubscribedReason":"One-click unsubscribe from sales email"}]})",
            requests[0].body);
  EXPECT_EQ(1u, h.calls("update", "success"));
}

TEST(MarketoWriteBack, UnsubscribeReportsEachRecordInInputOrder) {
  ClientHarness h;
  h.http.script(kLeadsPath,
                {ok(success_json(skipped("1004") + "," + updated(7) + "," + skipped("1003", "Invalid value")))});
  auto result = h.client.unsubscribe(credentials(), {"gone@x.com", "bob@y.com", "bad@z.com"}, kReason);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(3u, result->size());
  EXPECT_EQ("gone@x.com", (*result)[0].email);
  EXPECT_EQ(WriteBackStatus::not_found, (*result)[0].status);
  EXPECT_TRUE((*result)[0].lead_ids.empty());
  EXPECT_EQ(WriteBackStatus::updated, (*result)[1].status);
  EXPECT_EQ(WriteBackStatus::rejected, (*result)[2].status);
  EXPECT_EQ("1003 Invalid value", (*result)[2].reason);
  EXPECT_EQ(1u, h.http.requests_to(kLeadsPath).size()) << "only 1007 needs more calls";
}

TEST(MarketoWriteBack, UnsubscribeUpdatesEachLeadOfASharedAddressById) {
  // Given dup@x.com matching two leads (1007), then their ids are looked up by email and
  // both leads are updated by id; the address is reported updated with both ids.
  ClientHarness h;
  h.http.handle(kLeadsPath, shared_address_marketo);
  auto result = h.client.unsubscribe(credentials(), {"dup@x.com", "ann@x.com"}, kReason);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(2u, result->size());
  EXPECT_EQ("dup@x.com", (*result)[0].email);
  EXPECT_EQ(WriteBackStatus::updated, (*result)[0].status);
  EXPECT_EQ((std::vector<int64_t>{11, 12}), (*result)[0].lead_ids);
  EXPECT_EQ(WriteBackStatus::updated, (*result)[1].status);
  EXPECT_EQ(std::vector<int64_t>{5}, (*result)[1].lead_ids);

  const auto requests = h.http.requests_to(kLeadsPath);
  ASSERT_EQ(3u, requests.size());
  EXPECT_EQ(
      "https://123-ABC-456.mktorest.com/rest/v1/leads.json?filterType=email&filterValues=dup%40x.com&fields=id,email",
      requests[1].url);
  EXPECT_EQ(R"({"action":"updateOnly","lookupField":"id","input":[)"
            R"({"id":11,"unsubscribed":true,"unsubscribedReason":"One-click unsubscribe from sales email"},)"
            R"({"id":12,"unsubscribed":true,"unsubscribedReason":"One-click unsubscribe from sales email"}]})",
            requests[2].body);
  EXPECT_EQ(2u, h.calls("update", "success"));
  EXPECT_EQ(1u, h.calls("lookup", "success"));
}

TEST(MarketoWriteBack, UnsubscribeOfASharedAddressKeepsWhatRemainsOfItsLeads) {
  // Given lead 12 deleted between the lookup and the update (1004), then the address is
  // still updated, through lead 11 alone; with no lead left at all, it is not found.
  ClientHarness h;
  h.http.handle(kLeadsPath, [](const net::Request& request) {
    if (request.method == "GET")
      return ok(success_json(R"({"id":11,"email":"dup@x.com"},{"id":12,"email":"dup@x.com"})"));
    if (by_id(request)) return ok(success_json(updated(11) + "," + skipped("1004")));
    return ok(success_json(skipped("1007") + "," + skipped("1007")));
  });
  auto result = h.client.unsubscribe(credentials(), {"dup@x.com", "vanished@x.com"}, kReason);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(WriteBackStatus::updated, (*result)[0].status);
  EXPECT_EQ(std::vector<int64_t>{11}, (*result)[0].lead_ids);
  EXPECT_EQ(WriteBackStatus::not_found, (*result)[1].status);
  ASSERT_EQ(1u, matching(h.http, by_id).size());
}

TEST(MarketoWriteBack, UnsubscribeOfASharedAddressIsRejectedWhenALeadRefusesTheUpdate) {
  ClientHarness h;
  h.http.handle(kLeadsPath, [](const net::Request& request) {
    if (request.method == "GET")
      return ok(success_json(R"({"id":11,"email":"dup@x.com"},{"id":12,"email":"dup@x.com"})"));
    if (by_id(request)) return ok(success_json(updated(11) + "," + skipped("1003", "Invalid value")));
    return ok(success_json(skipped("1007")));
  });
  auto result = h.client.unsubscribe(credentials(), {"dup@x.com"}, kReason);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(WriteBackStatus::rejected, (*result)[0].status);
  EXPECT_EQ("1003 Invalid value", (*result)[0].reason);
}

TEST(MarketoWriteBack, UnsubscribeOfASharedAddressWithACommaIsRejectedWithoutALookup) {
  // filterValues would split "ann,sales"@x.com in two, so its leads cannot be found.
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(success_json(skipped("1007")))});
  auto result = h.client.unsubscribe(credentials(), {"\"ann,sales\"@x.com"}, kReason);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(WriteBackStatus::rejected, (*result)[0].status);
  EXPECT_NE(std::string::npos, (*result)[0].reason.find("comma"));
  EXPECT_EQ(1u, h.http.requests_to(kLeadsPath).size());
}

TEST(MarketoWriteBack, UnsubscribeBatchesThreeHundredRecordsPerCall) {
  ClientHarness h;
  h.http.handle(kLeadsPath, [](const net::Request& request) {
    const size_t records = std::count(request.body.begin(), request.body.end(), '@');
    std::string result;
    for (size_t i = 0; i < records; ++i) result += (i ? "," : "") + updated(static_cast<long long>(i));
    return ok(success_json(result));
  });
  auto result = h.client.unsubscribe(credentials(), addresses(301), kReason);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(301u, result->size());
  EXPECT_EQ("person300@example.com", result->back().email);
  EXPECT_EQ(WriteBackStatus::updated, result->back().status);
  const auto requests = matching(h.http, by_email);
  ASSERT_EQ(2u, requests.size());
  EXPECT_EQ(300, std::count(requests[0].body.begin(), requests[0].body.end(), '@'));
  EXPECT_EQ(1, std::count(requests[1].body.begin(), requests[1].body.end(), '@'));
}

TEST(MarketoWriteBack, UnsubscribeRetriesAndRenewsTheTokenLikeALookup) {
  ClientHarness h;
  h.http.script(kTokenPath, {ok(token_json("tok-1")), ok(token_json("tok-2"))});
  h.http.script(kLeadsPath, {ok(error_json("606")), ok(error_json("601")), ok(success_json(updated(1)))});
  auto result = h.client.unsubscribe(credentials(), {"ann@x.com"}, kReason);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(WriteBackStatus::updated, (*result)[0].status);
  const auto requests = h.http.requests_to(kLeadsPath);
  ASSERT_EQ(3u, requests.size());
  EXPECT_EQ("Bearer tok-2", header(requests[2], "Authorization"));
  EXPECT_EQ(1u, h.calls("update", "606"));
  EXPECT_EQ(1u, h.calls("update", "601"));
}

TEST(MarketoWriteBack, UnsubscribeFailsWithTheCallsError) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(error_json("603", "Access denied"))});
  auto result = h.client.unsubscribe(credentials(), {"ann@x.com"}, kReason);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ("marketo_access_denied", result.error().code);
}

TEST(MarketoWriteBack, UnsubscribeFailsWhenResultsCannotBeMatchedToRecords) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(success_json(updated(1)))});
  auto result = h.client.unsubscribe(credentials(), {"ann@x.com", "bob@y.com"}, kReason);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ("marketo_error", result.error().code);
}

TEST(MarketoWriteBack, UnsubscribeOfNoEmailsCallsNothing) {
  ClientHarness h;
  auto result = h.client.unsubscribe(credentials(), {}, kReason);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->empty());
  EXPECT_TRUE(h.http.requests().empty());
}

}  // namespace
}  // namespace sg::marketo
