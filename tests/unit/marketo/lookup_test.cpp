#include <gtest/gtest.h>

#include <algorithm>

#include "client_harness.h"
#include "marketo/call_metrics.h"
#include "marketo/lead_lookup.h"
#include "net/url_encode.h"

namespace sg::marketo {
namespace {

using namespace test;  // the doubles and fixtures of this folder

TEST(MarketoLookup, LookupAsksForEmailAndUnsubscribedWithABearerToken) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(leads_json({{"bob@y.com", "true"}}))});
  Result<Keys> result = h.lookup({"ann+tag@x.com", "bob@y.com"});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(Keys{"bob@y.com"}, *result);
  const auto requests = h.http.requests_to(kLeadsPath);
  ASSERT_EQ(1u, requests.size());
  EXPECT_EQ("GET", requests[0].method);
  EXPECT_EQ(
      "https://123-ABC-456.mktorest.com/rest/v1/leads.json"
      "?filterType=email&filterValues=ann%2Btag%40x.com,bob%40y.com&fields=email,unsubscribed",
      requests[0].url);
  EXPECT_EQ("Bearer tok-1", header(requests[0], "Authorization"));
  EXPECT_EQ(Limits{}.call_timeout, requests[0].timeout);
  EXPECT_EQ(1u, h.calls("lookup", "success"));
}

TEST(MarketoLookup, LookupNeverSendsTheTokenInAUrl) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(error_json("601")), ok(leads_json({}, "P2")), ok(leads_json({}))});
  ASSERT_TRUE(h.lookup(addresses(301)).ok());
  const auto requests = h.http.requests_to(kLeadsPath);
  ASSERT_EQ(4u, requests.size());
  for (const auto& request : h.http.requests()) {
    EXPECT_EQ(std::string::npos, request.url.find("access_token")) << request.url;
    EXPECT_EQ(std::string::npos, request.body.find("access_token"));
  }
  for (const auto& request : requests) EXPECT_EQ("Bearer tok-1", header(request, "Authorization"));
}

TEST(MarketoLookup, LookupEmitsNoDoubleSlashWhenEndpointsEndInSlash) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(leads_json({}))});
  Credentials slashed = credentials();
  slashed.rest_endpoint += "/";
  slashed.identity_endpoint += "//";
  ASSERT_TRUE(h.lookup({"ann@x.com"}, slashed).ok());
  ASSERT_EQ(2u, h.http.requests().size());
  for (const auto& request : h.http.requests()) {
    const std::string after_scheme = request.url.substr(request.url.find("://") + 3);
    EXPECT_EQ(std::string::npos, after_scheme.find("//")) << request.url;
  }
}

TEST(MarketoLookup, LookupOfNoKeysCallsNothing) {
  ClientHarness h;
  Result<Keys> result = h.lookup({});
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->empty());
  EXPECT_TRUE(h.http.requests().empty());
}

TEST(MarketoLookup, LookupBatchesThreeHundredKeysPerCall) {
  for (auto [keys, calls] : {std::pair<size_t, size_t>{300, 1}, {301, 2}, {900, 3}, {901, 4}}) {
    ClientHarness h;
    h.http.script(kLeadsPath, {ok(leads_json({}))});
    ASSERT_TRUE(h.lookup(addresses(keys)).ok());
    const auto requests = h.http.requests_to(kLeadsPath);
    ASSERT_EQ(calls, requests.size()) << keys;
    size_t sent = 0;
    for (const auto& request : requests) {
      EXPECT_LE(filter_value_count(request), 300u);
      sent += filter_value_count(request);
    }
    EXPECT_EQ(keys, sent);
  }
}

TEST(MarketoLookup, LookupCollectsUnsubscribedAcrossBatches) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(leads_json({{"person0@example.com", "true"}})),
                             ok(leads_json({{"person300@example.com", "true"}}))});
  Result<Keys> result = h.lookup(addresses(301));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ((Keys{"person0@example.com", "person300@example.com"}), *result);
}

