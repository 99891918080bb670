// MarketoClient: Sendguard's client for Marketo's REST API (see MARKETO.md).
// Thread-safe. Caches one Identity token per client id, keeps each Marketo instance
// within MarketoLimits, retries transient failures with jittered exponential backoff,
// and counts every call in Metrics ("sendguard_marketo_calls_total{kind,result}").
#pragma once

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
  int calls_per_window = 50;       // per Marketo instance (REST host)
  Millis window{20000};
  int max_concurrent = 5;          // per Marketo instance
  Millis call_timeout{10000};      // each HTTP call
  int max_attempts = 4;            // per logical call, for retryable failures
  Millis initial_backoff{500};
  Millis max_backoff{8000};
  Millis max_wait_for_slot{30000}; // longest a call waits for the limiter before giving up
};

// Error codes returned:
//   marketo_auth_failed     Identity refused the credentials (401)
//   marketo_unreachable     no HTTP answer (refused, timeout, closed) or gateway 5xx after retries
//   marketo_quota_exceeded  607; no call is made for this instance until midnight US Central
//   marketo_rate_limited    606/615 persisted through every retry, or no limiter slot in time
//   marketo_access_denied   603
//   marketo_error           anything else (bad JSON, unexpected codes), logged loudly; also,
//                           before any call, for addresses filterValues cannot carry (a comma),
//                           listed in Error::recipients
class Client {
 public:
  Client(net::HttpClient& http, Clock& clock, Metrics& metrics, Limits limits = {});
  ~Client();

  // Fetches a token with the credentials (no REST call); used to verify a connection.
  Status verify(const Credentials& credentials);

  // Which of `keys` (lower-cased addresses, no duplicates) Marketo reports unsubscribed:
  // any matching lead with unsubscribed=true, matched case-insensitively. Batches of 300.
  Result<std::unordered_set<std::string>> unsubscribed_among(const Credentials& credentials,
                                                             const std::vector<std::string>& keys);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sg::marketo
