// Counting Marketo calls: one series per (kind, result) of
// sendguard_marketo_calls_total, where kind is one of the k*Kind names below and result
// is "success", a Marketo error code, "http_<status>", "transport" or "invalid_response".
#pragma once

#include <cstdint>
#include <string_view>

#include "marketo/types.h"
#include "obs/metrics.h"

namespace sg::marketo {

inline constexpr std::string_view kCallsMetric = "sendguard_marketo_calls_total";
// A gauge: instances whose calls today (of every integration) reached 80 % of the quota.
inline constexpr std::string_view kNearQuotaMetric = "sendguard_marketo_instances_near_quota";

// What a call was for; the REST kinds also key Usage::calls_by_kind.
inline constexpr std::string_view kTokenKind = "token";                   // Identity
inline constexpr std::string_view kLookupKind = "lookup";                 // leads by email, for a check
inline constexpr std::string_view kFeedLookupKind = "feed_lookup";        // leads by email, for the feed
inline constexpr std::string_view kUpdateKind = "update";                 // updateOnly write-back
inline constexpr std::string_view kActivityKind = "activity";             // a page of activities
inline constexpr std::string_view kActivityTypesKind = "activity_types";  // the instance's types
inline constexpr std::string_view kPagingTokenKind = "paging_token";      // where the feed starts
inline constexpr std::string_view kLeadByIdKind = "lead_by_id";           // activities' leads
inline constexpr std::string_view kBulkExportKind = "bulk_export";        // a lead export job and its file
inline constexpr std::string_view kDescribeKind = "describe";             // the instance's lead fields
inline constexpr std::string_view kUsageKind = "usage";                   // the instance's daily usage

// The calls of `usage` made by following the activity feed (paging tokens, types, fields,
// pages, the pages' leads and their addresses), as GET /integrations/marketo reports them.
int64_t feed_calls(const Usage& usage);

void describe_calls(Metrics& metrics);
void count_call(Metrics& metrics, std::string_view kind, std::string_view result);

}  // namespace sg::marketo
