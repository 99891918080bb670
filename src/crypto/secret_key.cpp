#include "crypto/secret_key.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>

#include "crypto/error_codes.h"

namespace sg::crypto {

void init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) std::abort();  // no safe way to run without a working RNG
  });
}

namespace {

Result<SecretKey> read_key(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::array<unsigned char, SecretKey::kSize> bytes{};
  in.read(reinterpret_cast<char*>(bytes.data()), bytes.size());
  if (in.gcount() != static_cast<std::streamsize>(bytes.size()))
    return Error::make(sg::errc::config_error, "secret key file " + file.string() + " must hold 32 bytes");
  return SecretKey::from_bytes(bytes);
}

Status write_new_key(const std::filesystem::path& file) {
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  std::array<unsigned char, SecretKey::kSize> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  // O_EXCL: two processes starting at once must not overwrite each other's key.
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status::success();
    return Error::make(sg::errc::config_error,
                       "cannot create secret key file " + file.string() + ": " + std::strerror(errno));
  }
  bool ok = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  sodium_memzero(bytes.data(), bytes.size());
  if (!ok) return Error::make(sg::errc::config_error, "cannot write secret key file " + file.string());
  return Status::success();
}

}  // namespace

Result<SecretKey> SecretKey::load_or_create(const std::filesystem::path& file) {
  init();
  if (!std::filesystem::exists(file)) {
    if (Status s = write_new_key(file); !s) return s.error();
  }
  return read_key(file);
}

std::string SecretKey::seal(std::string_view plaintext) const {
  std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                        nonce, bytes_.data());
  return out;
}

Result<std::string> SecretKey::open(std::string_view sealed) const {
  constexpr size_t overhead = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES;
  if (sealed.size() < overhead) return Error::make(errc::decrypt_failed, "sealed data too short");
  std::string out(sealed.size() - overhead, '\0');
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(out.data()),
                                 nonce + crypto_secretbox_NONCEBYTES,
                                 sealed.size() - crypto_secretbox_NONCEBYTES, nonce,
                                 bytes_.data()) != 0)
    return Error::make(errc::decrypt_failed, "sealed data is not authentic");
  return out;
}

SecretKey SecretKey::derive(std::string_view purpose) const {
  std::array<unsigned char, kSize> out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(purpose.data()),
                     purpose.size(), bytes_.data(), bytes_.size());
  return SecretKey(out);
}

}  // namespace sg::crypto
