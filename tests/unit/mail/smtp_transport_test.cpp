#include "mail/smtp_transport.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "fake_smtp_server.h"

namespace sg::mail {
namespace {

using test_support::FakeSmtpServer;

const std::string kMime =
    "Subject: hi\r\n\r\nline one\r\n.leading dot survives dot-stuffing\r\n.\r\nend\r\n";

SmtpEnvelope envelope() { return {"ann@acme.com", {"bob@example.com", "cy@example.com"}}; }

std::unique_ptr<SmtpTransport> transport_for(const std::string& url, SmtpOptions options = {}) {
  Result<std::unique_ptr<SmtpTransport>> transport = SmtpTransport::create(url, options);
  EXPECT_TRUE(transport.ok());
  return transport.ok() ? std::move(*transport) : nullptr;
}

// The commands after EHLO, whose argument is this machine's host name.
std::vector<std::string> after_ehlo(const std::vector<std::string>& commands) {
  EXPECT_FALSE(commands.empty());
  EXPECT_EQ(0u, commands.empty() ? 1 : commands[0].find("EHLO "));
  return {commands.begin() + (commands.empty() ? 0 : 1), commands.end()};
}

TEST(SmtpTransport, DeliversToAllRecipientsInOneTransaction) {
  FakeSmtpServer server;
  std::unique_ptr<SmtpTransport> transport = transport_for(server.url());
  DeliveryResult result = transport->deliver(envelope(), kMime);
  EXPECT_EQ(DeliveryStatus::Delivered, result.status);
  EXPECT_EQ("250 2.0.0 Ok: queued as 1", result.detail);
  EXPECT_EQ((std::vector<std::string>{"MAIL FROM:<ann@acme.com>", "RCPT TO:<bob@example.com>",
                                      "RCPT TO:<cy@example.com>", "DATA"}),
            after_ehlo(server.commands()));
  EXPECT_EQ(std::vector<std::string>{kMime}, server.messages());
}

TEST(SmtpTransport, ReusesTheConnectionForTheNextMessage) {
  FakeSmtpServer server;
  std::unique_ptr<SmtpTransport> transport = transport_for(server.url());
  EXPECT_EQ(DeliveryStatus::Delivered, transport->deliver(envelope(), kMime).status);
  EXPECT_EQ(DeliveryStatus::Delivered, transport->deliver(envelope(), "Subject: 2\r\n\r\n").status);
  EXPECT_EQ(1, server.connections());
  EXPECT_EQ((std::vector<std::string>{kMime, "Subject: 2\r\n\r\n"}), server.messages());
}

// A relay that offers PIPELINING and answers MAIL and RCPT only once DATA has come.
FakeSmtpServer::Reply offering_pipelining(FakeSmtpServer::Reply then = {}) {
  return [then](const std::string& command) -> std::string {
    if (command.starts_with("EHLO")) return "250-fake.test\r\n250 PIPELINING";
    return then ? then(command) : "";
  };
}

// Two messages to a relay that answers the envelope only after DATA: a client waiting
// for each reply in turn would time out. Both must arrive, on one connection.
void expect_two_messages_pipelined_on_one_connection(bool implicit_tls) {
  FakeSmtpServer server(offering_pipelining(), implicit_tls);
  server.hold_replies_until_data();
  SmtpOptions options;
  options.verify_tls_peer = !implicit_tls;  // the fake's certificate is self-signed
  options.total_timeout = Millis(5'000);
  std::unique_ptr<SmtpTransport> transport = transport_for(server.url(), options);
  DeliveryResult first = transport->deliver(envelope(), kMime);
  EXPECT_EQ(DeliveryStatus::Delivered, first.status) << first.detail;
  EXPECT_EQ(DeliveryStatus::Delivered, transport->deliver(envelope(), "Subject: 2\r\n\r\n").status);
  EXPECT_EQ((std::vector<std::string>{kMime, "Subject: 2\r\n\r\n"}), server.messages());
  EXPECT_EQ(1, server.connections());
}

TEST(SmtpTransport, PipelinesTheCommandsWhereTheRelayOffersIt) {
  expect_two_messages_pipelined_on_one_connection(/*implicit_tls=*/false);
}

TEST(SmtpTransport, PipelinesInsideTheTlsLibcurlSetUp) {
  // The transaction reaches a relay that speaks TLS from the first byte only through the
  // TLS session libcurl opened.
  expect_two_messages_pipelined_on_one_connection(/*implicit_tls=*/true);
}

TEST(SmtpTransport, ARelayWhoseCertificateIsNotTrustedGetsNothing) {
  FakeSmtpServer server(offering_pipelining(), /*implicit_tls=*/true);
  DeliveryResult result = transport_for(server.url())->deliver(envelope(), kMime);
  EXPECT_EQ(DeliveryStatus::TemporaryFailure, result.status);
  EXPECT_NE(std::string::npos, result.detail.find("certificate")) << result.detail;
  EXPECT_TRUE(server.commands().empty());
}

TEST(SmtpTransport, APipelinedRefusedRecipientDropsTheConnectionBeforeTheMessageEnds) {
  // Given DATA already accepted for the other recipient, then the relay waits for a
  // message that must not reach anyone: the connection is closed and the next delivery
  // opens another.
  FakeSmtpServer server(offering_pipelining([](const std::string& command) -> std::string {
    return command == "RCPT TO:<cy@example.com>" ? "550 5.1.1 No such user" : "";
  }));
  std::unique_ptr<SmtpTransport> transport = transport_for(server.url());
  DeliveryResult result = transport->deliver(envelope(), kMime);
  EXPECT_EQ(DeliveryStatus::PermanentFailure, result.status);
  EXPECT_EQ(0u, result.detail.find("550 5.1.1 No such user (")) << result.detail;
  EXPECT_EQ(DeliveryStatus::Delivered,
            transport->deliver({"ann@acme.com", {"bob@example.com"}}, kMime).status);
  EXPECT_EQ(std::vector<std::string>{kMime}, server.messages());
  EXPECT_EQ(2, server.connections());
}

TEST(SmtpTransport, AConnectionTheRelayDroppedWhileIdleIsReplaced) {
  // Given a relay that hangs up on the second message's MAIL (as one does after its idle
  // timeout), then that message goes again on a new connection, once.
  std::atomic<int> mails{0};
  FakeSmtpServer server([&](const std::string& command) -> std::string {
    return command.starts_with("MAIL") && ++mails == 2 ? "<close>" : "";
  });
  std::unique_ptr<SmtpTransport> transport = transport_for(server.url());
  EXPECT_EQ(DeliveryStatus::Delivered, transport->deliver(envelope(), kMime).status);
  DeliveryResult second = transport->deliver(envelope(), "Subject: 2\r\n\r\n");
  EXPECT_EQ(DeliveryStatus::Delivered, second.status) << second.detail;
  EXPECT_EQ((std::vector<std::string>{kMime, "Subject: 2\r\n\r\n"}), server.messages());
  EXPECT_EQ(2, server.connections());
}

TEST(SmtpTransport, ARelayClosingAFreshConnectionFailsTheMessageWithoutRetrying) {
  FakeSmtpServer server([](const std::string& command) -> std::string {
    return command.starts_with("MAIL") ? "421 4.3.2 Shutting down" : "";
  });
  DeliveryResult result = transport_for(server.url())->deliver(envelope(), kMime);
  EXPECT_EQ(DeliveryStatus::TemporaryFailure, result.status);
  EXPECT_EQ(0u, result.detail.find("421 4.3.2 Shutting down (refused MAIL FROM:<ann@acme.com>)"))
      << result.detail;
  EXPECT_EQ(1, server.connections());
}

TEST(SmtpTransport, ARelaySilentAfterTheMessageTimesOutAsTemporary) {
  FakeSmtpServer server([](const std::string& command) -> std::string {
    return command == "." ? "<hang>" : "";
  });
  SmtpOptions options;
  options.total_timeout = Millis(300);
  DeliveryResult result = transport_for(server.url(), options)->deliver(envelope(), kMime);
  EXPECT_EQ(DeliveryStatus::TemporaryFailure, result.status);
  EXPECT_EQ("timed out waiting for the relay", result.detail);
}

TEST(SmtpTransport, AMessageWithoutAFinalLineBreakIsEndedOnALineOfItsOwn) {
  FakeSmtpServer server;
  EXPECT_EQ(DeliveryStatus::Delivered,
            transport_for(server.url())->deliver(envelope(), "Subject: 3\r\n\r\nno break").status);
  EXPECT_EQ(std::vector<std::string>{"Subject: 3\r\n\r\nno break\r\n"}, server.messages());
}

TEST(SmtpTransport, AMessageItsGateRefusesIsNeverEnded) {
  // Given a gate that refuses once the message is written, then the relay never sees its
  // end of data and keeps nothing; the next message goes out as usual.
  FakeSmtpServer server;
  std::unique_ptr<SmtpTransport> transport = transport_for(server.url());
  int asked = 0;
  DeliveryResult result = transport->deliver(envelope(), kMime, [&] { return ++asked > 1; });
  EXPECT_EQ(1, asked);
  EXPECT_EQ(DeliveryStatus::TemporaryFailure, result.status);
  EXPECT_EQ("abandoned before the end of the message", result.detail);
  EXPECT_EQ(DeliveryStatus::Delivered, transport->deliver(envelope(), "Subject: 2\r\n\r\n", [&] { return ++asked > 1; }).status);
  EXPECT_EQ(2, asked);
  EXPECT_EQ(std::vector<std::string>{"Subject: 2\r\n\r\n"}, server.messages());
}

TEST(SmtpTransport, RecipientRefusedWith451IsTemporary) {
  FakeSmtpServer server([](const std::string& command) -> std::string {
    return command == "RCPT TO:<cy@example.com>" ? "451 4.7.1 Greylisted, try later" : "";
  });
  DeliveryResult result = transport_for(server.url())->deliver(envelope(), kMime);
  EXPECT_EQ(DeliveryStatus::TemporaryFailure, result.status);
  EXPECT_EQ(0u, result.detail.find("451 4.7.1 Greylisted, try later (")) << result.detail;
  EXPECT_TRUE(server.messages().empty());
  // Without PIPELINING each command waits for the reply before it: none follows a refusal
  // but the reset.
  EXPECT_EQ((std::vector<std::string>{"MAIL FROM:<ann@acme.com>", "RCPT TO:<bob@example.com>",
                                      "RCPT TO:<cy@example.com>", "RSET"}),
            after_ehlo(server.commands()));
}

TEST(SmtpTransport, RecipientRefusedWith550IsPermanent) {
  FakeSmtpServer server([](const std::string& command) -> std::string {
    return command == "RCPT TO:<bob@example.com>" ? "550 5.1.1 No such user" : "";
  });
  DeliveryResult result = transport_for(server.url())->deliver(envelope(), kMime);
  EXPECT_EQ(DeliveryStatus::PermanentFailure, result.status);
  EXPECT_EQ(0u, result.detail.find("550 5.1.1 No such user (")) << result.detail;
  EXPECT_TRUE(server.messages().empty());
}

TEST(SmtpTransport, MessageRejectedAfterDataWith554IsPermanent) {
  FakeSmtpServer server([](const std::string& command) -> std::string {
    return command == "." ? "554 5.7.1 Spam detected" : "";
  });
  DeliveryResult result = transport_for(server.url())->deliver(envelope(), kMime);
  EXPECT_EQ(DeliveryStatus::PermanentFailure, result.status);
  EXPECT_EQ(0u, result.detail.find("554 5.7.1 Spam detected")) << result.detail;
}

TEST(SmtpTransport, GreetingWith421IsTemporary) {
  FakeSmtpServer server([](const std::string& command) -> std::string {
    return command == "<connect>" ? "421 4.3.2 Too busy" : "";
  });
  DeliveryResult result = transport_for(server.url())->deliver(envelope(), kMime);
  EXPECT_EQ(DeliveryStatus::TemporaryFailure, result.status);
  EXPECT_EQ(0u, result.detail.find("421 4.3.2 Too busy")) << result.detail;
}

TEST(SmtpTransport, ConnectionRefusedIsTemporary) {
  std::string url = "smtp://127.0.0.1:" + std::to_string(test_support::unused_port());
  DeliveryResult result = transport_for(url)->deliver(envelope(), kMime);
  EXPECT_EQ(DeliveryStatus::TemporaryFailure, result.status);
  EXPECT_NE(std::string::npos, result.detail.find("127.0.0.1")) << result.detail;
}

TEST(SmtpTransport, SilentRelayTimesOutAsTemporary) {
  FakeSmtpServer server([](const std::string&) -> std::string { return "<hang>"; });
  SmtpOptions options;
  options.total_timeout = Millis(300);
  DeliveryResult result = transport_for(server.url(), options)->deliver(envelope(), kMime);
  EXPECT_EQ(DeliveryStatus::TemporaryFailure, result.status);
  EXPECT_NE(std::string::npos, result.detail.find("timed out")) << result.detail;
}

TEST(SmtpTransport, LogsInWithTheUrlsCredentials) {
  FakeSmtpServer server([](const std::string& command) -> std::string {
    if (command.starts_with("EHLO")) return "250-fake.test\r\n250 AUTH PLAIN";
    if (command == "AUTH PLAIN") return "334 ";
    if (command == "AG1haWxlcgBzM2NyZXQ=") return "235 2.7.0 Authentication successful";
    return "";
  });
  std::string url = "smtp://mailer:s3cret@127.0.0.1:" + std::to_string(server.port());
  DeliveryResult result = transport_for(url)->deliver(envelope(), kMime);
  EXPECT_EQ(DeliveryStatus::Delivered, result.status) << result.detail;
  EXPECT_EQ("AUTH PLAIN", after_ehlo(server.commands()).at(0));
}

TEST(SmtpTransport, RefusedLoginIsTemporary) {
  FakeSmtpServer server([](const std::string& command) -> std::string {
    if (command.starts_with("EHLO")) return "250-fake.test\r\n250 AUTH PLAIN";
    if (command == "AUTH PLAIN") return "334 ";
    if (command.starts_with("AG")) return "535 5.7.8 Authentication credentials invalid";
    return "";
  });
  std::string url = "smtp://mailer:wrong@127.0.0.1:" + std::to_string(server.port());
  DeliveryResult result = transport_for(url)->deliver(envelope(), kMime);
  EXPECT_EQ(DeliveryStatus::TemporaryFailure, result.status);
  EXPECT_EQ(0u, result.detail.find("535 5.7.8 Authentication credentials invalid"))
      << result.detail;
  EXPECT_TRUE(server.messages().empty());
}

TEST(SmtpTransport, RequiredStarttlsNotOfferedIsTemporaryAndSendsNothing) {
  FakeSmtpServer server;
  SmtpOptions options;
  options.require_starttls = true;
  DeliveryResult result = transport_for(server.url(), options)->deliver(envelope(), kMime);
  EXPECT_EQ(DeliveryStatus::TemporaryFailure, result.status);
  EXPECT_TRUE(server.messages().empty());
  for (const std::string& command : server.commands())
    EXPECT_FALSE(command.starts_with("MAIL")) << "the sender leaked before TLS";
}

TEST(SmtpTransport, InjectedEnvelopeAddressIsRefusedWithoutConnecting) {
  FakeSmtpServer server;
  std::unique_ptr<SmtpTransport> transport = transport_for(server.url());
  SmtpEnvelope bad = {"ann@acme.com", {"bob@example.com>\r\nRCPT TO:<evil@x.com"}};
  EXPECT_EQ(DeliveryStatus::PermanentFailure, transport->deliver(bad, kMime).status);
  EXPECT_EQ(DeliveryStatus::PermanentFailure,
            transport->deliver({"ann@acme.com", {}}, kMime).status);
  EXPECT_EQ(0, server.connections());
}

TEST(SmtpTransport, ConcurrentDeliveriesAllArrive) {
  FakeSmtpServer server;
  SmtpOptions options;
  options.max_idle_connections = 2;
  std::unique_ptr<SmtpTransport> transport = transport_for(server.url(), options);
  std::vector<std::thread> senders;
  std::atomic<int> delivered{0};
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&] {
      for (int i = 0; i < 5; ++i)
        if (transport->deliver(envelope(), kMime).status == DeliveryStatus::Delivered) ++delivered;
    });
  }
  for (std::thread& sender : senders) sender.join();
  EXPECT_EQ(20, delivered.load());
  EXPECT_EQ(20u, server.messages().size());
}

TEST(SmtpTransport, CreateRejectsABadUrl) {
  Result<std::unique_ptr<SmtpTransport>> transport = SmtpTransport::create("smtp://relay:99999");
  ASSERT_FALSE(transport.ok());
  EXPECT_EQ("smtp_url", transport.error().field);
}

}  // namespace
}  // namespace sg::mail
