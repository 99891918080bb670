#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "client_harness.h"

namespace sg::marketo {
namespace {

using namespace test;  // the doubles and fixtures of this folder

const std::vector<std::string> kAnn{"ann@x.com"};

TEST(MarketoTokens, TokenIsFetchedOnceAndReused) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(leads_json({}))});
  ASSERT_TRUE(h.lookup(kAnn).ok());
  h.clock.advance(Millis{60000});
  ASSERT_TRUE(h.lookup(kAnn).ok());
  EXPECT_EQ(1u, h.http.requests_to(kTokenPath).size());
  EXPECT_EQ(2u, h.http.requests_to(kLeadsPath).size());
  EXPECT_EQ(1u, h.calls("token", "success"));
}

TEST(MarketoTokens, TokenRequestCarriesEncodedClientCredentialsInAFormBodyNotTheUrl) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(leads_json({}))});
  ASSERT_TRUE(h.lookup(kAnn).ok());
  const auto requests = h.http.requests_to(kTokenPath);
  ASSERT_EQ(1u, requests.size());
  EXPECT_EQ("POST", requests[0].method);
  EXPECT_EQ("https://123-ABC-456.mktorest.com/identity/oauth/token", requests[0].url);
  EXPECT_EQ("application/x-www-form-urlencoded", header(requests[0], "Content-Type"));
  EXPECT_EQ("grant_type=client_credentials&client_id=client-1&client_secret=s3cret%26%3D", requests[0].body);
}

TEST(MarketoTokens, TokenIsRenewedWhenLessThanAMinuteRemains) {
  // Given a token for 3599 s, then it serves until 61 s remain and is renewed at 59 s.
  ClientHarness h;
  h.http.script(kTokenPath, {ok(token_json("tok-1", 3599)), ok(token_json("tok-2", 3599))});
  h.http.script(kLeadsPath, {ok(leads_json({}))});
  ASSERT_TRUE(h.lookup(kAnn).ok());
  h.clock.advance(Millis{(3599 - 61) * 1000});
  ASSERT_TRUE(h.lookup(kAnn).ok());
  EXPECT_EQ(1u, h.http.requests_to(kTokenPath).size());
  h.clock.advance(Millis{2000});
  ASSERT_TRUE(h.lookup(kAnn).ok());
  EXPECT_EQ(2u, h.http.requests_to(kTokenPath).size());
  EXPECT_EQ("Bearer tok-2", header(h.http.requests_to(kLeadsPath).back(), "Authorization"));
}

TEST(MarketoTokens, TokenWithZeroExpiryIsAskedForAgain) {
  ClientHarness h;
  h.http.script(kTokenPath, {ok(token_json("tok-old", 0)), ok(token_json("tok-new", 3599))});
  h.http.script(kLeadsPath, {ok(leads_json({}))});
  ASSERT_TRUE(h.lookup(kAnn).ok());
  EXPECT_EQ(2u, h.http.requests_to(kTokenPath).size());
  EXPECT_EQ("Bearer tok-new", header(h.http.requests_to(kLeadsPath).at(0), "Authorization"));
}

TEST(MarketoTokens, TokenExpiredOrInvalidIsRenewedAndTheCallRetriedOnce) {
  for (const char* code : {"601", "602"}) {
    ClientHarness h;
    h.http.script(kTokenPath, {ok(token_json("tok-1")), ok(token_json("tok-2"))});
    h.http.script(kLeadsPath, {ok(error_json(code, "Access token invalid")), ok(leads_json({{"ann@x.com", "true"}}))});
    Result<Keys> result = h.lookup(kAnn);
    ASSERT_TRUE(result.ok()) << code;
    EXPECT_EQ(Keys{"ann@x.com"}, *result);
    const auto leads = h.http.requests_to(kLeadsPath);
    ASSERT_EQ(2u, leads.size()) << code;
    EXPECT_EQ("Bearer tok-1", header(leads[0], "Authorization"));
    EXPECT_EQ("Bearer tok-2", header(leads[1], "Authorization"));
    EXPECT_TRUE(h.clock.sleeps().empty()) << "a renewal needs no backoff";
    EXPECT_EQ(1u, h.calls("lookup", code));
  }
}

