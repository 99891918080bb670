// The listener over real loopback sockets, driven by Python's smtplib (smtp_client.py)
// and swaks, with a recording Submission: plain, STARTTLS and implicit TLS with a self-signed
// certificate made here, AUTH only inside TLS, the timeouts, the connection cap, and a
// 100 MB message refused without the memory to hold it while another session is served.
#include "smtp/smtp_server.h"

#include <gtest/gtest.h>

#include <array>
#include <boost/asio.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/socket.h>

#include "fakes/recording_submission.h"

namespace sg::smtp {
namespace {

namespace fs = std::filesystem;
using testing::RecordingSubmission;

struct Ran {
  int status;
  std::string output;
};

Ran run(const std::string& command) {
  Ran r{-1, ""};
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buffer{};
  while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) r.output.append(buffer.data(), n);
  r.status = pclose(pipe);
  return r;
}

// The peak resident memory of this process so far, in kB.
long peak_rss_kb() {
  std::ifstream status("/proc/self/status");
  std::string key;
  long value = 0;
  while (status >> key) {
    if (key == "VmHWM:" && status >> value) return value;
    status.ignore(4096, '\n');
  }
  return 0;
}

class SmtpServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("smtp_server_test_" + std::to_string(getpid()));
    fs::create_directories(dir_);
    Ran made = run("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
                   "-addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " + (dir_ / "key.pem").string() +
                   " -out " + (dir_ / "cert.pem").string());
    ASSERT_EQ(0, made.status) << made.output;
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  ServerOptions options() {
    ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.tls_listen = "127.0.0.1:0";
    o.cert_file = (dir_ / "cert.pem").string();
    o.key_file = (dir_ / "key.pem").string();
    return o;
  }

  void serve(ServerOptions o) {
    server_ = std::make_unique<SmtpServer>(std::move(o), submission_);
    Status listening = server_->listen();
    ASSERT_TRUE(listening) << listening.error().message;
    server_->start();
  }

  // Runs a scenario of smtp_client.py against the server; passes when it prints "ok".
  void client(const std::string& scenario) {
    fs::path script = fs::path(__FILE__).parent_path() / "smtp_client.py";
    Ran r = run("/usr/bin/python3 " + script.string() + " " + scenario + " " + std::to_string(server_->port()) + " " +
                std::to_string(server_->tls_port()) + " " + (dir_ / "cert.pem").string());
    EXPECT_EQ(0, r.status) << scenario << ": " << r.output;
  }

  static fs::path dir_;
  RecordingSubmission submission_;
  std::unique_ptr<SmtpServer> server_;
};

fs::path SmtpServerTest::dir_;

TEST_F(SmtpServerTest, PlainOnATrustedLoopbackConnection) {
  serve(options());
  client("plain");
  auto sent = submission_.submitted();
  ASSERT_EQ(1u, sent.size());
  EXPECT_EQ(std::vector<std::string>{"bob@example.test"}, sent[0].envelope.recipients);
  EXPECT_NE(std::string::npos, sent[0].message.find("\r\n\r\n.starts with a dot\r\n"));
  EXPECT_EQ(std::vector<std::string>{"127.0.0.1"}, submission_.clients());
}

TEST_F(SmtpServerTest, StartTls) {
  serve(options());
  client("starttls");
  EXPECT_EQ(1u, submission_.submitted().size());
}

TEST_F(SmtpServerTest, ImplicitTls) {
  serve(options());
  client("ssl");
  EXPECT_EQ(1u, submission_.submitted().size());
}

TEST_F(SmtpServerTest, TlsOlderThan12IsRefused) {
  serve(options());
  client("old-tls");
}

TEST_F(SmtpServerTest, AuthOnlyAfterStartTlsWhenLoopbackIsNotTrusted) {
  ServerOptions o = options();
  o.trust_loopback = false;
  serve(o);
  client("auth-before-tls");
  EXPECT_EQ(1u, submission_.clients().size());  // only the AUTH inside TLS reached Submission
  EXPECT_EQ(1u, submission_.submitted().size());
}