TEST(MarketoLookup, LookupPostsWithMethodGetWhenTheUriWouldPassEightKilobytes) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(leads_json({{"person7@a-rather-long-domain-name-for-testing.example.com", "true"}}))});
  const auto keys = addresses(300, "a-rather-long-domain-name-for-testing.example.com");
  Result<Keys> result = h.lookup(keys);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(Keys{"person7@a-rather-long-domain-name-for-testing.example.com"}, *result);
  const auto requests = h.http.requests_to(kLeadsPath);
  ASSERT_EQ(1u, requests.size());
  EXPECT_EQ("POST", requests[0].method);
  EXPECT_EQ("https://123-ABC-456.mktorest.com/rest/v1/leads.json?_method=GET", requests[0].url);
  EXPECT_EQ("application/x-www-form-urlencoded", header(requests[0], "Content-Type"));
  EXPECT_EQ("Bearer tok-1", header(requests[0], "Authorization"));
  EXPECT_EQ(0u, requests[0].body.find("filterType=email&filterValues=person0%40a-rather-long"));
  EXPECT_NE(std::string::npos, requests[0].body.find("&fields=email,unsubscribed"));
  EXPECT_EQ(300u, filter_value_count(requests[0]));
}

TEST(MarketoLookup, LookupRequestSwitchesToPostJustPastEightKilobytes) {
  // Given one key whose length puts the GET URL at exactly 8192 bytes, then GET;
  // one more byte, then POST.
  const Endpoint rest = parse_endpoint("https://123-ABC-456.mktorest.com/rest").value();
  const std::string fixed = rest.url("v1/leads.json") + "?filterType=email&filterValues=&fields=email,unsubscribed";
  const std::vector<std::string> exact{std::string(kMaxUriBytes - fixed.size(), 'a')};
  const std::vector<std::string> longer{exact[0] + "a"};
  EXPECT_EQ(kMaxUriBytes, leads_request(rest, LeadQuery{"email", exact, kUnsubscribeFields}, "").url.size());
  EXPECT_EQ("GET", leads_request(rest, LeadQuery{"email", exact, kUnsubscribeFields}, "").method);
  EXPECT_EQ("POST", leads_request(rest, LeadQuery{"email", longer, kUnsubscribeFields}, "").method);
}

TEST(MarketoLookup, LookupFollowsNextPageTokens) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(leads_json({{"ann@x.com", "false"}}, "PAGE+2"))});
  h.http.script("nextPageToken=PAGE%2B2", {ok(leads_json({{"ann@x.com", "true"}}, "PAGE3"))});
  h.http.script("nextPageToken=PAGE3", {ok(leads_json({{"bob@y.com", "true"}}))});
  Result<Keys> result = h.lookup({"ann@x.com", "bob@y.com", "cy@z.com"});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ((Keys{"ann@x.com", "bob@y.com"}), *result);
  const auto requests = h.http.requests_to(kLeadsPath);
  ASSERT_EQ(3u, requests.size());
  for (const auto& request : requests) EXPECT_EQ(3u, filter_value_count(request));
}

TEST(MarketoLookup, LookupStopsPagingWhenTheTokenRepeats) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(leads_json({}, "SAME"))});
  ASSERT_TRUE(h.lookup({"ann@x.com"}).ok());
  EXPECT_EQ(2u, h.http.requests_to(kLeadsPath).size());
}

TEST(MarketoLookup, LookupCountsAnAddressUnsubscribedWhenAnyOfItsLeadsIs) {
  for (const auto& leads : {std::vector<Lead>{{"ann@x.com", "true"}, {"ann@x.com", "false"}},
                            std::vector<Lead>{{"ann@x.com", "false"}, {"ann@x.com", "true"}},
                            std::vector<Lead>{{"ann@x.com", "null"}, {"ann@x.com", "true"}}}) {
    ClientHarness h;
    h.http.script(kLeadsPath, {ok(leads_json(leads))});
    Result<Keys> result = h.lookup({"ann@x.com"});
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(Keys{"ann@x.com"}, *result);
  }
}

