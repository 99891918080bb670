#include "store/send_source.h"

#include <gtest/gtest.h>

namespace sg::store {
namespace {

TEST(SendSource, NamesRoundTrip) {
  for (auto s : {Source::WebApp, Source::Gmail, Source::Outlook, Source::Salesforce, Source::Api, Source::EmailClient})
    EXPECT_EQ(s, parse_source(to_string(s)));
  EXPECT_EQ("web_app", to_string(Source::WebApp));
  EXPECT_EQ("email_client", to_string(Source::EmailClient));
  EXPECT_FALSE(parse_source("thunderbird"));
}

}  // namespace
}  // namespace sg::store
