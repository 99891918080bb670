#include "marketo/call_metrics.h"

#include <string>

namespace sg::marketo {

void describe_calls(Metrics& metrics) {
  metrics.describe(std::string(kCallsMetric), "counter",
                   "HTTP calls to Marketo by kind (token, lookup, update, activity, activity_types, "
                   "paging_token, lead_by_id, feed_lookup, describe, bulk_export, usage) and result");
  metrics.describe(std::string(kNearQuotaMetric), "gauge",
                   "Marketo instances whose calls today, by every integration, reached 80% of the daily quota");
  metrics.set_gauge(std::string(kNearQuotaMetric), {}, 0);
}

int64_t feed_calls(const Usage& usage) {
  int64_t calls = 0;
  for (std::string_view kind :
       {kPagingTokenKind, kActivityTypesKind, kDescribeKind, kActivityKind, kLeadByIdKind, kFeedLookupKind}) {
    auto it = usage.calls_by_kind.find(std::string(kind));
    if (it != usage.calls_by_kind.end()) calls += it->second;
  }
  return calls;
}

void count_call(Metrics& metrics, std::string_view kind, std::string_view result) {
  // Labels are given sorted by name: kind before result.
  metrics.increment(std::string(kCallsMetric), {{"kind", std::string(kind)}, {"result", std::string(result)}});
}

}  // namespace sg::marketo