TEST(MarketoLookup, LookupMatchesEmailsCaseInsensitively) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(leads_json({{"Ann@X.com", "true"}, {"BOB@Y.COM", "false"}}))});
  Result<Keys> result = h.lookup({"ann@x.com", "bob@y.com"});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(Keys{"ann@x.com"}, *result);
}

TEST(MarketoLookup, LookupReadsUnsubscribedLeniently) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(leads_json({{"a@x.com", "true"},
                                            {"b@x.com", "\"true\""},
                                            {"c@x.com", "\"1\""},
                                            {"d@x.com", "false"},
                                            {"e@x.com", "null"},
                                            {"f@x.com", ""},
                                            {"g@x.com", "\"false\""}}))});
  Result<Keys> result = h.lookup({"a@x.com", "b@x.com", "c@x.com", "d@x.com", "e@x.com", "f@x.com", "g@x.com"});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ((Keys{"a@x.com", "b@x.com", "c@x.com"}), *result);
}

TEST(MarketoLookup, LookupIgnoresLeadsThatWereNotAskedFor) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(leads_json({{"stranger@x.com", "true"}, {"ann@x.com", "false"}}))});
  Result<Keys> result = h.lookup({"ann@x.com"});
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->empty());
}

TEST(MarketoLookup, LookupTreatsAnEmptyOrAbsentResultAsNobodyUnsubscribed) {
  for (const char* body : {R"({"requestId":"1","success":true,"result":[]})", R"({"requestId":"1","success":true})"}) {
    ClientHarness h;
    h.http.script(kLeadsPath, {ok(body)});
    Result<Keys> result = h.lookup({"ann@x.com"});
    ASSERT_TRUE(result.ok()) << body;
    EXPECT_TRUE(result->empty());
  }
}

TEST(MarketoLookup, LookupRefusesAddressesACommaWouldSplitNamingThem) {
  // A quoted local part may hold a comma, which filterValues reads as a separator.
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(leads_json({}))});
  Result<Keys> result = h.lookup({"ann@x.com", "\"ann,sales\"@x.com"});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ("marketo_error", result.error().code);
  EXPECT_EQ(std::vector<std::string>{"\"ann,sales\"@x.com"}, result.error().recipients);
  EXPECT_TRUE(h.http.requests().empty());
}

// Marketo's 1003 for a filter more than 1,000 leads match: any query naming `shared`.
Reply too_many_for(const net::Request& request, const std::string& shared, const std::string& unsubscribed) {
  const std::string& text = request.method == "GET" ? request.url : request.body;
  if (text.find(net::url_encode(shared)) != std::string::npos) {
    return ok(error_json("1003", "Too many results match the filter"));
  }
  if (text.find(net::url_encode(unsubscribed)) != std::string::npos) return ok(leads_json({{unsubscribed, "true"}}));
  return ok(leads_json({}));
}

TEST(MarketoLookup, LookupSplitsABatchOnTooManyMatchesAndNamesOnlyTheSharedAddress) {
  ClientHarness h;
  std::vector<std::string> keys = addresses(300);
  h.http.handle(kLeadsPath, [&](const net::Request& r) { return too_many_for(r, keys[7], keys[200]); });
  Result<Keys> result = h.lookup(keys);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ("marketo_too_many_matches", result.error().code);
  EXPECT_EQ(std::vector<std::string>{keys[7]}, result.error().recipients);
  const auto requests = h.http.requests_to(kLeadsPath);
  // Halves down to the one address: 300, 150+150, 75+75, ... 2+2 (1+1 at the end), 1+1.
  EXPECT_LE(requests.size(), 2u * 9 + 1);
  EXPECT_EQ(300u, filter_value_count(requests[0]));
  EXPECT_TRUE(std::any_of(requests.begin(), requests.end(),
                          [](const net::Request& r) { return filter_value_count(r) == 1; }));
}

