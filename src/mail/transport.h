// Transport: the seam through which a rendered message leaves the process.
// Implementations are thread-safe; deliver() blocks until the peer answers.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sg::mail {

// Who the message goes to, as told to the SMTP peer (MAIL FROM, RCPT TO); its To and Cc
// headers are only shown to the reader.
struct SmtpEnvelope {
  std::string mail_from;
  std::vector<std::string> rcpt_to;
};

enum class DeliveryStatus { Delivered, TemporaryFailure, PermanentFailure };

struct DeliveryResult {
  DeliveryStatus status = DeliveryStatus::Delivered;
  std::string detail;  // the peer's answer or the local error, for the log and the email's reason
};

class Transport {
 public:
  // Asked once the whole message is written and before it is ended (SMTP's final "."):
  // false abandons the transaction, so the peer never takes the message. It lets the
  // outbox record one outcome while the next message is on its way.
  using EndGate = std::function<bool()>;

  virtual ~Transport() = default;
  DeliveryResult deliver(const SmtpEnvelope& envelope, std::string_view mime, const EndGate& may_end = {}) {
    return send(envelope, mime, may_end);
  }

 protected:
  // An empty gate lets every message end.
  static bool may_end(const EndGate& gate) { return !gate || gate(); }
  static DeliveryResult abandoned() {
    return {DeliveryStatus::TemporaryFailure, "abandoned before the end of the message"};
  }

 private:
  virtual DeliveryResult send(const SmtpEnvelope& envelope, std::string_view mime, const EndGate& may_end) = 0;
};

}  // namespace sg::mail
