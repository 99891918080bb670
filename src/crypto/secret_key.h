// SecretKey: the server's 32-byte key that encrypts stored secrets and seals
// unsubscribe tokens. Loaded from a file, created with mode 0600 when absent.
// Immutable after construction, so safe to share between threads.
#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sg::crypto {

// Starts libsodium, aborting when it cannot (no safe random numbers). Only the first call
// does anything, so any thread may call it any number of times. SecretKey::load_or_create
// and the functions of tokens.h call it themselves; call it before sealing with a key made
// by SecretKey::from_bytes.
void init();

class SecretKey {
 public:
  static constexpr size_t kSize = 32;
  static Result<SecretKey> load_or_create(const std::filesystem::path& file);
  static SecretKey from_bytes(const std::array<unsigned char, kSize>& bytes) { return SecretKey(bytes); }

  // Authenticated encryption (XSalsa20-Poly1305) with a random nonce; output is nonce||box.
  std::string seal(std::string_view plaintext) const;
  // Fails when the ciphertext was altered or sealed under another key.
  Result<std::string> open(std::string_view sealed) const;

  // A key for one purpose, derived so that uses never share key material.
  SecretKey derive(std::string_view purpose) const;

 private:
  explicit SecretKey(const std::array<unsigned char, kSize>& bytes) : bytes_(bytes) {}
  std::array<unsigned char, kSize> bytes_;
};

}  // namespace sg::crypto
