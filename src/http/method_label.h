// The HTTP method as a metric label: a fixed set, so that clients cannot create series.
#pragma once

#include <string>
#include <string_view>

namespace sg::http {

// "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE" or "OPTIONS" as given; anything else "other".
std::string method_label(std::string_view method);

}  // namespace sg::http
