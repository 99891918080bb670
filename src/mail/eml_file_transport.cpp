#include "mail/eml_file_transport.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

#include "crypto/tokens.h"

namespace sg::mail {
namespace {

namespace fs = std::filesystem;

DeliveryResult os_failure(std::string_view action, const fs::path& path, std::error_code error) {
  return {DeliveryStatus::TemporaryFailure,
          std::string(action) + " " + path.string() + ": " + error.message()};
}

std::error_code last_error() { return {errno, std::generic_category()}; }

std::string random_hex(int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < digits; ++i) out += kHex[crypto::random_below(16)];
  return out;
}

std::error_code write_all_and_sync(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return last_error();
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return ::fsync(fd) == 0 ? std::error_code() : last_error();
}

// Creates `path` (never overwriting) with exactly `bytes`; on failure removes it again.
std::error_code write_new_file(const fs::path& path, std::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return last_error();
  std::error_code error = write_all_and_sync(fd, bytes);
  if (::close(fd) != 0 && !error) error = last_error();
  if (error) ::unlink(path.c_str());
  return error;
}

// Makes the rename itself durable; failure here loses nothing already visible.
void sync_directory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

EmlFileTransport::EmlFileTransport(std::filesystem::path dir, const Clock& clock)
    : dir_(std::move(dir)), clock_(clock) {}

DeliveryResult EmlFileTransport::send(const SmtpEnvelope&, std::string_view mime, const EndGate& gate) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return os_failure("create directory", dir_, ec);
  std::string name = std::to_string(to_unix_millis(clock_.now())) + "-" + random_hex(16);
  // A dot-file in the same directory: readers skip it, and rename() stays atomic.
  fs::path temp = dir_ / ("." + name + ".tmp");
  fs::path final_path = dir_ / (name + ".eml");
  if (std::error_code error = write_new_file(temp, mime)) return os_failure("write", temp, error);
  if (!may_end(gate)) {
    ::unlink(temp.c_str());
    return abandoned();
  }
  if (::rename(temp.c_str(), final_path.c_str()) != 0) {
    std::error_code error = last_error();
    ::unlink(temp.c_str());
    return os_failure("rename to", final_path, error);
  }
  sync_directory(dir_);
  return {DeliveryStatus::Delivered, final_path.string()};
}

}  // namespace sg::mail