TEST(MarketoTokens, TokenRejectedTwiceFailsAfterOneRenewal) {
  ClientHarness h;
  h.http.script(kTokenPath, {ok(token_json("tok-1")), ok(token_json("tok-2"))});
  h.http.script(kLeadsPath, {ok(error_json("602", "Access token expired"))});
  Result<Keys> result = h.lookup(kAnn);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ("marketo_token_rejected", result.error().code);
  EXPECT_EQ(2u, h.http.requests_to(kLeadsPath).size());
  EXPECT_EQ(2u, h.http.requests_to(kTokenPath).size());
}

TEST(MarketoTokens, BadCredentialsFailWithIdentitysDescription) {
  ClientHarness h;
  h.http.script(kTokenPath, {http(401, R"({"error":"unauthorized","error_description":"Bad client credentials"})")});
  Result<Keys> result = h.lookup(kAnn);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ("marketo_auth_failed", result.error().code);
  EXPECT_EQ("Bad client credentials", result.error().message);
  EXPECT_TRUE(h.http.requests_to(kLeadsPath).empty());
  EXPECT_EQ(1u, h.http.requests_to(kTokenPath).size()) << "refused credentials are not retried";

  marketo::ConnectionReport verified = h.client.verify(credentials());
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ("marketo_auth_failed", verified.error().code);
  EXPECT_EQ(2u, h.calls("token", "http_401"));
}

TEST(MarketoVerify, VerifyFetchesAFreshTokenAndCachesIt) {
  ClientHarness h;
  h.http.script(kTokenPath, {ok(token_json("tok-1")), ok(token_json("tok-2"))});
  h.http.script(kLeadsPath, {ok(leads_json({}))});
  h.http.script(kActivityTypesPath, {ok(success_json(""))});
  ASSERT_TRUE(h.lookup(kAnn).ok());
  ASSERT_TRUE(h.client.verify(credentials()).ok());
  EXPECT_EQ(2u, h.http.requests_to(kTokenPath).size()) << "verify bypasses the cache";
  ASSERT_TRUE(h.lookup(kAnn).ok());
  EXPECT_EQ(2u, h.http.requests_to(kTokenPath).size());
  EXPECT_EQ("Bearer tok-2", header(h.http.requests_to(kLeadsPath).back(), "Authorization"));
}

TEST(MarketoVerify, VerifyReadsLeadsAndActivityTypesThroughRestWithTheFreshToken) {
  ClientHarness h;
  h.http.script(kTokenPath, {ok(token_json("tok-9"))});
  h.http.script(kLeadsPath, {ok(leads_json({}))});
  h.http.script(kActivityTypesPath, {ok(success_json(""))});
  ASSERT_TRUE(h.client.verify(credentials()).ok());
  const auto leads = h.http.requests_to(kLeadsPath);
  const auto types = h.http.requests_to(kActivityTypesPath);
  ASSERT_EQ(1u, leads.size());
  ASSERT_EQ(1u, types.size());
  EXPECT_EQ("Bearer tok-9", header(leads[0], "Authorization"));
  EXPECT_EQ("Bearer tok-9", header(types[0], "Authorization"));
  EXPECT_NE(std::string::npos, (leads[0].url + leads[0].body).find("filterType=email")) << leads[0].url;
}

