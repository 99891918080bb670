// The values Marketo's client takes and returns: credentials, limits, write-back results,
// activities, leads and the day's usage. Plain data, no behaviour.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/clock.h"

namespace sg::marketo {

struct Credentials {
  std::string rest_endpoint;      // e.g. https://123-ABC-456.mktorest.com/rest
  std::string identity_endpoint;  // e.g. https://123-ABC-456.mktorest.com/identity
  std::string client_id;
  std::string client_secret;
};

struct Limits {
  // Limits and budgets are kept per Marketo instance (REST host) and client id together.
  int calls_per_window = 50;       // per instance and client id
  Millis window{20000};
  int max_concurrent = 5;          // per instance and client id
  Millis call_timeout{10000};      // each HTTP call
  int max_attempts = 4;            // per logical call, for retryable failures
  Millis initial_backoff{500};
  Millis max_backoff{8000};
  Millis max_wait_for_slot{30000}; // longest a call waits for the limiter before giving up
  // REST calls per instance per day (midnight to midnight US Central, as Marketo's quota);
  // a share of the quota every integration of the customer draws on. 0 = unlimited.
  int daily_budget = 10000;
  // The most of daily_budget that calls other than live lookups (the feed, write-backs)
  // may spend, so a noisy feed cannot starve the check: lookups keep the rest.
  int background_percent = 30;
  // The instance's quota of REST calls a day, shared by all the customer's integrations
  // (Marketo's default is 50,000; the server's config sets it). 0 = unknown: the daily
  // usage is not read and other integrations' calls are not counted.
  int daily_quota = 0;
};

// Who asks a lookup: a live check, which may spend the lookups' reserve and is turned
// away during a 606 hold, or the activity feed, whose lookups are background calls
// (within their share of the budget, counted in the feed's calls, waiting when held).
enum class Asker { check, feed };

enum class WriteBackStatus {
  updated,    // every lead with the address is now unsubscribed
  not_found,  // no lead has the address (1004)
  rejected,   // Marketo refused the record; `reason` says why
};

// The unsubscribe write-back's outcome for one address.
struct WriteBackResult {
  std::string email;  // as given
  WriteBackStatus status = WriteBackStatus::rejected;
  std::vector<int64_t> lead_ids;  // the leads updated: several when the address is shared (1007)
  std::string reason;             // "<code> <message>" when rejected
};

// Lead field ids by lower-cased REST name ("unsubscribed" -> 48): Change Data Value names
// the field it changed by this id (its display name can be relabelled).
using FieldIds = std::map<std::string, int64_t>;

struct ActivityType {
  int id = 0;
  std::string name;               // "Unsubscribe Email"
  std::string primary_attribute;  // its primary attribute's name; empty when it has none
};

struct ActivityAttribute {
  std::string name;   // "New Value"
  std::string value;  // JSON scalars as text: true -> "true", 12 -> "12", null -> ""
};

// An activity as the feed gives it. Instances on Marketo's Activity Service may leave out
// the integer `id` and identify an activity only by `marketoGUID`, so neither is required:
// what the mirror needs is the lead and the type.
struct Activity {
  std::string marketo_guid;  // empty when the instance gave none
  int64_t lead_id = 0;
  int type_id = 0;
  std::string date;                     // activityDate as Marketo wrote it (RFC 3339)
  std::string primary_attribute_value;  // for Change Data Value: the field's display name, "Unsubscribed"
  int64_t primary_attribute_value_id = 0;  // for Change Data Value: the field's id; 0 when absent
  std::vector<ActivityAttribute> attributes;
};

struct ActivityPage {
  std::string next_token;  // where the next page starts; keep it even when `more` is false
  bool more = false;       // more activities are ready now
  std::vector<Activity> items;
};

struct LeadState {
  int64_t id = 0;
  std::string email;
  bool unsubscribed = false;
};

// REST calls made to one instance during the current US Central day.
struct Usage {
  std::map<std::string, int64_t> calls_by_kind;  // metric kinds: lookup, update, activity, ...
  int64_t calls = 0;                             // their sum; Identity calls are free
  int64_t budget = 0;             // today's: min(daily_budget, daily_quota) less other_calls; 0 = unlimited
  int64_t background_calls = 0;   // calls other than lookups (and usage reads)
  int64_t background_budget = 0;  // their ceiling; 0 = unlimited
  int64_t quota = 0;              // Limits::daily_quota
  int64_t other_calls = 0;        // the customer's other integrations' calls today, as last read
  bool near_quota = false;        // all integrations' calls reached 80 % of the quota
  TimePoint day_ends{};                          // the next midnight US Central
};

}  // namespace sg::marketo