TEST_F(SmtpServerTest, ASlowClientIsCutOffWith421) {
  ServerOptions o = options();
  o.command_timeout = std::chrono::seconds(1);  // the client sends a byte every 0.2 s, never a line
  serve(o);
  client("slow");
}

TEST_F(SmtpServerTest, AMessageTrickledInIsCutOffAtTheDataDeadline) {
  ServerOptions o = options();
  o.data_timeout = std::chrono::seconds(1);  // each byte comes long before the block timeout
  serve(o);
  client("slow-data");
  EXPECT_TRUE(submission_.submitted().empty());
}

TEST_F(SmtpServerTest, AMessageThatStopsIsCutOffAtTheBlockTimeout) {
  ServerOptions o = options();
  o.data_block_timeout = std::chrono::seconds(1);
  serve(o);
  client("idle-data");
  EXPECT_TRUE(submission_.submitted().empty());
}

TEST_F(SmtpServerTest, SwaksSendsOverStartTlsAndImplicitTls) {
  serve(options());
  const std::string common = " --server 127.0.0.1 --helo client.test --auth PLAIN --auth-user ann@acme.test"
                             " --auth-password tok_ann --from ann@acme.test --to bob@example.test"
                             " --tls-verify --tls-ca-path " + (dir_ / "cert.pem").string();
  Ran starttls = run("swaks --tls --port " + std::to_string(server_->port()) + common);
  EXPECT_EQ(0, starttls.status) << starttls.output;
  Ran implicit = run("swaks --tls-on-connect --port " + std::to_string(server_->tls_port()) + common);
  EXPECT_EQ(0, implicit.status) << implicit.output;
  EXPECT_EQ(2u, submission_.submitted().size());
}

TEST_F(SmtpServerTest, TheConnectionOverTheCapIsTurnedAway) {
  ServerOptions o = options();
  o.max_connections = 2;
  serve(o);
  client("cap2");
}

TEST_F(SmtpServerTest, HundredMegabytesAreRefusedInBoundedMemoryWhileAnotherSessionIsServed) {
  ServerOptions o = options();
  o.session.max_message_bytes = 1 << 20;
  serve(o);
  long before = peak_rss_kb();
  client("big100");
  auto sent = submission_.submitted();
  ASSERT_EQ(1u, sent.size());  // the other session's message only
  EXPECT_EQ(std::vector<std::string>{"other@example.test"}, sent[0].envelope.recipients);
  EXPECT_LT(peak_rss_kb() - before, 50 * 1024) << "the server held much of the 100 MB";
}

TEST_F(SmtpServerTest, BadAddressesAndFilesAreNamed) {
  ServerOptions o = options();
  o.listen = "nowhere:25";
  SmtpServer bad_address(o, submission_);
  Status s = bad_address.listen();
  ASSERT_FALSE(s);
  EXPECT_NE(std::string::npos, s.error().message.find("nowhere:25"));
  o = options();
  o.cert_file = (dir_ / "missing.pem").string();
  SmtpServer bad_cert(o, submission_);
  s = bad_cert.listen();
  ASSERT_FALSE(s);
  EXPECT_NE(std::string::npos, s.error().message.find("missing.pem"));
}

TEST_F(SmtpServerTest, StopClosesListenersAndConnections) {
  serve(options());
  unsigned short port = server_->port();
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket open(io);
  open.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  std::string greeting;
  boost::asio::read_until(open, boost::asio::dynamic_buffer(greeting), "\r\n");
  EXPECT_EQ(0u, greeting.find("220 "));
  timeval wait{60, 0};  // a server that never closes fails the test instead of hanging it
  setsockopt(open.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  server_->stop();
  boost::system::error_code ec;
  char byte;
  open.read_some(boost::asio::buffer(&byte, 1), ec);
  EXPECT_TRUE(ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset) << ec.message();
  Ran r = run("/usr/bin/python3 -c \"import socket; socket.create_connection(('127.0.0.1', " + std::to_string(port) +
              "), timeout=5)\"");
  EXPECT_NE(0, r.status) << "still listening after stop()";
}

}  // namespace
}  // namespace sg::smtp
