// The SMTP session state machine, fed bytes as a client sends them, with a recording
// Submission: every command, its errors and reply codes, AUTH, pipelining and limits.
#include "smtp/session.h"

#include <gtest/gtest.h>

#include "fakes/recording_submission.h"

namespace sg::smtp {
namespace {

using testing::RecordingSubmission;

const std::string kAuthPlain = "AUTH PLAIN AGFubkBhY21lLnRlc3QAdG9rX2Fubg==\r\n";  // ann@acme.test / tok_ann
const std::string kBadPlain = "AUTH PLAIN AGFubkBhY21lLnRlc3QAd3Jvbmc=\r\n";       // ann@acme.test / wrong

struct Client {
  explicit Client(SessionOptions options = {}, Peer peer = {"192.0.2.7", false, true})
      : session(std::move(options), submission, std::move(peer)) {}

  // What the session answers to `bytes`; `next` says what the server would do then.
  std::string send(const std::string& bytes) {
    std::string out;
    next = session.feed(bytes, out);
    return out;
  }
  // Greeted and logged in, ready for MAIL.
  Client& ready() {
    send("EHLO client.test\r\n" + kAuthPlain);
    return *this;
  }
  Client& in_transaction() {
    ready().send("MAIL FROM:<ann@acme.test>\r\nRCPT TO:<bob@example.test>\r\n");
    return *this;
  }