TEST(MarketoVerify, VerifyNamesWhatFailedOnTheRestSide) {
  struct Case {
    Reply leads;
    const char* code;
  };
  for (const Case& c : {Case{ok(error_json("601", "Access token invalid")), "marketo_rest_auth_failed"},
                        Case{ok(error_json("603", "Access denied")), "marketo_access_denied"},
                        Case{transport_error(), "marketo_rest_unreachable"},
                        Case{http(404, "not here"), "marketo_rest_unreachable"},
                        Case{Error{"address_refused", "10.0.0.1 is private", {}, {}}, "marketo_address_refused"}}) {
    ClientHarness h;
    h.http.script(kLeadsPath, {c.leads});
    h.http.script(kActivityTypesPath, {ok(success_json(""))});
    marketo::ConnectionReport verified = h.client.verify(credentials());
    ASSERT_FALSE(verified.ok()) << c.code;
    EXPECT_EQ(c.code, verified.error().code);
  }
}

TEST(MarketoVerify, VerifyFailsWhenTheActivityTypesCannotBeRead) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(leads_json({}))});
  h.http.script(kActivityTypesPath, {ok(error_json("603", "Access denied"))});
  marketo::ConnectionReport verified = h.client.verify(credentials());
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ("marketo_access_denied", verified.error().code);
}

TEST(MarketoTokens, UnreachableIdentityIsRetriedThenReported) {
  ClientHarness h;
  h.http.script(kTokenPath, {transport_error()});
  Result<Keys> result = h.lookup(kAnn);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ("marketo_unreachable", result.error().code);
  EXPECT_EQ(4u, h.http.requests_to(kTokenPath).size());
  EXPECT_TRUE(h.http.requests_to(kLeadsPath).empty());

  marketo::ConnectionReport verified = h.client.verify(credentials());
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ("marketo_unreachable", verified.error().code);
  EXPECT_EQ(5u, h.calls("token", "transport"));
}

TEST(MarketoTokens, IdentityGarbageOrOddStatusIsAMarketoError) {
  for (Reply reply : {ok("<html>oops</html>"), ok(R"({"token_type":"bearer"})"), http(500, "")}) {
    ClientHarness h;
    h.http.script(kTokenPath, {reply});
    marketo::ConnectionReport verified = h.client.verify(credentials());
    ASSERT_FALSE(verified.ok());
    EXPECT_EQ("marketo_error", verified.error().code);
  }
}

TEST(MarketoTokens, TokensAreKeptPerClientIdAndServeOnlyTheirSecret) {
  ClientHarness h;
  int client_1_fetches = 0;
  h.http.handle(kTokenPath, [&](const net::Request& request) {
    if (request.body.find("client_id=client-2") != std::string::npos) return ok(token_json("tok-2"));
    return ok(token_json(client_1_fetches++ == 0 ? "tok-1" : "tok-1b"));
  });
  h.http.script(kLeadsPath, {ok(leads_json({}))});
  Credentials other = credentials();
  other.client_id = "client-2";
  Credentials rotated = credentials();
  rotated.client_secret = "new-secret";
  ASSERT_TRUE(h.lookup(kAnn).ok());
  ASSERT_TRUE(h.lookup(kAnn, other).ok());
  ASSERT_TRUE(h.lookup(kAnn).ok());
  ASSERT_TRUE(h.lookup(kAnn, rotated).ok());
  std::vector<std::string> used;
  for (const auto& request : h.http.requests_to(kLeadsPath)) used.push_back(header(request, "Authorization"));
  EXPECT_EQ((std::vector<std::string>{"Bearer tok-1", "Bearer tok-2", "Bearer tok-1", "Bearer tok-1b"}), used);
}

TEST(MarketoTokens, ConcurrentCallersShareOneTokenFetch) {
  ClientHarness h;
  h.http.handle(kTokenPath, [](const net::Request&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a slow Identity
    return ok(token_json("tok-1"));
  });
  h.http.script(kLeadsPath, {ok(leads_json({}))});
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (!h.lookup(kAnn).ok()) ++failures;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(0, failures.load());
  EXPECT_EQ(1u, h.http.requests_to(kTokenPath).size());
  EXPECT_EQ(8u, h.http.requests_to(kLeadsPath).size());
}

}  // namespace
}  // namespace sg::marketo
