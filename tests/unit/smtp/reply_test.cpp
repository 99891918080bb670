// Replies on the wire and the one mapping from Submission's errors to them.
#include "smtp/reply.h"

#include <gtest/gtest.h>

#include "smtp/reply_for.h"

namespace sg::smtp {
namespace {

TEST(Reply, MultiLineRepliesUseDashContinuation) {
  Reply r{250, "", {"host greets you", "PIPELINING", "SIZE 10"}};
  EXPECT_EQ("250-host greets you\r\n250-PIPELINING\r\n250 SIZE 10\r\n", r.wire());
  EXPECT_EQ("550 5.7.1 no\r\n", reply(550, "5.7.1", "no").wire());
}

TEST(Reply, TextIsPrintableAsciiAndShortEnough) {
  std::string wire = reply(554, "5.6.0", "bad\r\n250 forged\x01 caf\xc3\xa9" + std::string(2000, 'x')).wire();
  EXPECT_EQ(wire.find("\r\n"), wire.size() - 2);  // one line: no CR/LF from the text
  EXPECT_EQ(0u, wire.find("554 5.6.0 bad??250 forged? caf??x"));
  EXPECT_LT(wire.size(), 512u);
}

TEST(ReplyFor, UnsubscribedNamesTheAddresses) {
  Error e = Error::make(errc::recipient_unsubscribed, "x").about({"a@x.test", "b@x.test"});
  Reply r = reply_for(e);
  EXPECT_EQ(550, r.code);
  EXPECT_EQ("5.7.1", r.enhanced);
  EXPECT_NE(std::string::npos, r.wire().find("a@x.test, b@x.test\r\n"));
}

TEST(ReplyFor, ManyUnsubscribedNameTheFirstFewAndCountTheRest) {
  std::vector<std::string> many;
  for (int i = 0; i < 200; ++i) many.push_back("someone" + std::to_string(i) + "@example.test");
  std::string wire = reply_for(Error::make(errc::recipient_unsubscribed, "x").about(many)).wire();
  EXPECT_LT(wire.size(), 512u);
  EXPECT_NE(std::string::npos, wire.find("someone0@example.test, someone1@example.test"));
  EXPECT_NE(std::string::npos, wire.find(" more\r\n"));
  EXPECT_EQ(std::string::npos, wire.find("someone199@"));
}

TEST(ReplyFor, EachErrorHasItsReply) {
  struct Case {
    Error error;
    int code;
    std::string enhanced;
    std::string text;  // part of the reply
  };
  std::vector<Case> cases = {
      {Error::make(errc::unsubscribe_check_unavailable, "x"), 451, "4.7.0", "try again later"},
      {Error::forbidden("You may send only as ann@acme.test"), 550, "5.7.1", "only as ann@acme.test"},
      {Error::unauthorized("x"), 535, "5.7.8", "credentials invalid"},
      {Error::make(errc::rate_limited, "x"), 454, "4.7.0", "try again later"},
      {Error::invalid("message", "From: is missing"), 554, "5.6.0", "From: is missing"},
      {Error::internal("db down"), 451, "4.3.0", "try again later"},
      {Error::make("something_new", "x"), 451, "4.3.0", "try again later"},
  };
  for (const auto& c : cases) {
    Reply r = reply_for(c.error);
    EXPECT_EQ(c.code, r.code) << c.error.code;
    EXPECT_EQ(c.enhanced, r.enhanced) << c.error.code;
    EXPECT_NE(std::string::npos, r.wire().find(c.text)) << r.wire();
  }
  EXPECT_EQ("250 2.0.0 Ok: queued as em_1\r\n", accepted("em_1").wire());
}

}  // namespace
}  // namespace sg::smtp
