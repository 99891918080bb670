// FakeSmtpServer: a scripted SMTP peer on a loopback port for transport tests, one
// thread per connection. `reply` answers each command line; it also sees "<connect>"
// for the greeting and "." at the end of a message's data. Returning "" gives the
// default (a 2xx, or 354 for DATA); "<hang>" answers nothing, "<close>" hangs up.
// hold_replies_until_data() makes it answer MAIL and RCPT only once DATA has come, as
// only a client that pipelines (RFC 2920) can bear. With implicit TLS it speaks TLS from
// the first byte (smtps://), with a self-signed certificate made at start.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sg::mail::test_support {

class FakeSmtpServer {
 public:
  using Reply = std::function<std::string(const std::string& command)>;

  explicit FakeSmtpServer(Reply reply = {}, bool implicit_tls = false);
  ~FakeSmtpServer();
  FakeSmtpServer(const FakeSmtpServer&) = delete;
  FakeSmtpServer& operator=(const FakeSmtpServer&) = delete;

  int port() const { return port_; }
  std::string url() const {
    return (tls_ ? "smtps://127.0.0.1:" : "smtp://127.0.0.1:") + std::to_string(port_);
  }
  std::vector<std::string> commands() const;  // every line outside DATA, in order
  std::vector<std::string> messages() const;  // each accepted message, dot-unstuffed
  int connections() const { return connections_; }
  void hold_replies_until_data() { hold_ = true; }

 private:
  struct Link;  // one connection, in clear or TLS

  void accept_loop();
  void serve(int fd);
  std::string answer(const std::string& command);
  bool read_line(Link& link, std::string& buffer, std::string& line);
  bool respond(Link& link, const std::string& reply);
  bool receive_message(Link& link, std::string& buffer);

  Reply reply_;
  std::shared_ptr<void> tls_;  // the SSL_CTX, when TLS
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> hold_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> commands_;  // GUARDED_BY(mutex_)
  std::vector<std::string> messages_;  // GUARDED_BY(mutex_)
  std::vector<std::thread> sessions_;  // GUARDED_BY(mutex_)
  std::thread acceptor_;
};

// A port on which nothing listens (bound, then closed), for connection-refused tests.
int unused_port();

}  // namespace sg::mail::test_support
