#include "mail/smtp_url.h"

#include <gtest/gtest.h>

namespace sg::mail {
namespace {

SmtpUrl parsed(std::string_view text) {
  Result<SmtpUrl> url = parse_smtp_url(text);
  EXPECT_TRUE(url.ok()) << (url.ok() ? "" : url.error().message);
  return url.ok() ? *url : SmtpUrl{};
}

std::string error_of(std::string_view text) {
  Result<SmtpUrl> url = parse_smtp_url(text);
  if (url.ok()) return "<parsed>";
  EXPECT_EQ("smtp_url", url.error().field);
  EXPECT_EQ("invalid_request", url.error().code);
  return url.error().message;
}

TEST(ParseSmtpUrl, HostAndPort) {
  SmtpUrl url = parsed("smtp://relay.example.com:587");
  EXPECT_FALSE(url.implicit_tls);
  EXPECT_EQ("relay.example.com", url.host);
  EXPECT_EQ(587, url.port);
  EXPECT_EQ("", url.user);
  EXPECT_EQ("smtp://relay.example.com:587", url.endpoint());
}

TEST(ParseSmtpUrl, DefaultPortsFollowTheScheme) {
  EXPECT_EQ(25, parsed("smtp://relay").port);
  EXPECT_EQ(465, parsed("smtps://relay").port);
  EXPECT_TRUE(parsed("SMTPS://relay/").implicit_tls);
}

TEST(ParseSmtpUrl, PercentDecodedCredentialsStayOutOfTheEndpoint) {
  SmtpUrl url = parsed("smtps://mailer%40acme.com:p%3Ass@w0rd@smtp.acme.com:465");
  EXPECT_EQ("mailer@acme.com", url.user);
  EXPECT_EQ("p:ss@w0rd", url.password);
  EXPECT_EQ("smtp.acme.com", url.host);
  EXPECT_EQ("smtps://smtp.acme.com:465", url.endpoint());
}

TEST(ParseSmtpUrl, UserWithoutPassword) {
  SmtpUrl url = parsed("smtp://apikey@relay:2525");
  EXPECT_EQ("apikey", url.user);
  EXPECT_EQ("", url.password);
}

TEST(ParseSmtpUrl, Ipv6Literal) {
  SmtpUrl url = parsed("smtp://[::1]:2525");
  EXPECT_EQ("[::1]", url.host);
  EXPECT_EQ(2525, url.port);
  EXPECT_EQ(25, parsed("smtp://[::1]").port);
}

TEST(ParseSmtpUrl, RejectsWithMessagesThatNeverEchoTheUrl) {
  EXPECT_EQ("smtp_url must start with smtp:// or smtps://", error_of("http://relay"));
  EXPECT_EQ("smtp_url must start with smtp:// or smtps://", error_of("relay:25"));
  EXPECT_EQ("smtp_url has no valid host name", error_of("smtp://"));
  EXPECT_EQ("smtp_url has no valid host name", error_of("smtp://user:secret@bad host"));
  EXPECT_EQ("smtp_url port must be a number from 1 to 65535", error_of("smtp://relay:0"));
  EXPECT_EQ("smtp_url port must be a number from 1 to 65535", error_of("smtp://relay:70000"));
  EXPECT_EQ("smtp_url port must be a number from 1 to 65535", error_of("smtp://relay:"));
  EXPECT_EQ("smtp_url port must be a number from 1 to 65535", error_of("smtp://relay:25x"));
  EXPECT_EQ("smtp_url must not have a path, query or fragment", error_of("smtp://relay/x"));
  EXPECT_EQ("smtp_url must not have a path, query or fragment", error_of("smtp://relay?a=b"));
  EXPECT_EQ("smtp_url has a malformed %-escape in its user or password",
            error_of("smtp://u:p%zz@relay"));
  EXPECT_EQ("smtp_url has credentials without a user name", error_of("smtp://:secret@relay"));
}

}  // namespace
}  // namespace sg::mail
