// EmlFileTransport: "delivers" by writing each message as one .eml file, for development
// and for inspecting what would have been sent. Files appear atomically (temp file,
// fsync, rename) as <dir>/<unix-ms>-<random hex>.eml holding exactly the MIME bytes.
// Thread-safe. Write failures are TemporaryFailure with the OS error.
#pragma once

#include <filesystem>
#include <string_view>

#include "core/clock.h"
#include "mail/transport.h"

namespace sg::mail {

class EmlFileTransport final : public Transport {
 public:
  // The directory is created on first delivery when missing. `clock` names the files and
  // must outlive this transport.
  EmlFileTransport(std::filesystem::path dir, const Clock& clock);


 private:
  // On success the detail is the written file's path; the file appears only once the gate
  // agrees.
  DeliveryResult send(const SmtpEnvelope& envelope, std::string_view mime, const EndGate& may_end) override;

  const std::filesystem::path dir_;
  const Clock& clock_;
};

}  // namespace sg::mail
