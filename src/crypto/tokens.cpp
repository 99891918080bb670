#include "crypto/tokens.h"

#include <sodium.h>

#include <stdexcept>

#include "crypto/secret_key.h"

namespace sg::crypto {

std::string base64url(std::string_view bytes) {
  init();
  constexpr int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), variant);
  out.resize(out.size() - 1);  // drop the terminating NUL
  return out;
}

std::string base64url_decode(std::string_view text) {
  init();
  std::string out(text.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
    return {};
  out.resize(len);
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  init();
  std::string out(text.size(), '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size())
    return std::nullopt;
  out.resize(len);
  return out;
}

namespace {
std::string random_bytes(size_t n) {
  init();
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}
}  // namespace

std::string random_id(std::string_view prefix) {
  return std::string(prefix) + base64url(random_bytes(16));
}

std::string random_token(std::string_view prefix) {
  return std::string(prefix) + base64url(random_bytes(32));
}

std::string token_hash(std::string_view token) {
  init();
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  char hex[sizeof digest * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

bool same_hash(std::string_view a, std::string_view b) {
  init();
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string hash_password(std::string_view password) {
  init();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    throw std::runtime_error("out of memory while hashing a password");
  return out;
}

bool verify_password(std::string_view password, const std::string& stored_hash) {
  init();
  return crypto_pwhash_str_verify(stored_hash.c_str(), password.data(), password.size()) == 0;
}

unsigned random_below(unsigned upper) {
  init();
  return randombytes_uniform(upper);
}

}  // namespace sg::crypto
