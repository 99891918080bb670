// The DATA phase: the terminator, dot-unstuffing, and what makes a message refused.
#include "smtp/message_reader.h"

#include <gtest/gtest.h>

namespace sg::smtp {
namespace {

TEST(MessageReader, StopsAtTheTerminatorAndUnstuffsDots) {
  MessageReader r(1000);
  std::string input = "Subject: x\r\n\r\n..dot\r\n.\r\nNOOP\r\n";
  EXPECT_EQ(input.find("NOOP"), r.feed(input));
  ASSERT_TRUE(r.done());
  EXPECT_FALSE(r.fault());
  EXPECT_EQ("Subject: x\r\n\r\n.dot\r\n", r.take_message());
}

TEST(MessageReader, FindsTheTerminatorAcrossChunks) {
  MessageReader r(1000);
  for (char c : std::string("a\r\n.\r")) r.feed(std::string(1, c));
  EXPECT_FALSE(r.done());
  EXPECT_EQ(1u, r.feed("\n"));
  EXPECT_TRUE(r.done());
  EXPECT_EQ("a\r\n", r.take_message());
}

TEST(MessageReader, AnEmptyMessageEndsAtOnce) {
  MessageReader r(1000);
  r.feed(".\r\n");
  EXPECT_TRUE(r.done());
  EXPECT_EQ("", r.take_message());
}

TEST(MessageReader, ABareLfDoesNotEndTheMessageAndRefusesIt) {
  MessageReader r(1000);
  r.feed("a\n.\nb\r\n");
  EXPECT_FALSE(r.done());
  r.feed(".\r\n");
  ASSERT_TRUE(r.done());
  EXPECT_EQ(MessageReader::Fault::bare_line_end, r.fault());
}

TEST(MessageReader, ABareCrRefusesIt) {
  MessageReader r(1000);
  r.feed("a\rb\r\n.\r\n");
  EXPECT_EQ(MessageReader::Fault::bare_line_end, r.fault());
}

TEST(MessageReader, ANulByteRefusesIt) {
  MessageReader r(1000);
  r.feed(std::string("a\0b\r\n.\r\n", 8));
  ASSERT_TRUE(r.done());
  EXPECT_EQ(MessageReader::Fault::nul_byte, r.fault());
}

TEST(MessageReader, LinesOf1000OctetsPassAndLongerOnesRefuseIt) {
  MessageReader ok(10000);
  ok.feed(std::string(998, 'x') + "\r\n.\r\n");
  EXPECT_FALSE(ok.fault());
  MessageReader bad(10000);
  bad.feed(std::string(999, 'x') + "\r\n.\r\n");
  ASSERT_TRUE(bad.done());
  EXPECT_EQ(MessageReader::Fault::line_too_long, bad.fault());
}

TEST(MessageReader, PastTheLimitItOnlyCountsAndStillFindsTheEnd) {
  MessageReader r(100);
  std::string line = std::string(70, 'x') + "\r\n";
  for (int i = 0; i < 10000; ++i) r.feed(line);
  EXPECT_TRUE(r.take_message().empty());  // nothing kept
  r.feed(".\r\n");
  ASSERT_TRUE(r.done());
  EXPECT_EQ(MessageReader::Fault::too_big, r.fault());
}

TEST(MessageReader, AHugeLineWithoutEndCostsNoMemory) {
  MessageReader r(1 << 20);
  std::string chunk(1 << 16, 'x');
  for (int i = 0; i < 64; ++i) r.feed(chunk);
  r.feed("\r\n.\r\n");
  ASSERT_TRUE(r.done());
  EXPECT_EQ(MessageReader::Fault::line_too_long, r.fault());
}

}  // namespace
}  // namespace sg::smtp
