#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include "client_harness.h"
#include "marketo/memory_budget_ledger.h"

namespace sg::marketo {
namespace {

using namespace test;  // the doubles and fixtures of this folder

const std::vector<std::string> kAnn{"ann@x.com"};

// Captures what the default logger writes while in scope.
class CapturedLog {
 public:
  CapturedLog()
      : previous_(spdlog::default_logger()), sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64)) {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink_));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() const {
    std::string out;
    for (const auto& line : sink_->last_formatted()) out += line;
    return out;
  }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
};

TEST(MarketoErrorCodes, TransientCodesAreRetriedWithBackoff) {
  for (const char* code : {"604", "608", "611", "614", "615", "713"}) {
    ClientHarness h;
    h.http.script(kLeadsPath, {ok(error_json(code)), ok(leads_json({{"ann@x.com", "true"}}))});
    Result<Keys> result = h.lookup(kAnn);
    ASSERT_TRUE(result.ok()) << code;
    EXPECT_EQ(Keys{"ann@x.com"}, *result);
    EXPECT_EQ(2u, h.http.requests_to(kLeadsPath).size()) << code;
    ASSERT_FALSE(h.clock.sleeps().empty()) << code;
    EXPECT_GE(h.clock.sleeps()[0], Limits{}.initial_backoff / 2) << code;
    EXPECT_EQ(1u, h.calls("lookup", code));
    EXPECT_EQ(1u, h.calls("lookup", "success"));
  }
}

TEST(MarketoErrorCodes, PersistentTransientCodesEndUnreachableOrRateLimited) {
  for (auto [code, expected] : {std::pair<const char*, const char*>{"604", "marketo_unreachable"},
                                {"608", "marketo_unreachable"},
                                {"611", "marketo_unreachable"},
                                {"614", "marketo_unreachable"},
                                {"713", "marketo_unreachable"},
                                {"615", "marketo_rate_limited"}}) {
    ClientHarness h;
    h.http.script(kLeadsPath, {ok(error_json(code))});
    Result<Keys> result = h.lookup(kAnn);
    ASSERT_FALSE(result.ok()) << code;
    EXPECT_EQ(expected, result.error().code) << code;
    EXPECT_EQ(4u, h.http.requests_to(kLeadsPath).size()) << code;
    EXPECT_EQ(4u, h.calls("lookup", code));
  }
}

TEST(MarketoErrorCodes, RetriesBackOffExponentiallyWithinTheCap) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(error_json("604"))});
  ASSERT_FALSE(h.lookup(kAnn).ok());
  const auto sleeps = h.clock.sleeps();
  ASSERT_EQ(3u, sleeps.size());
  const long long caps[] = {500, 1000, 2000};
  for (size_t i = 0; i < sleeps.size(); ++i) {
    EXPECT_GE(sleeps[i].count(), caps[i] / 2) << i;
    EXPECT_LE(sleeps[i].count(), caps[i]) << i;
  }
}

TEST(MarketoErrorCodes, GatewayErrorsAreRetriedThenUnreachable) {
  for (int status : {502, 503, 504}) {
    ClientHarness h;
    h.http.script(kLeadsPath, {http(status, "<html>Bad Gateway</html>"), ok(leads_json({}))});
    ASSERT_TRUE(h.lookup(kAnn).ok()) << status;

    ClientHarness persistent;
    persistent.http.script(kLeadsPath, {http(status, "")});
    Result<Keys> result = persistent.lookup(kAnn);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ("marketo_unreachable", result.error().code);
    EXPECT_EQ(4u, persistent.calls("lookup", "http_" + std::to_string(status)));
  }
}

TEST(MarketoErrorCodes, TransportErrorsAreRetriedThenUnreachable) {
  ClientHarness h;
  h.http.script(kLeadsPath, {transport_error("Connection refused")});
  Result<Keys> result = h.lookup(kAnn);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ("marketo_unreachable", result.error().code);
  EXPECT_EQ(4u, h.http.requests_to(kLeadsPath).size());
  EXPECT_EQ(4u, h.calls("lookup", "transport"));
}

TEST(MarketoErrorCodes, GarbageBodiesAreRetriedThenAMarketoError) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok("<html>maintenance</html>"), ok(leads_json({}))});
  ASSERT_TRUE(h.lookup(kAnn).ok());

  ClientHarness persistent;
  persistent.http.script(kLeadsPath, {ok("{\"success\":tru")});
  Result<Keys> result = persistent.lookup(kAnn);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ("marketo_error", result.error().code);
  EXPECT_EQ(4u, persistent.calls("lookup", "invalid_response"));
}

