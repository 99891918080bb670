// Random identifiers and tokens, and the one-way hashes under which tokens and
// passwords are stored. Thread-safe (libsodium).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sg::crypto {

// URL-safe base64 without padding.
std::string base64url(std::string_view bytes);
std::string base64url_decode(std::string_view text);  // empty on malformed input
// Standard base64 with padding (RFC 4648 section 4), as SMTP AUTH sends; nullopt on malformed input.
std::optional<std::string> base64_decode(std::string_view text);

// An opaque id such as "em_3kq0…": prefix plus 16 random bytes.
std::string random_id(std::string_view prefix);
// A bearer token: prefix plus 32 random bytes; shown once, stored only as its hash.
std::string random_token(std::string_view prefix);
// Hex BLAKE2b of a high-entropy token: fast and safe for random tokens (no salt needed).
std::string token_hash(std::string_view token);
// Whether two token hashes are equal, in time independent of where they differ.
bool same_hash(std::string_view a, std::string_view b);

// argon2id (libsodium's interactive limits); the result embeds salt and parameters.
std::string hash_password(std::string_view password);
bool verify_password(std::string_view password, const std::string& stored_hash);

// Uniform random integer in [0, upper).
unsigned random_below(unsigned upper);

}  // namespace sg::crypto
