// Error codes of the Marketo adapter: why Marketo could not answer or a connection was
// refused, and the reason Marketo gives for holding mail back. API.md documents those that
// reach callers.
#pragma once

#include <string_view>

namespace sg::marketo::errc {

inline constexpr std::string_view not_connected = "marketo_not_connected";
inline constexpr std::string_view unreachable = "marketo_unreachable";
inline constexpr std::string_view busy = "marketo_busy";
inline constexpr std::string_view rate_limited = "marketo_rate_limited";
inline constexpr std::string_view quota_exceeded = "marketo_quota_exceeded";
inline constexpr std::string_view budget_exhausted = "marketo_budget_exhausted";
inline constexpr std::string_view auth_failed = "marketo_auth_failed";
inline constexpr std::string_view token_rejected = "marketo_token_rejected";
inline constexpr std::string_view access_denied = "marketo_access_denied";
inline constexpr std::string_view address_refused = "marketo_address_refused";
inline constexpr std::string_view rest_auth_failed = "marketo_rest_auth_failed";
inline constexpr std::string_view rest_unreachable = "marketo_rest_unreachable";
// 610 or HTTP 404: the REST endpoint has no such API (a wrong REST URL).
inline constexpr std::string_view rest_not_found = "marketo_rest_not_found";
inline constexpr std::string_view error = "marketo_error";
// 1003, "Invalid data"; on a lookup: more than 1,000 leads match the filter.
inline constexpr std::string_view invalid_data = "marketo_invalid_data";
// Addresses each shared by more than 1,000 leads: Marketo cannot be asked about them.
inline constexpr std::string_view too_many_matches = "marketo_too_many_matches";
inline constexpr std::string_view unsubscribed = "marketo_unsubscribed";
// A reply that is not Marketo's JSON envelope; reported to callers as `error`.
inline constexpr std::string_view invalid_response = "invalid_response";

}  // namespace sg::marketo::errc