TEST(MarketoErrorCodes, AccessDeniedFailsAtOnce) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(error_json("603", "Access denied"))});
  Result<Keys> result = h.lookup(kAnn);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ("marketo_access_denied", result.error().code);
  EXPECT_EQ(1u, h.http.requests_to(kLeadsPath).size());
  EXPECT_TRUE(h.clock.sleeps().empty());
}

TEST(MarketoErrorCodes, BugCodesAndUnknownCodesFailLoudlyAtOnce) {
  for (const char* code : {"609", "612", "613", "9999"}) {
    CapturedLog log;
    ClientHarness h;
    h.http.script(kLeadsPath, {ok(error_json(code, "Invalid JSON"))});
    Result<Keys> result = h.lookup(kAnn);
    ASSERT_FALSE(result.ok()) << code;
    EXPECT_EQ("marketo_error", result.error().code) << code;
    EXPECT_NE(std::string::npos, result.error().message.find(code));
    EXPECT_EQ(1u, h.http.requests_to(kLeadsPath).size()) << code;
    EXPECT_NE(std::string::npos, log.text().find("[error]")) << code;
  }
}

TEST(MarketoErrorCodes, FailedEnvelopeWithoutErrorsIsAMarketoError) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(R"({"requestId":"1","success":false})")});
  Result<Keys> result = h.lookup(kAnn);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ("marketo_error", result.error().code);
  EXPECT_EQ(1u, h.http.requests_to(kLeadsPath).size());
}

TEST(MarketoErrorCodes, TooLargeRequestsAreAMarketoError) {
  for (int status : {413, 414}) {
    ClientHarness h;
    h.http.script(kLeadsPath, {http(status, "")});
    Result<Keys> result = h.lookup(kAnn);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ("marketo_error", result.error().code);
    EXPECT_EQ(1u, h.http.requests_to(kLeadsPath).size());
  }
}

TEST(MarketoErrorCodes, QuotaReachedBlocksTheInstanceUntilCentralMidnight) {
  // Given 607 at 2026-01-15T12:00Z (06:00 CST), then nothing is sent to the instance
  // until 2026-01-16T06:00Z, the next midnight in US Central.
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(error_json("607", "Daily quota reached")), ok(leads_json({{"ann@x.com", "true"}}))});
  Result<Keys> first = h.lookup(kAnn);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ("marketo_quota_exceeded", first.error().code);
  EXPECT_NE(std::string::npos, first.error().message.find("2026-01-16T06:00:00Z"));
  EXPECT_EQ(1u, h.http.requests_to(kLeadsPath).size());

  h.clock.set(from_unix_millis(1768543200000 - 1));  // a millisecond before the reset
  Result<Keys> blocked = h.lookup(kAnn);
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ("marketo_quota_exceeded", blocked.error().code);
  EXPECT_EQ(1u, h.http.requests_to(kLeadsPath).size()) << "no call while blocked";

  Credentials elsewhere = credentials();
  elsewhere.rest_endpoint = "https://999-XYZ-999.mktorest.com/rest";
  h.http.script("999-XYZ-999", {ok(leads_json({}))});
  EXPECT_TRUE(h.lookup(kAnn, elsewhere).ok()) << "other instances are unaffected";

  h.clock.set(from_unix_millis(1768543200000));  // 2026-01-16T06:00:00Z
  Result<Keys> after = h.lookup(kAnn);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(Keys{"ann@x.com"}, *after);
}

TEST(MarketoErrorCodes, AQuotaReachedStopsEveryClientSharingTheBudget) {
  // Given two clients (two processes of Sendguard) spending one daily budget, when Marketo
  // answers one of them 607, then the other makes no call to the instance either.
  MemoryBudgetLedger ledger;
  ClientHarness first({}, Ledgers{.budget = &ledger});
  ClientHarness second({}, Ledgers{.budget = &ledger});
  first.http.script(kLeadsPath, {ok(error_json("607", "Daily quota reached"))});
  second.http.script(kLeadsPath, {ok(leads_json({}))});
  ASSERT_EQ("marketo_quota_exceeded", first.lookup(kAnn).error().code);

  Result<Keys> stopped = second.lookup(kAnn);
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ("marketo_quota_exceeded", stopped.error().code);
  EXPECT_NE(std::string::npos, stopped.error().message.find("2026-01-16T06:00:00Z")) << stopped.error().message;
  EXPECT_TRUE(second.http.requests_to("").empty()) << "no request, not even for a token";
}

