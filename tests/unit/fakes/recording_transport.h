// RecordingTransport: keeps every delivery in memory; can be told to fail the next
// deliveries temporarily or permanently. A delivery its end gate abandons is not kept.
// Thread-safe.
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

 private:
  mail::DeliveryResult send(const mail::SmtpEnvelope& envelope, std::string_view mime,
                            const EndGate& gate) override {
    {
      std::lock_guard lock(mu);
      if (!failures.empty()) {
        auto f = failures.front();
        failures.erase(failures.begin());
        return {f, "simulated"};
      }
    }
    // Asked without the lock, as a relay's end of data comes after the message is written.
    if (!may_end(gate)) return abandoned();
    std::lock_guard lock(mu);
    sent.push_back({envelope, std::string(mime)});
    return {mail::DeliveryStatus::Delivered, "ok"};
  }
};

}  // namespace sg::test
