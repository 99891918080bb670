// Counting Marketo calls: one series per (kind, result) of
// sendguard_marketo_calls_total, where kind is "token" or "lookup" and result is
// "success", a Marketo error code, "http_<status>", "transport" or "invalid_response".
#pragma once

#include <string_view>

#include "obs/metrics.h"

namespace sg::marketo {

inline constexpr std::string_view kCallsMetric = "sendguard_marketo_calls_total";

void describe_calls(Metrics& metrics);
void count_call(Metrics& metrics, std::string_view kind, std::string_view result);

}  // namespace sg::marketo