TEST(MarketoErrorCodes, RetriesAreLoggedWithTheirCodeAndNoSecrets) {
  CapturedLog log;
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(error_json("615")), ok(error_json("604")), ok(leads_json({}))});
  ASSERT_TRUE(h.lookup(kAnn).ok());
  const std::string text = log.text();
  EXPECT_NE(std::string::npos, text.find("[warning]"));
  EXPECT_NE(std::string::npos, text.find("615"));
  EXPECT_NE(std::string::npos, text.find("604"));
  EXPECT_EQ(std::string::npos, text.find("tok-1"));
  EXPECT_EQ(std::string::npos, text.find("s3cret"));
  EXPECT_EQ(std::string::npos, text.find("ann@x.com"));
}

TEST(MarketoCallMetrics, MetricIsDescribedAsACounter) {
  ClientHarness h;
  EXPECT_NE(std::string::npos, h.metrics.render().find("# TYPE sendguard_marketo_calls_total counter"));
}

TEST(MarketoErrorCodes, RateLimitHoldsTheInstanceAWindowAndALookupFailsAtOnce) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(error_json("606", "Max rate limit '100' exceeded with in '20' secs")),
                             ok(leads_json({{"ann@x.com", "true"}}))});
  Result<Keys> first = h.lookup(kAnn);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ("marketo_rate_limited", first.error().code);
  EXPECT_TRUE(h.clock.sleeps().empty()) << "a lookup does not wait out the window";

  h.clock.advance(Limits{}.window - Millis(1));
  Result<Keys> held = h.lookup(kAnn);
  ASSERT_FALSE(held.ok());
  EXPECT_EQ("marketo_rate_limited", held.error().code);
  EXPECT_EQ(1u, h.http.requests_to(kLeadsPath).size()) << "no call within the window";

  h.clock.advance(Millis(1));
  Result<Keys> after = h.lookup(kAnn);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(Keys{"ann@x.com"}, *after);
}

TEST(MarketoErrorCodes, RateLimitMakesBackgroundCallsWaitAWholeWindowThenRetry) {
  ClientHarness h;
  h.http.script(kPagingTokenPath,
                {ok(error_json("606")), ok(R"({"requestId":"1","success":true,"nextPageToken":"GIYDAOBN"})")});
  const TimePoint start = h.clock.now();
  ASSERT_TRUE(h.client.paging_token(credentials(), start).ok());
  EXPECT_EQ(2u, h.http.requests_to(kPagingTokenPath).size());
  EXPECT_GE(h.clock.now() - start, Limits{}.window);
}

TEST(MarketoErrorCodes, ManyLeadsMatchingIsInvalidDataOutsideLookups) {
  ClientHarness h;
  h.http.script(kActivityTypesPath, {ok(error_json("1003", "Invalid data"))});
  Result<std::vector<ActivityType>> result = h.client.activity_types(credentials());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ("marketo_invalid_data", result.error().code);
  EXPECT_EQ(1u, h.http.requests_to(kActivityTypesPath).size());
}

TEST(MarketoErrorCodes, QuotaReachedSoonAfterTheComputedResetIsAskedAgainWithinTheHour) {
  // 607 at 2026-07-15T05:30Z, half an hour after midnight CDT: Marketo's "12:00AM CST"
  // may still be half an hour away, so the instance is asked again at 06:30Z.
  ClientHarness h;
  h.clock.set(from_unix_millis(1784093400000));
  h.http.script(kLeadsPath, {ok(error_json("607", "Daily quota reached")), ok(leads_json({}))});
  Result<Keys> first = h.lookup(kAnn);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ("marketo_quota_exceeded", first.error().code);
  EXPECT_NE(std::string::npos, first.error().message.find("2026-07-15T06:30:00Z")) << first.error().message;
  h.clock.advance(Millis(3600 * 1000));
  EXPECT_TRUE(h.lookup(kAnn).ok());
  EXPECT_EQ(2u, h.http.requests_to(kLeadsPath).size());
}

// A wrong REST URL: Marketo answers 610 for an unknown API path, a gateway 404.
TEST(MarketoErrorCodes, UnknownResourceIsRestNotFoundAtOnce) {
  for (Reply reply : {ok(error_json("610", "Requested resource not found")), http(404, "")}) {
    ClientHarness h;
    h.http.script(kLeadsPath, {reply});
    Result<Keys> result = h.lookup(kAnn);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ("marketo_rest_not_found", result.error().code);
    EXPECT_EQ(1u, h.http.requests_to(kLeadsPath).size());
  }
}

}  // namespace
}  // namespace sg::marketo
