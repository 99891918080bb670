// Reading query parameters the same way on every route: whole numbers strictly, and the
// paged lists' `cursor`, whose empty value means the first page (as its absence does).
#pragma once

#include <optional>
#include <string>

#include "core/result.h"
#include "http/types.h"

namespace sg::http {

// Absent is an empty optional; anything but an optional '-' and digits that fit an int
// is invalid_request naming the parameter. Ranges are the caller's to check.
Result<std::optional<int>> whole_number_param(const Request& request, const char* name);

// The `cursor` of a paged list; absent or empty is the first page (an empty optional).
std::optional<std::string> cursor_param(const Request& request);

}  // namespace sg::http
