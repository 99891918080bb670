#include <gtest/gtest.h>

#include "core/email_address.h"

namespace sg {
namespace {

TEST(EmailAddress, KeepsSpellingAndLowerCasesKey) {
  auto a = EmailAddress::parse("Ann.Smith+News@Example.COM");
  ASSERT_TRUE(a);
  EXPECT_EQ("Ann.Smith+News@Example.COM", a->original());
  EXPECT_EQ("ann.smith+news@example.com", a->key());
}

TEST(EmailAddress, AcceptsRfc5321Forms) {
  for (const char* ok : {"a@x.com", "o'brien@x.co.uk", "\"john doe\"@x.com", "u@[192.0.2.1]",
                         "x@localhost", "a-b_c@sub-domain.example.org", "!#$%&'*+-/=?^_`{|}~@x.io"})
    EXPECT_TRUE(EmailAddress::parse(ok)) << ok;
}

TEST(EmailAddress, RejectsNonMailboxes) {
  for (const char* bad : {"", "plain", "@x.com", "a@", "a@@x.com", ".a@x.com", "a.@x.com",
                          "a..b@x.com", "a b@x.com", "a@x..com", "a@-x.com", "a@x-.com",
                          "a@x.com\r\nBcc: victim@y.com", "a@x.com\n", "José@x.com", "a@bü.com",
                          "\"unterminated@x.com", "Ann <a@x.com>"})
    EXPECT_FALSE(EmailAddress::parse(bad)) << bad;
}

TEST(EmailAddress, EnforcesLengthLimits) {
  std::string local64(64, 'a'), local65(65, 'a');
  EXPECT_TRUE(EmailAddress::parse(local64 + "@x.com"));
  EXPECT_FALSE(EmailAddress::parse(local65 + "@x.com"));
  std::string label63(63, 'b'), label64(64, 'b');
  EXPECT_TRUE(EmailAddress::parse("a@" + label63 + ".com"));
  EXPECT_FALSE(EmailAddress::parse("a@" + label64 + ".com"));
  std::string long_domain;
  for (int i = 0; i < 5; ++i) long_domain += label63 + ".";
  EXPECT_FALSE(EmailAddress::parse("a@" + long_domain + "com"));
}

TEST(EmailAddress, ErrorNamesTheAddress) {
  auto bad = EmailAddress::parse("nope");
  ASSERT_FALSE(bad);
  EXPECT_EQ("invalid_request", bad.error().code);
  EXPECT_NE(std::string::npos, bad.error().message.find("'nope'"));
}

}  // namespace
}  // namespace sg
