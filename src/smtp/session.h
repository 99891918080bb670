// Session: one SMTP submission connection as a state machine, without sockets (RFC 5321,
// RFC 6409, RFC 4954 AUTH, RFC 3207 STARTTLS, RFC 2920 PIPELINING, RFC 1870 SIZE, RFC 2034
// ENHANCEDSTATUSCODES). The server feeds it the bytes it reads and writes back what it
// answers; the session calls Submission (which may block) for AUTH, MAIL and the end of
// DATA. Not thread-safe: one thread at a time per session. `submission` must outlive it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "smtp/message_reader.h"
#include "smtp/reply.h"
#include "smtp/submission.h"

namespace sg::smtp {

// Limits and what this listener offers; the defaults are justified in docs/decisions.md.
struct SessionOptions {
  std::string hostname = "localhost";             // in the greeting and EHLO reply
  size_t max_message_bytes = 25 * 1024 * 1024;    // SIZE; past it 552 5.3.4
  size_t max_recipients = 1000;                   // per message; past it 452 4.5.3
  size_t max_commands = 5000;                     // per connection; past it 421 4.7.0 and close
  int max_auth_failures = 3;                      // per connection; the last one is 421 and close
  bool starttls_available = false;                // a certificate is configured
};

struct Peer {
  std::string address;       // the client's IP address, handed to Submission::authenticate
  bool trusted = false;      // a loopback peer the listener trusts with AUTH outside TLS
  bool tls = false;          // implicit TLS: the connection is encrypted from its first byte
};

class Session {
 public:
  Session(SessionOptions options, Submission& submission, Peer peer);

  std::string greeting() const;

  // What the server must do once it has written the output of feed().
  enum class Next { read, start_tls, close };
  // Reads the commands (or message) in `bytes` in order and appends the replies to `out`.
  // Stops at STARTTLS or a closing reply; bytes after them are dropped (RFC 3207 6: none
  // may be read from before the TLS handshake).
  Next feed(std::string_view bytes, std::string& out);
  // The TLS handshake after STARTTLS succeeded: back to the state before EHLO (RFC 3207 4.2).
  void tls_started();

  // Whether the session is reading a message rather than a command (for the timeouts).
  bool in_data() const { return message_.has_value(); }
  // Why the server closed: a command or message did not arrive in time.
  static std::string timeout_reply();
  // Why the server turned a connection away: too many connections.
  static std::string busy_reply();
  // Why the server closed: the submission failed in a way a later try may not (the
  // database out of reach).
  static std::string unavailable_reply();

 private:
  enum class AuthStep { none, plain, login_username, login_password };

  Next line(std::string_view text, std::string& out);
  Next command(std::string_view text, std::string& out);
  Next answer(const Reply& reply, std::string& out);  // 421 closes
  Reply ehlo(const std::string& args, bool extended);
  Reply auth(const std::string& args);
  Reply auth_response(std::string_view text);
  Reply login(const std::string& username, const std::string& password);
  Reply mail(const std::string& args);
  Reply rcpt(const std::string& args);
  Reply data(const std::string& args);
  Reply end_of_data();
  bool auth_allowed() const { return peer_.tls || peer_.trusted; }
  size_t line_limit(std::string_view next_chunk) const;  // for the line in partial_ + next_chunk
  void reset_transaction();

  const SessionOptions options_;
  Submission& submission_;
  Peer peer_;

  std::string partial_;  // a command line not yet ended by CRLF
  bool partial_overflow_ = false;
  size_t commands_ = 0;
  int auth_failures_ = 0;
  bool greeted_ = false;
  std::optional<Login> login_;
  AuthStep auth_step_ = AuthStep::none;
  std::string auth_username_;
  std::optional<Envelope> envelope_;
  std::optional<MessageReader> message_;
};

}  // namespace sg::smtp
