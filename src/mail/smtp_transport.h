// SmtpTransport: delivers through an SMTP relay, one transaction per message (all
// recipients in it). libcurl connects, greets, upgrades to TLS and logs in; the mail
// transaction on that connection is ours (smtp_transaction.h), because libcurl cannot
// pipeline it. Thread-safe: each delivery borrows a connection from a pool, so relay
// connections are reused between messages; one the relay dropped while idle is replaced
// and the message sent again on the new one.
// A 5xx reply fails permanently; 4xx, network errors, timeouts and refused logins fail
// temporarily. Any refused recipient fails the whole delivery.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "mail/smtp_url.h"
#include "mail/transport.h"

namespace sg::mail {

struct SmtpOptions {
  Millis connect_timeout{10'000};
  Millis total_timeout{60'000};  // one whole delivery, connecting included
  // smtp:// upgrades with STARTTLS when the relay offers it; when true, a relay that does
  // not offer it fails the delivery instead of receiving the message in clear.
  bool require_starttls = false;
  bool verify_tls_peer = true;          // check the relay's certificate and host name
  std::size_t max_idle_connections = 4;  // connections kept open between deliveries
};

class SmtpTransport final : public Transport {
 public:
  // Fails (invalid_request, field "smtp_url") when `url` does not parse.
  static Result<std::unique_ptr<SmtpTransport>> create(std::string_view url,
                                                       SmtpOptions options = {});
  explicit SmtpTransport(SmtpUrl url, SmtpOptions options = {});
  ~SmtpTransport() override;
  SmtpTransport(const SmtpTransport&) = delete;
  SmtpTransport& operator=(const SmtpTransport&) = delete;


 private:
  DeliveryResult send(const SmtpEnvelope& envelope, std::string_view mime, const EndGate& may_end) override;

  struct Connection;
  using Deadline = std::chrono::steady_clock::time_point;

  // Null, with `failure` saying why, when the relay cannot be reached or refuses us.
  std::unique_ptr<Connection> connect(Deadline deadline, DeliveryResult& failure) const;
  std::unique_ptr<Connection> take_idle();
  void keep_idle(std::unique_ptr<Connection> connection);

  const SmtpUrl url_;
  const SmtpOptions options_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;  // GUARDED_BY(mutex_)
};

}  // namespace sg::mail
