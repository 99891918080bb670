// url_encode: percent-encoding for outbound query strings and form bodies.
// Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace sg::net {

// Percent-encodes for a query string or form body (RFC 3986 unreserved kept).
std::string url_encode(std::string_view text);

}  // namespace sg::net