  RecordingSubmission submission;
  Session session;
  Session::Next next = Session::Next::read;
};

SessionOptions with(void (*change)(SessionOptions&)) {
  SessionOptions o;
  o.hostname = "mx.sendguard.test";
  change(o);
  return o;
}

TEST(Session, GreetsWith220) {
  Client c;
  EXPECT_EQ("220 localhost ESMTP Sendguard ready\r\n", c.session.greeting());
}

TEST(Session, EhloListsTheExtensions) {
  Client c(with([](SessionOptions& o) { o.max_message_bytes = 1000; }));
  EXPECT_EQ(
      "250-mx.sendguard.test greets client.test\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-8BITMIME\r\n"
      "250-ENHANCEDSTATUSCODES\r\n250 AUTH PLAIN LOGIN\r\n",
      c.send("EHLO client.test\r\n"));
}

TEST(Session, EhloOffersStartTlsBeforeTlsAndAuthOnlyInsideIt) {
  Client c(with([](SessionOptions& o) { o.starttls_available = true; }), Peer{"192.0.2.7", false, false});
  std::string before = c.send("EHLO client.test\r\n");
  EXPECT_NE(std::string::npos, before.find("250 STARTTLS\r\n"));
  EXPECT_EQ(std::string::npos, before.find("AUTH"));
  EXPECT_EQ("220 2.0.0 Ready to start TLS\r\n", c.send("STARTTLS\r\n"));
  EXPECT_EQ(Session::Next::start_tls, c.next);
  c.session.tls_started();
  std::string after = c.send("EHLO client.test\r\n");
  EXPECT_EQ(std::string::npos, after.find("STARTTLS"));
  EXPECT_NE(std::string::npos, after.find("250 AUTH PLAIN LOGIN\r\n"));
}

TEST(Session, BytesPipelinedAfterStartTlsAreDropped) {
  // RFC 3207 6: a command injected before the handshake must not run inside TLS.
  Client c(with([](SessionOptions& o) { o.starttls_available = true; }), Peer{"192.0.2.7", false, false});
  c.send("EHLO client.test\r\n");
  EXPECT_EQ("220 2.0.0 Ready to start TLS\r\n", c.send("STARTTLS\r\n" + kAuthPlain));
  c.session.tls_started();
  EXPECT_EQ("503 5.5.1 Send EHLO first\r\n", c.send("MAIL FROM:<ann@acme.test>\r\n"));
  EXPECT_TRUE(c.submission.clients().empty());
}

TEST(Session, TlsStartedForgetsTheLoginAndGreeting) {
  Client c(with([](SessionOptions& o) { o.starttls_available = true; }), Peer{"127.0.0.1", true, false});
  c.ready();
  c.send("STARTTLS\r\n");
  c.session.tls_started();
  EXPECT_EQ("503 5.5.1 Send EHLO first\r\n", c.send("MAIL FROM:<ann@acme.test>\r\n"));
  c.send("EHLO client.test\r\n");
  EXPECT_EQ("530 5.7.0 Authentication required\r\n", c.send("MAIL FROM:<ann@acme.test>\r\n"));
}

TEST(Session, StartTlsWhenNotOfferedOrAlreadyActive) {
  Client none;
  EXPECT_EQ("502 5.5.1 STARTTLS is not offered here\r\n", none.send("STARTTLS\r\n"));
  Client tls(with([](SessionOptions& o) { o.starttls_available = true; }));
  EXPECT_EQ("503 5.5.1 TLS is already active\r\n", tls.send("STARTTLS\r\n"));
  Client plain(with([](SessionOptions& o) { o.starttls_available = true; }), Peer{"192.0.2.7", false, false});
  EXPECT_EQ("501 5.5.4 STARTTLS takes no arguments\r\n", plain.send("STARTTLS now\r\n"));
}

TEST(Session, HeloAnswersWithoutExtensions) {
  Client c;
  EXPECT_EQ("250 localhost greets old.test\r\n", c.send("HELO old.test\r\n"));
  EXPECT_EQ("501 5.5.4 Syntax: EHLO <domain>\r\n", c.send("EHLO\r\n"));
}

TEST(Session, AuthOutsideTlsFromAnUntrustedPeerNeedsEncryption) {
  Client c({}, Peer{"192.0.2.7", false, false});
  c.send("EHLO client.test\r\n");
  EXPECT_EQ("538 5.7.11 Encryption required: use STARTTLS first\r\n", c.send(kAuthPlain));
  EXPECT_TRUE(c.submission.clients().empty());
}

TEST(Session, AuthOutsideTlsFromATrustedLoopbackPeerIsAccepted) {
  Client c({}, Peer{"127.0.0.1", true, false});
  c.send("EHLO client.test\r\n");
  EXPECT_EQ("235 2.7.0 Authentication successful\r\n", c.send(kAuthPlain));
  EXPECT_EQ(std::vector<std::string>{"127.0.0.1"}, c.submission.clients());
}

TEST(Session, AuthPlainWithContinuation) {
  Client c;
  c.send("EHLO client.test\r\n");
  EXPECT_EQ("334 \r\n", c.send("AUTH PLAIN\r\n"));
  EXPECT_EQ("235 2.7.0 Authentication successful\r\n", c.send("AGFubkBhY21lLnRlc3QAdG9rX2Fubg==\r\n"));
}

TEST(Session, AuthPlainWithAnotherAuthorizationIdentityFails) {
  Client c;
  c.send("EHLO client.test\r\n");
  EXPECT_EQ("535 5.7.8 Authentication credentials invalid\r\n",
            c.send("AUTH PLAIN Ym9iQGFjbWUudGVzdABhbm5AYWNtZS50ZXN0AHRva19hbm4=\r\n"));
}

TEST(Session, AuthLoginAsksForUsernameThenPassword) {
  Client c;
  c.send("EHLO client.test\r\n");
  EXPECT_EQ("334 VXNlcm5hbWU6\r\n", c.send("AUTH LOGIN\r\n"));
  EXPECT_EQ("334 UGFzc3dvcmQ6\r\n", c.send("YW5uQGFjbWUudGVzdA==\r\n"));
  EXPECT_EQ("235 2.7.0 Authentication successful\r\n", c.send("dG9rX2Fubg==\r\n"));
}

TEST(Session, AuthLoginWithTheUsernameAsInitialResponse) {
  Client c;
  c.send("EHLO client.test\r\n");
  EXPECT_EQ("334 UGFzc3dvcmQ6\r\n", c.send("AUTH LOGIN YW5uQGFjbWUudGVzdA==\r\n"));
  EXPECT_EQ("235 2.7.0 Authentication successful\r\n", c.send("dG9rX2Fubg==\r\n"));
}

TEST(Session, AStarCancelsAuth) {
  Client c;
  c.send("EHLO client.test\r\n");
  c.send("AUTH LOGIN\r\n");
  EXPECT_EQ("501 5.7.0 Authentication cancelled\r\n", c.send("*\r\n"));
  c.send("AUTH PLAIN\r\n");
  EXPECT_EQ("501 5.7.0 Authentication cancelled\r\n", c.send("*\r\n"));
  EXPECT_EQ("250 2.0.0 OK\r\n", c.send("NOOP\r\n"));  // back to commands
}

TEST(Session, AuthRefusesBadBase64AndBadPlainAndUnknownMechanisms) {
  Client c;
  c.send("EHLO client.test\r\n");
  EXPECT_EQ("501 5.5.2 Cannot decode the base64 response\r\n", c.send("AUTH PLAIN !!!\r\n"));
  EXPECT_EQ(0u, c.send("AUTH PLAIN bm8tbnVsLWhlcmU=\r\n").find("501 5.5.2 AUTH PLAIN needs"));
  EXPECT_EQ(0u, c.send("AUTH CRAM-MD5\r\n").find("504 5.5.4 "));
  EXPECT_TRUE(c.submission.clients().empty());
}

TEST(Session, AuthInTheWrongState) {
  Client c;
  EXPECT_EQ("503 5.5.1 Send EHLO first\r\n", c.send(kAuthPlain));
  c.ready();
  EXPECT_EQ("503 5.5.1 Already authenticated\r\n", c.send(kAuthPlain));
}

TEST(Session, FailedAuthIs535AndTheLastAllowedOneCloses) {
  Client c(with([](SessionOptions& o) { o.max_auth_failures = 2; }));
  c.send("EHLO client.test\r\n");
  EXPECT_EQ("535 5.7.8 Authentication credentials invalid\r\n", c.send(kBadPlain));
  EXPECT_EQ(Session::Next::read, c.next);
  EXPECT_EQ(0u, c.send(kBadPlain + "NOOP\r\n").find("421 4.7.0 Too many failed authentication attempts"));
  EXPECT_EQ(Session::Next::close, c.next);
}

TEST(Session, ThrottledAuthIs454) {
  Client c;
  c.submission.auth_error = Error::make(errc::rate_limited, "slow down");
  c.send("EHLO client.test\r\n");
  EXPECT_EQ("454 4.7.0 Too many attempts, try again later\r\n", c.send(kAuthPlain));
}

TEST(Session, MailNeedsAuthAndAnAllowedSender) {
  Client c;
  c.send("EHLO client.test\r\n");
  EXPECT_EQ("530 5.7.0 Authentication required\r\n", c.send("MAIL FROM:<ann@acme.test>\r\n"));
  c.send(kAuthPlain);
  EXPECT_EQ("550 5.7.1 You may send only as ann@acme.test\r\n", c.send("MAIL FROM:<boss@acme.test>\r\n"));
  EXPECT_EQ("250 2.1.0 Sender OK\r\n", c.send("MAIL FROM:<ann@acme.test> BODY=8BITMIME SIZE=100\r\n"));
  EXPECT_EQ("503 5.5.1 Nested MAIL command\r\n", c.send("MAIL FROM:<ann@acme.test>\r\n"));
}

TEST(Session, MailChecksSizeAndParameters) {
  Client c(with([](SessionOptions& o) { o.max_message_bytes = 1000; }));
  c.ready();
  EXPECT_EQ(0u, c.send("MAIL FROM:<ann@acme.test> SIZE=1001\r\n").find("552 5.3.4 "));
  EXPECT_EQ(0u, c.send("MAIL FROM:<ann@acme.test> SIZE=big\r\n").find("501 5.5.4 "));
  EXPECT_EQ(0u, c.send("MAIL FROM:<ann@acme.test> BODY=BINARYMIME\r\n").find("501 5.5.4 "));
  EXPECT_EQ("555 5.5.4 Unsupported MAIL FROM parameter: SMTPUTF8\r\n", c.send("MAIL FROM:<ann@acme.test> SMTPUTF8\r\n"));
  EXPECT_EQ(0u, c.send("MAIL FROM:ann@acme.test\r\n").find("501 5.5.4 "));
  EXPECT_EQ(0u, c.send("MAIL TO:<ann@acme.test>\r\n").find("501 5.5.4 Syntax: MAIL FROM:<address>"));
}

TEST(Session, RcptNeedsMailAndAValidAddress) {
  Client c;
  c.ready();
  EXPECT_EQ("503 5.5.1 Send MAIL before RCPT\r\n", c.send("RCPT TO:<bob@example.test>\r\n"));
  c.send("MAIL FROM:<ann@acme.test>\r\n");
  EXPECT_EQ(0u, c.send("RCPT TO:<not an address>\r\n").find("501 5.1.3 "));
  EXPECT_EQ("501 5.1.3 A recipient cannot be empty\r\n", c.send("RCPT TO:<>\r\n"));
  EXPECT_EQ(0u, c.send("RCPT TO:<bob@example.test> NOTIFY=NEVER\r\n").find("555 5.5.4 "));
  EXPECT_EQ("250 2.1.5 Recipient OK\r\n", c.send("RCPT TO: <bob@example.test>\r\n"));
}

TEST(Session, RecipientsPastTheCapAre452) {
  Client c(with([](SessionOptions& o) { o.max_recipients = 2; }));
  c.ready().send("MAIL FROM:<ann@acme.test>\r\n");
  EXPECT_EQ("250 2.1.5 Recipient OK\r\n250 2.1.5 Recipient OK\r\n"
            "452 4.5.3 Too many recipients; at most 2 per message\r\n",
            c.send("RCPT TO:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nRCPT TO:<c@x.test>\r\n"));
  c.send("DATA\r\nhi\r\n.\r\n");
  ASSERT_EQ(1u, c.submission.submitted().size());
  EXPECT_EQ((std::vector<std::string>{"a@x.test", "b@x.test"}), c.submission.submitted()[0].envelope.recipients);
}

TEST(Session, DataNeedsRecipients) {
  Client c;
  c.ready();
  EXPECT_EQ("503 5.5.1 Send MAIL before DATA\r\n", c.send("DATA\r\n"));
  c.send("MAIL FROM:<ann@acme.test>\r\n");
  EXPECT_EQ("503 5.5.1 Send RCPT before DATA\r\n", c.send("DATA\r\n"));
  c.send("RCPT TO:<bob@example.test>\r\n");
  EXPECT_EQ("501 5.5.4 DATA takes no arguments\r\n", c.send("DATA now\r\n"));
}

TEST(Session, AMessageIsSubmittedUnstuffedWithTheWholeEnvelope) {
  Client c;
  c.in_transaction().send("RCPT TO:<carol@example.test>\r\n");
  EXPECT_EQ("354 End data with <CR><LF>.<CR><LF>\r\n", c.send("DATA\r\n"));
  EXPECT_TRUE(c.session.in_data());
  EXPECT_EQ("250 2.0.0 Ok: queued as em_1\r\n", c.send("Subject: hi\r\n\r\n..leading dot\r\nend\r\n.\r\n"));
  EXPECT_FALSE(c.session.in_data());
  auto sent = c.submission.submitted();
  ASSERT_EQ(1u, sent.size());
  EXPECT_EQ("ann@acme.test", sent[0].envelope.reverse_path);
  EXPECT_EQ((std::vector<std::string>{"bob@example.test", "carol@example.test"}), sent[0].envelope.recipients);
  EXPECT_EQ("Subject: hi\r\n\r\n.leading dot\r\nend\r\n", sent[0].message);
  // The transaction is over; the login is not.
  EXPECT_EQ("503 5.5.1 Send MAIL before RCPT\r\n", c.send("RCPT TO:<bob@example.test>\r\n"));
  EXPECT_EQ("250 2.1.0 Sender OK\r\n", c.send("MAIL FROM:<ann@acme.test>\r\n"));
}

TEST(Session, SubmitErrorsBecomeReplies) {
  Client c;
  c.submission.submit_error = Error::make(errc::recipient_unsubscribed, "x").about({"bob@example.test"});
  c.in_transaction();
  EXPECT_EQ("354 End data with <CR><LF>.<CR><LF>\r\n550 5.7.1 Not sent: unsubscribed recipient(s): bob@example.test\r\n",
            c.send("DATA\r\nhi\r\n.\r\n"));
  c.submission.submit_error = Error::make(errc::unsubscribe_check_unavailable, "x");
  c.send("MAIL FROM:<ann@acme.test>\r\nRCPT TO:<bob@example.test>\r\n");
  EXPECT_EQ(0u, c.send("DATA\r\nhi\r\n.\r\n").find("354 End data with <CR><LF>.<CR><LF>\r\n451 4.7.0 Could not verify"));
  EXPECT_TRUE(c.submission.submitted().empty());
}

TEST(Session, AnOversizedMessageIs552AndTheConnectionStaysUsable) {
  Client c(with([](SessionOptions& o) { o.max_message_bytes = 100; }));
  c.in_transaction().send("DATA\r\n");
  std::string line = std::string(60, 'x') + "\r\n";
  for (int i = 0; i < 1000; ++i) EXPECT_EQ("", c.send(line));
  EXPECT_EQ("552 5.3.4 Message exceeds the maximum size of 100 octets\r\n", c.send(".\r\n"));
  EXPECT_TRUE(c.submission.submitted().empty());
  c.send("MAIL FROM:<ann@acme.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n");
  EXPECT_EQ("250 2.0.0 Ok: queued as em_1\r\n", c.send("small\r\n.\r\n"));
}

TEST(Session, BadMessagesAreRefusedWholeWith554) {
  struct Case {
    std::string body;
    std::string why;
  };
  std::vector<Case> cases = {
      {std::string("a\0b\r\n", 5), "554 5.6.0 Message refused: it contains a NUL byte\r\n"},
      {"a\nb\r\n", "554 5.6.0 Message refused: it contains a bare CR or LF; lines must end with CRLF\r\n"},
      {std::string(1200, 'x') + "\r\n", "554 5.6.0 Message refused: a line is longer than 1000 octets (RFC 5321 4.5.3.1.6)\r\n"},
  };
  for (const auto& bad : cases) {
    Client c;
    c.in_transaction().send("DATA\r\n");
    EXPECT_EQ(bad.why, c.send(bad.body + ".\r\n"));
    EXPECT_TRUE(c.submission.submitted().empty());
    EXPECT_EQ("250 2.0.0 OK\r\n", c.send("NOOP\r\n"));
  }
}

TEST(Session, PipelinedCommandsAreAnsweredInOrder) {
  Client c;
  c.send("EHLO client.test\r\n");
  std::string out = c.send(kAuthPlain +
                           "MAIL FROM:<ann@acme.test>\r\nRCPT TO:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\n");
  EXPECT_EQ("235 2.7.0 Authentication successful\r\n250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n"
            "250 2.1.5 Recipient OK\r\n354 End data with <CR><LF>.<CR><LF>\r\n",
            out);
  EXPECT_EQ("250 2.0.0 Ok: queued as em_1\r\n221 2.0.0 Bye\r\n", c.send("hello\r\n.\r\nQUIT\r\nNOOP\r\n"));
  EXPECT_EQ(Session::Next::close, c.next);
}

TEST(Session, CommandsSplitAcrossReadsAreJoined) {
  Client c;
  c.send("EH");
  c.send("LO client");
  EXPECT_EQ(0u, c.send(".test\r").size());
  EXPECT_EQ(0u, c.send("\n").find("250-localhost greets client.test"));
}

TEST(Session, SmallCommands) {
  Client c;
  c.in_transaction();
  EXPECT_EQ("250 2.0.0 OK\r\n", c.send("RSET\r\n"));
  EXPECT_EQ("503 5.5.1 Send MAIL before RCPT\r\n", c.send("RCPT TO:<bob@example.test>\r\n"));
  EXPECT_EQ("501 5.5.4 RSET takes no arguments\r\n", c.send("RSET now\r\n"));
  EXPECT_EQ("250 2.0.0 OK\r\n", c.send("noop\r\n"));
  EXPECT_EQ(0u, c.send("VRFY bob\r\n").find("252 2.5.0 "));
  EXPECT_EQ("501 5.5.4 VRFY needs an argument\r\n", c.send("VRFY\r\n"));
  EXPECT_EQ("502 5.5.1 EXPN is not implemented\r\n", c.send("EXPN list\r\n"));
  EXPECT_EQ(0u, c.send("HELP\r\n").find("214 2.0.0 "));
  EXPECT_EQ("500 5.5.1 Command not recognised: BDAT\r\n", c.send("BDAT 10 LAST\r\n"));
  EXPECT_EQ("221 2.0.0 Bye\r\n", c.send("QUIT\r\n"));
  EXPECT_EQ(Session::Next::close, c.next);
}

TEST(Session, GarbageGetsRepliesWithEnhancedCodes) {
  Client c;
  std::string out = c.send("\r\n\x01\xff garbage\r\n" + std::string("NO\0OP\r\n", 7) + "ok\n");
  EXPECT_EQ("500 5.5.1 Command not recognised: \r\n500 5.5.1 Command not recognised: ??\r\n"
            "501 5.5.4 Command line contains a NUL byte\r\n"
            "500 5.5.2 Command lines must end with CRLF, not a bare LF\r\n",
            out);
}

TEST(Session, CommandLinesPast512OctetsAre500) {
  Client c;
  EXPECT_EQ("500 5.5.6 Line too long\r\n", c.send("NOOP " + std::string(600, 'x') + "\r\n"));
  EXPECT_EQ("250 2.0.0 OK\r\n", c.send("NOOP " + std::string(505, 'x') + "\r\n"));  // 512 with CRLF
  EXPECT_EQ("500 5.5.6 Line too long\r\n", c.send("NOOP " + std::string(506, 'x') + "\r\n"));
}

TEST(Session, AuthLinesMayBeLonger) {
  Client c;
  c.send("EHLO client.test\r\n");
  // 2000 octets of base64 (RFC 4954 4 allows 12288); they decode to NULs, so no username.
  EXPECT_EQ("535 5.7.8 Authentication credentials invalid\r\n", c.send("AUTH PLAIN " + std::string(2000, 'A') + "\r\n"));
}

TEST(Session, AuthLinesMayBeLongerWhenSplitAcrossReads) {
  Client c;
  c.send("EHLO client.test\r\n");
  c.send("AU");
  c.send("TH PLAIN " + std::string(1000, 'A'));
  EXPECT_EQ("535 5.7.8 Authentication credentials invalid\r\n", c.send(std::string(1000, 'A') + "\r\n"));
}

TEST(Session, TooManyCommandsCloseWith421) {
  Client c(with([](SessionOptions& o) { o.max_commands = 3; }));
  EXPECT_EQ("250 2.0.0 OK\r\n250 2.0.0 OK\r\n250 2.0.0 OK\r\n421 4.7.0 Too many commands, closing connection\r\n",
            c.send("NOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\n"));
  EXPECT_EQ(Session::Next::close, c.next);
}

}  // namespace
}  // namespace sg::smtp
