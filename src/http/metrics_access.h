// Who may read /metrics. The metrics count every team's emails, so with a token configured
// a scrape must bring it, and without one only this machine is answered.
#pragma once

#include <optional>
#include <string>

#include "core/result.h"
#include "http/types.h"

namespace sg::http {

// nullopt lets the scrape in; else unauthorized (wrong or missing token) or forbidden
// (no token configured and the peer is not a loopback address).
std::optional<Error> refuse_metrics_scrape(const Request& request, const std::string& metrics_token);

}  // namespace sg::http
