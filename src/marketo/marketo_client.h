// MarketoClient: Sendguard's client for Marketo's REST API (see MARKETO.md).
// Thread-safe. Caches one Identity token per client id, keeps each Marketo instance and
// client id (limits_key) within Limits (rate, concurrency, and Sendguard's own daily budget), retries transient
// failures with jittered exponential backoff, and counts every call in Metrics
// ("sendguard_marketo_calls_total{kind,result}").
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "net/http_client.h"
#include "obs/metrics.h"

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
};

// The unsubscribe write-back's outcome for one address.
enum class WriteBackStatus {
  updated,    // every lead with the address is now unsubscribed
  not_found,  // no lead has the address (1004)
  rejected,   // Marketo refused the record; `reason` says why
};

struct WriteBackResult {
  std::string email;  // as given
  WriteBackStatus status = WriteBackStatus::rejected;
  std::vector<int64_t> lead_ids;  // the leads updated: several when the address is shared (1007)
  std::string reason;             // "<code> <message>" when rejected
};

struct ActivityType {
  int id = 0;
  std::string name;               // "Unsubscribe Email"
  std::string primary_attribute;  // its primary attribute's name; empty when it has none
};

struct ActivityAttribute {
  std::string name;   // "New Value"
  std::string value;  // JSON scalars as text: true -> "true", 12 -> "12", null -> ""
};

struct Activity {
  int64_t id = 0;
  int64_t lead_id = 0;
  int type_id = 0;
  std::string date;                     // activityDate as Marketo wrote it (RFC 3339)
  std::string primary_attribute_value;  // for Change Data Value: the field, "Unsubscribed"
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
  int64_t budget = 0;                            // Limits::daily_budget; 0 = unlimited
  TimePoint day_ends{};                          // the next midnight US Central
};

// Error codes returned:
//   marketo_auth_failed     Identity refused the credentials (401)
//   marketo_unreachable     no HTTP answer (refused, timeout, closed) or gateway 5xx after retries
//   marketo_quota_exceeded  607; no call is made for this instance and client id until
//                           midnight US Central
//   marketo_budget_exhausted
//                           Limits::daily_budget calls were made with the client id to the
//                           instance today; no call until midnight US Central
//                           (Error::retry_after_seconds says when)
//   marketo_rate_limited    606/615 persisted through every retry, or no limiter slot in time
//   marketo_access_denied   603
//   marketo_token_rejected  601/602 again after a token renewal: the REST endpoint does not
//                           accept the Identity endpoint's tokens
//   marketo_address_refused the endpoint resolves to an address outbound calls may not reach
//                           (net::errc::address_refused); never retried
//   marketo_error           anything else (bad JSON, unexpected codes), logged loudly; also,
//                           before any call, for addresses filterValues cannot carry (a comma),
//                           listed in Error::recipients, and for arguments Marketo would refuse
// Methods that take several batches stop at the first failed call; batches already sent
// stay applied, and repeating the whole call is harmless.
class Client {
 public:
  Client(net::HttpClient& http, Clock& clock, Metrics& metrics, Limits limits = {});
  ~Client();

  // Verifies a connection: fetches a token with the credentials, then reads through the
  // REST endpoint with it (a lead lookup and the activity types). Errors: those of a token
  // (marketo_auth_failed, marketo_unreachable, marketo_address_refused, marketo_error), then
  // marketo_rest_auth_failed (REST refused the token), marketo_access_denied,
  // marketo_address_refused, and marketo_rest_unreachable for any other REST failure.
  Status verify(const Credentials& credentials);

  // Which of `keys` (lower-cased addresses, no duplicates) Marketo reports unsubscribed:
  // any matching lead with unsubscribed=true, matched case-insensitively. Batches of 300.
  Result<std::unordered_set<std::string>> unsubscribed_among(const Credentials& credentials,
                                                             const std::vector<std::string>& keys);

  // Marks every lead with each address unsubscribed, with `reason` as unsubscribedReason:
  // updateOnly by email in batches of 300; an address several leads share (1007) has its
  // lead ids looked up and each lead updated by id. One result per email, in input order.
  Result<std::vector<WriteBackResult>> unsubscribe(const Credentials& credentials,
                                                   const std::vector<std::string>& emails, const std::string& reason);

  // The activity feed (MARKETO.md "Following unsubscribes as they happen"). A paging
  // token for the activities logged since `since`; then pages of at most 300 activities of
  // up to 10 `type_ids`, each page's next_token continuing where it stopped.
  Result<std::string> paging_token(const Credentials& credentials, TimePoint since);
  Result<std::vector<ActivityType>> activity_types(const Credentials& credentials);
  Result<ActivityPage> activities(const Credentials& credentials, const std::string& token,
                                  const std::vector<int>& type_ids);

  // Email and unsubscribed of the leads with `ids`, in batches of 300; unknown ids are absent.
  Result<std::vector<LeadState>> leads_by_id(const Credentials& credentials, const std::vector<int64_t>& ids);

  // Calls made today with these credentials' limits key (limits_key; zero for an
  // unparsable REST endpoint).
  Usage usage(const Credentials& credentials) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sg::marketo
