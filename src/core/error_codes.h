// The stable error codes of the core and the HTTP API (API.md, "Errors"): one name per
// code, so callers compare and construct errors without spelling strings. Codes that
// belong to one vendor live in that vendor's folder, and those one module keeps to
// itself in that module (net/error_codes.h, crypto/error_codes.h).
#pragma once

#include <string_view>

namespace sg::errc {

inline constexpr std::string_view invalid_request = "invalid_request";
inline constexpr std::string_view unauthorized = "unauthorized";
inline constexpr std::string_view forbidden = "forbidden";
inline constexpr std::string_view csrf_failed = "csrf_failed";
inline constexpr std::string_view not_found = "not_found";
inline constexpr std::string_view method_not_allowed = "method_not_allowed";
inline constexpr std::string_view check_enabled = "check_enabled";
inline constexpr std::string_view idempotency_key_reused = "idempotency_key_reused";
inline constexpr std::string_view user_exists = "user_exists";
inline constexpr std::string_view last_admin = "last_admin";
inline constexpr std::string_view already_enrolled = "already_enrolled";
inline constexpr std::string_view payload_too_large = "payload_too_large";
inline constexpr std::string_view unsupported_media_type = "unsupported_media_type";
inline constexpr std::string_view recipient_unsubscribed = "recipient_unsubscribed";
inline constexpr std::string_view rate_limited = "rate_limited";
inline constexpr std::string_view unsubscribe_check_unavailable = "unsubscribe_check_unavailable";
inline constexpr std::string_view server_busy = "server_busy";
inline constexpr std::string_view database_unavailable = "database_unavailable";
inline constexpr std::string_view internal_error = "internal_error";
inline constexpr std::string_view config_error = "config_error";

}  // namespace sg::errc
