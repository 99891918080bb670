// Transport: the seam through which a rendered message leaves the process.
// Implementations are thread-safe; deliver() blocks until the peer answers.
#pragma once

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
  virtual ~Transport() = default;
  virtual DeliveryResult deliver(const SmtpEnvelope& envelope, std::string_view mime) = 0;
};

}  // namespace sg::mail
