// Error codes of the crypto module: sealed data that cannot be opened stays an internal
// failure, never an API answer of its own.
#pragma once

#include <string_view>

namespace sg::crypto::errc {

inline constexpr std::string_view decrypt_failed = "decrypt_failed";

}  // namespace sg::crypto::errc
