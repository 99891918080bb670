// MarketoClient: Sendguard's client for Marketo's REST API (see MARKETO.md).
// Thread-safe. Caches one Identity token per client id, keeps each Marketo instance and
// client id (limits_key) within Limits (rate, concurrency, and Sendguard's own daily budget), retries transient
// failures with jittered exponential backoff, and counts every call in Metrics
// ("sendguard_marketo_calls_total{kind,result}").
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "marketo/bulk_extract.h"
#include "marketo/connection_checks.h"
#include "marketo/limits_ledger.h"
#include "marketo/types.h"
#include "net/http_client.h"
#include "obs/metrics.h"

namespace sg::marketo {

// Error codes returned:
//   marketo_auth_failed     Identity refused the credentials (401)
//   marketo_unreachable     no HTTP answer (refused, timeout, closed) or gateway 5xx after retries
//   marketo_quota_exceeded  607; no call is made for this instance and client id until
//                           midnight US Central, or for an hour when the 607 came within two
//                           hours of that reset (daily_budget.h); kept with the
//                           day's budget, so every process sharing it stops, and a
//                           restart does not ask again
//   marketo_budget_exhausted
//                           today's budget of calls with the client id to the instance is
//                           spent, or for calls other than lookups its background share is;
//                           no such call until midnight US Central
//                           (Error::retry_after_seconds says when)
//   marketo_rate_limited    606/615 persisted through every retry, or no limiter slot in time;
//                           a 606 holds every call to the instance back one window (20 s):
//                           lookups fail at once then and while it lasts, other calls wait
//   marketo_invalid_data    1003 (outside lookups, which split their batch on it)
//   marketo_too_many_matches
//                           a lookup's addresses that more than 1,000 leads share each (1003
//                           even alone), listed in Error::recipients
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
  // Borrows the ledgers, which must outlive it; by default its counts are its own (limits_ledger.h).
  Client(net::HttpClient& http, Clock& clock, Metrics& metrics, Limits limits = {}, Ledgers ledgers = {});
  ~Client();

  // Verifies a connection: fetches a token with the credentials, then reads through the
  // REST endpoint with it (a lead lookup and the activity types), reporting each check.
  // The report's error, if any: those of a token (marketo_auth_failed, marketo_unreachable,
  // marketo_address_refused, marketo_error), then, of the first failed read,
  // marketo_rest_auth_failed (REST refused the token), marketo_access_denied,
  // marketo_address_refused, and marketo_rest_unreachable for any other REST failure.
  ConnectionReport verify(const Credentials& credentials);

  // Which of `keys` (lower-cased addresses, no duplicates) Marketo reports unsubscribed:
  // any matching lead with unsubscribed=true, matched case-insensitively. Batches of 300,
  // halved on 1003 down to single addresses. `asker` decides the calls' kind (lookup, or
  // feed_lookup: a background call) and whether they wait out a rate-limit hold.
  Result<std::unordered_set<std::string>> unsubscribed_among(const Credentials& credentials,
                                                             const std::vector<std::string>& keys,
                                                             Asker asker = Asker::check);

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
  // The ids of the instance's lead fields by lower-cased REST name ("unsubscribed",
  // "email"), from one read of leads/describe.json.
  Result<FieldIds> field_ids(const Credentials& credentials);
  Result<ActivityPage> activities(const Credentials& credentials, const std::string& token,
                                  const std::vector<int>& type_ids);

  // Email and unsubscribed of the leads with `ids`, in batches of 300; unknown ids are absent.
  Result<std::vector<LeadState>> leads_by_id(const Credentials& credentials, const std::vector<int64_t>& ids);

  // Bulk Lead Extract (bulk_extract.h). start_lead_export creates an export of the leads
  // created in `window` and enqueues it; lead_export_status reads how it is doing, and
  // lead_export_rows reads its file once completed. Every call counts against the daily
  // budget (kind bulk_export). Marketo's refusals, such as 1029 (too many jobs queued, or
  // the day's export allowance spent) and 1003 (a bad filter), are marketo_error naming
  // the code.
  Result<ExportJob> start_lead_export(const Credentials& credentials, const ExportWindow& window);
  Result<ExportJob> lead_export_status(const Credentials& credentials, const std::string& export_id);
  Result<ExportRows> lead_export_rows(const Credentials& credentials, const std::string& export_id);

  // Calls made today with these credentials' limits key (limits_key; zero for an
  // unparsable REST endpoint).
  Usage usage(const Credentials& credentials) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sg::marketo
