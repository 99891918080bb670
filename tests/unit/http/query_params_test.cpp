// Query parameters read alike on every route: strict whole numbers, and an empty cursor
// that means the first page.
#include "http/query_params.h"

#include <gtest/gtest.h>

namespace sg::http {
namespace {

Request with_query(std::map<std::string, std::string> query) {
  Request r;
  r.method = "GET";
  r.query = std::move(query);
  return r;
}

TEST(QueryParams, WholeNumbersAreReadAndAbsenceIsNoValue) {
  EXPECT_EQ(std::nullopt, *whole_number_param(with_query({}), "limit"));
  EXPECT_EQ(std::optional<int>(25), *whole_number_param(with_query({{"limit", "25"}}), "limit"));
  // Range checks belong to the route: 0 and negatives are read, not defaulted.
  EXPECT_EQ(std::optional<int>(0), *whole_number_param(with_query({{"limit", "0"}}), "limit"));
  EXPECT_EQ(std::optional<int>(-3), *whole_number_param(with_query({{"limit", "-3"}}), "limit"));
}

TEST(QueryParams, AnythingButAWholeNumberNamesTheParameter) {
  for (const char* text : {"", " 5", "5 ", "+5", "5x", "1.5", "abc", "99999999999999999999", "0x10"}) {
    auto v = whole_number_param(with_query({{"days", text}}), "days");
    ASSERT_FALSE(v) << "'" << text << "'";
    EXPECT_EQ("invalid_request", v.error().code);
    EXPECT_EQ("days", v.error().field);
  }
}

TEST(QueryParams, AnEmptyCursorIsTheFirstPageLikeNoCursor) {
  EXPECT_EQ(std::nullopt, cursor_param(with_query({})));
  EXPECT_EQ(std::nullopt, cursor_param(with_query({{"cursor", ""}})));
  EXPECT_EQ(std::optional<std::string>("abc"), cursor_param(with_query({{"cursor", "abc"}})));
}

}  // namespace
}  // namespace sg::http
