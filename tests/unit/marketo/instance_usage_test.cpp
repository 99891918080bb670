#include "marketo/instance_usage.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace sg::marketo {
namespace {

boost::json::array result_of(const char* text) { return boost::json::parse(text).as_array(); }

TEST(InstanceUsage, RequestsTheDailyUsage) {
  EXPECT_EQ("https://123-abc-456.mktorest.com/rest/v1/stats/usage.json",
            usage_request(*parse_endpoint("https://123-abc-456.mktorest.com/rest")).url);
}

TEST(InstanceUsage, ReadsTheDaysTotal) {
  // The shape of Adobe's "Get Daily Usage" sample reply.
  auto total = read_usage_total(result_of(
      R"([{"date":"2026-01-15T00:00:00Z","total":25,"users":[{"userId":"api@x.com","count":20},)"
      R"({"userId":"crm@x.com","count":5}]}])"));
  ASSERT_TRUE(total.ok());
  EXPECT_EQ(25, *total);
}

TEST(InstanceUsage, ADayWithoutAnItemIsZero) { EXPECT_EQ(0, *read_usage_total(result_of("[]"))); }

TEST(InstanceUsage, AnUnreadableTotalIsAnError) {
  for (const char* text : {R"([{"date":"2026-01-15T00:00:00Z"}])", R"([{"total":-1}])", "[1]"}) {
    auto total = read_usage_total(result_of(text));
    ASSERT_FALSE(total.ok()) << text;
    EXPECT_NE(std::string::npos, total.error().message.find("total")) << text;
  }
}

}  // namespace
}  // namespace sg::marketo
