// Error codes of the HTTP client (http_client.h): why no HTTP status could be had.
// They stay inside the process; adapters turn them into codes of their own.
#pragma once

#include <string_view>

namespace sg::net::errc {

inline constexpr std::string_view transport = "transport";
inline constexpr std::string_view address_refused = "address_refused";

}  // namespace sg::net::errc
