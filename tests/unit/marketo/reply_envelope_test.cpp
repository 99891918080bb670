#include "marketo/reply_envelope.h"

#include <gtest/gtest.h>

#include <limits>

namespace sg::marketo {
namespace {

TEST(ReplyEnvelope, EnvelopeReadsASuccessfulPage) {
  Result<ReplyEnvelope> envelope = parse_reply_envelope(
      R"({"requestId":"d612#1","success":true,"result":[{"id":1},{"id":2}],"moreResult":true,"nextPageToken":"GIYD"})");
  ASSERT_TRUE(envelope.ok());
  EXPECT_TRUE(envelope->success);
  EXPECT_EQ(2u, envelope->result.size());
  EXPECT_TRUE(envelope->more_result);
  EXPECT_EQ("GIYD", envelope->next_page_token);
  EXPECT_TRUE(envelope->errors.empty());
}

TEST(ReplyEnvelope, EnvelopeToleratesAbsentFields) {
  Result<ReplyEnvelope> envelope = parse_reply_envelope(R"({"success":true})");
  ASSERT_TRUE(envelope.ok());
  EXPECT_TRUE(envelope->result.empty());
  EXPECT_FALSE(envelope->more_result);
  EXPECT_EQ("", envelope->next_page_token);
}

TEST(ReplyEnvelope, EnvelopeReadsErrorCodesAsStringsOrNumbers) {
  Result<ReplyEnvelope> envelope =
      parse_reply_envelope(R"({"success":false,"errors":[{"code":"606","message":"Max rate limit"},{"code":615}]})");
  ASSERT_TRUE(envelope.ok());
  EXPECT_FALSE(envelope->success);
  ASSERT_EQ(2u, envelope->errors.size());
  EXPECT_EQ("606", envelope->errors[0].code);
  EXPECT_EQ("Max rate limit", envelope->errors[0].message);
  EXPECT_EQ("615", envelope->errors[1].code);
}

TEST(ReplyEnvelope, EnvelopeRejectsGarbage) {
  for (const char* body : {"", "<html>502 Bad Gateway</html>", "[1,2]", R"({"success":true,"result":{}})",
                           R"({"success":true,"result":[)"}) {
    Result<ReplyEnvelope> envelope = parse_reply_envelope(body);
    ASSERT_FALSE(envelope.ok()) << body;
    EXPECT_EQ("invalid_response", envelope.error().code);
  }
}

TEST(EnvelopeValues, TruthyAcceptsBooleansAndTrueStrings) {
  const boost::json::value yes = true, no = false, text_yes = "true", text_one = "1", text_no = "false", null;
  EXPECT_TRUE(truthy(&yes));
  EXPECT_TRUE(truthy(&text_yes));
  EXPECT_TRUE(truthy(&text_one));
  EXPECT_FALSE(truthy(&no));
  EXPECT_FALSE(truthy(&text_no));
  EXPECT_FALSE(truthy(&null));
  EXPECT_FALSE(truthy(nullptr));
}

TEST(EnvelopeValues, TextOfWritesScalarsAsText) {
  const boost::json::value text = "Unsubscribed", yes = true, number = 12, fraction = 1.5, null;
  EXPECT_EQ("Unsubscribed", text_of(&text));
  EXPECT_EQ("true", text_of(&yes));
  EXPECT_EQ("12", text_of(&number));
  EXPECT_EQ("1.5", text_of(&fraction));
  EXPECT_EQ("", text_of(&null));
  EXPECT_EQ("", text_of(nullptr));
}

TEST(EnvelopeValues, IntegerOfAcceptsWholeNumbersAndDigitStrings) {
  const boost::json::value small = 318581, whole = 318581.0, digits = "318581", fraction = 1.5, words = "12a",
                           empty = "", huge = std::numeric_limits<uint64_t>::max();
  EXPECT_EQ(318581, integer_of(&small));
  EXPECT_EQ(318581, integer_of(&whole));
  EXPECT_EQ(318581, integer_of(&digits));
  EXPECT_FALSE(integer_of(&fraction));
  EXPECT_FALSE(integer_of(&words));
  EXPECT_FALSE(integer_of(&empty));
  EXPECT_FALSE(integer_of(&huge));
  EXPECT_FALSE(integer_of(nullptr));
}

}  // namespace
}  // namespace sg::marketo
