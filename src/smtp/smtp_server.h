// SmtpServer: the SMTP submission listeners on Boost.Asio — a plain one that offers
// STARTTLS when a certificate is configured, and an optional implicit-TLS one (port 465
// convention), both through boost::asio::ssl (OpenSSL, TLS 1.2 or later). Each connection
// is a Session; its bytes are fed on a worker pool because Submission may block (database,
// Marketo), so a slow check never holds up other connections' I/O.
//
// Bounded against hostile clients: a cap on connections (421 to the one over), a deadline
// for each command line and for the whole message (a byte a minute does not keep a
// connection), and a read buffer of fixed size (message memory is bounded by the Session).
// Lifecycle: listen() binds, start() serves on its own threads and returns, stop() closes
// listeners and connections and joins (also done by the destructor). `submission` must
// outlive the server.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/result.h"
#include "smtp/session.h"
#include "smtp/submission.h"

namespace sg::smtp {

struct ServerOptions {
  std::string listen;      // "host:port" (SENDGUARD_SMTP_LISTEN, e.g. "0.0.0.0:587"); port 0 picks one
  std::string tls_listen;  // implicit TLS (SENDGUARD_SMTPS_LISTEN); empty = off; needs the certificate
  std::string cert_file;   // PEM chain (SENDGUARD_TLS_CERT); empty = no STARTTLS
  std::string key_file;    // PEM private key (SENDGUARD_TLS_KEY)
  bool trust_loopback = true;  // AUTH without TLS from 127.0.0.0/8 and ::1 (RFC 4954 4 lets a site decide)
  int max_connections = 100;   // at once, both listeners together
  int io_threads = 2;
  int worker_threads = 8;      // Session work and Submission calls
  // RFC 5321 4.5.3.2's server timeouts; each is a deadline, not an idle timer.
  std::chrono::milliseconds command_timeout = std::chrono::minutes(5);     // for a whole command line
  std::chrono::milliseconds data_block_timeout = std::chrono::minutes(3);  // between reads in DATA
  std::chrono::milliseconds data_timeout = std::chrono::minutes(10);       // for the whole message after 354
  SessionOptions session;  // starttls_available is set from cert_file
};

class SmtpServer {
 public:
  SmtpServer(ServerOptions options, Submission& submission);
  ~SmtpServer();

  // Loads the certificate and binds both listeners; errors name the file or address.
  Status listen();
  unsigned short port() const;      // of `listen`, once bound
  unsigned short tls_port() const;  // of `tls_listen`, once bound; 0 when off
  void start();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sg::smtp
