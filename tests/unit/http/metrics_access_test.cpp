#include <gtest/gtest.h>

#include "http/metrics_access.h"

namespace sg::http {
namespace {

Request scrape(std::string peer, std::optional<std::string> authorization = std::nullopt) {
  Request r;
  r.method = "GET";
  r.path = "/metrics";
  r.peer = std::move(peer);
  if (authorization) r.headers["authorization"] = *authorization;
  return r;
}

TEST(MetricsAccess, WithoutTokenOnlyLoopbackPeersAreAnswered) {
  for (const char* local : {"127.0.0.1", "127.3.4.5", "::1", "::ffff:127.0.0.1"})
    EXPECT_FALSE(refuse_metrics_scrape(scrape(local), "")) << local;
  for (const char* remote : {"10.0.0.5", "192.168.1.2", "2001:db8::1", "::ffff:10.0.0.1", "128.0.0.1", ""}) {
    auto refused = refuse_metrics_scrape(scrape(remote), "");
    ASSERT_TRUE(refused) << remote;
    EXPECT_EQ("forbidden", refused->code);
  }
}

TEST(MetricsAccess, WithTokenEveryPeerMustBringIt) {
  const std::string token = "s3cret-metrics";
  EXPECT_FALSE(refuse_metrics_scrape(scrape("10.0.0.5", "Bearer s3cret-metrics"), token));
  EXPECT_FALSE(refuse_metrics_scrape(scrape("10.0.0.5", "bearer s3cret-metrics"), token));
  for (std::optional<std::string> wrong : {std::optional<std::string>{}, std::optional<std::string>{"Bearer nope"},
                                           std::optional<std::string>{"Basic s3cret-metrics"},
                                           std::optional<std::string>{"Bearer "}}) {
    auto refused = refuse_metrics_scrape(scrape("127.0.0.1", wrong), token);
    ASSERT_TRUE(refused) << wrong.value_or("(none)");
    EXPECT_EQ("unauthorized", refused->code);
  }
}

}  // namespace
}  // namespace sg::http
