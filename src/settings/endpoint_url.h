// normalize_endpoint: the check an admin's endpoint URL passes before it is stored.
// Pure and thread-safe.
#pragma once

#include <string>

#include "core/result.h"

namespace sg::settings {

// Checks an endpoint URL: absolute, https (http only for loopback hosts, and only when
// `allow_loopback`), no query or fragment. Returns it without a trailing slash. Which
// addresses may be reached is judged later, on the resolved address (net::AddressPolicy).
// Errors: invalid_request naming `field`.
Result<std::string> normalize_endpoint(const std::string& field, const std::string& url, bool allow_loopback);

}  // namespace sg::settings