TEST(MarketoLookup, LookupRemembersASharedAddressForAnHourInsteadOfSplittingAgain) {
  ClientHarness h;
  std::vector<std::string> keys = addresses(300);
  h.http.handle(kLeadsPath, [&](const net::Request& r) { return too_many_for(r, keys[7], keys[200]); });
  ASSERT_FALSE(h.lookup(keys).ok());
  const size_t splitting = h.http.requests_to(kLeadsPath).size();

  Result<Keys> again = h.lookup(keys);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(std::vector<std::string>{keys[7]}, again.error().recipients);
  EXPECT_EQ(splitting, h.http.requests_to(kLeadsPath).size()) << "named without a call";

  h.clock.advance(Millis(3600 * 1000));
  ASSERT_FALSE(h.lookup(keys).ok());
  EXPECT_EQ(2 * splitting, h.http.requests_to(kLeadsPath).size()) << "split again after an hour";
}

TEST(MarketoLookup, LookupWithoutTheSharedAddressAnswersInOneCall) {
  ClientHarness h;
  std::vector<std::string> keys = addresses(300);
  h.http.handle(kLeadsPath, [&](const net::Request& r) { return too_many_for(r, "nobody@x.com", keys[200]); });
  Result<Keys> result = h.lookup(keys);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(Keys{keys[200]}, *result);
  EXPECT_EQ(1u, h.http.requests_to(kLeadsPath).size());
}

TEST(MarketoLookup, TheFeedsLookupsAreBackgroundCallsAndLeaveTheReserveToChecks) {
  // Given a budget of 10 of which 30 % may go to background work, then the feed's lookups
  // stop after 3 while a check's lookup still gets its answer from the reserve, and they
  // are counted as the feed's, not as checks.
  Limits limits;
  limits.daily_budget = 10;
  ClientHarness h(limits);
  h.http.script(kLeadsPath, {ok(leads_json({}))});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(h.client.unsubscribed_among(credentials(), {"ann@x.com"}, Asker::feed).ok());
  Result<Keys> refused = h.client.unsubscribed_among(credentials(), {"ann@x.com"}, Asker::feed);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ("marketo_budget_exhausted", refused.error().code);
  EXPECT_TRUE(h.lookup({"ann@x.com"}).ok()) << "the reserve is the checks'";
  EXPECT_EQ(3u, h.calls("feed_lookup", "success"));
  EXPECT_EQ(1u, h.calls("lookup", "success"));
  Usage usage = h.client.usage(credentials());
  EXPECT_EQ(3, usage.background_calls);
  EXPECT_EQ(3, feed_calls(usage));
}

TEST(MarketoLookup, LookupRejectsAnInvalidRestEndpointWithoutCalling) {
  ClientHarness h;
  Credentials broken = credentials();
  broken.rest_endpoint = "123-ABC-456.mktorest.com/rest";
  Result<Keys> result = h.lookup({"ann@x.com"}, broken);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ("marketo_error", result.error().code);
  EXPECT_TRUE(h.http.requests().empty());
}

TEST(MarketoLookup, LookupStaysWithinTheCallsPerWindow) {
  // Given 2 calls per 20 s, then the third batch waits for the window to roll.
  Limits limits;
  limits.calls_per_window = 2;
  ClientHarness h(limits);
  std::vector<TimePoint> starts;
  h.http.handle(kLeadsPath, [&](const net::Request&) {
    starts.push_back(h.clock.now());
    return ok(leads_json({}));
  });
  ASSERT_TRUE(h.lookup(addresses(900)).ok());
  ASSERT_EQ(3u, starts.size());
  EXPECT_EQ(starts[0], starts[1]);
  EXPECT_EQ(starts[0] + limits.window, starts[2]);
}

}  // namespace
}  // namespace sg::marketo
