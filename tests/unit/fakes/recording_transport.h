// RecordingTransport: keeps every delivery in memory; can be told to fail the next
// deliveries temporarily or permanently. Thread-safe.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "mail/transport.h"

namespace sg::test {

class RecordingTransport final : public mail::Transport {
 public:
  struct Sent {
    mail::SmtpEnvelope envelope;
    std::string mime;
  };

  mail::DeliveryResult deliver(const mail::SmtpEnvelope& envelope, std::string_view mime) override {
    std::lock_guard lock(mu);
    if (!failures.empty()) {
      auto f = failures.front();
      failures.erase(failures.begin());
      return {f, "simulated"};
    }
    sent.push_back({envelope, std::string(mime)});
    return {mail::DeliveryStatus::Delivered, "ok"};
  }

  std::vector<std::string> recipients() {
    std::lock_guard lock(mu);
    std::vector<std::string> out;
    for (const auto& s : sent)
      for (const auto& r : s.envelope.rcpt_to) out.push_back(r);
    return out;
  }

  std::mutex mu;
  std::vector<Sent> sent;
  std::vector<mail::DeliveryStatus> failures;
};

}  // namespace sg::test
