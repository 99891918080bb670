// RestCaller: one logical Marketo REST call with everything around it: the instance's
// quota block, a token (Bearer header only), a limiter slot, the daily budget (every HTTP
// attempt counts, retries too), the error table, one token renewal, jittered retries up to
// Limits::max_attempts, and a whole window's hold of the instance after a 606. Thread-safe.
// Borrows the HttpClient, Clock, Metrics, TokenCache, DailyBudget and WindowLedger (null: the
// rate window is this process's); they must outlive it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "marketo/backoff.h"
#include "marketo/daily_budget.h"
#include "marketo/endpoint.h"
#include "marketo/rate_limiter.h"
#include "marketo/reply_envelope.h"
#include "marketo/reply_policy.h"
#include "marketo/token_cache.h"
#include "marketo/types.h"
#include "net/http_client.h"
#include "obs/metrics.h"

namespace sg::marketo {

// limits_key for calls to `host` with `credentials`.
std::string limits_key_of(const Credentials& credentials, std::string_view host);

class RestCaller {
 public:
  RestCaller(net::HttpClient& http, Clock& clock, Metrics& metrics, TokenCache& tokens, DailyBudget& budget,
             const Limits& limits, WindowLedger* shared_window = nullptr);

  // `request` lacks authorization; `host` (Endpoint::instance) with the client id and the
  // identity host keys limits, budget and quota (limits_key_of); `kind` labels metrics.
  Result<ReplyEnvelope> call(const Credentials& credentials, const std::string& host,
                             const net::Request& request, std::string_view kind);
  // The same for a call that answers with a file (judge_file_reply): its body.
  Result<std::string> call_for_file(const Credentials& credentials, const std::string& host,
                                    const net::Request& request, std::string_view kind);
  // Once an hour per instance, reads its daily usage (every API user's calls) into the
  // budget, so the customer's other integrations' calls count against the quota.
  void read_instance_usage(const Credentials& credentials, const Endpoint& rest);

 private:
  using Judge = ReplyVerdict (*)(const Result<net::Response>&);
  Result<ReplyVerdict> run(const Credentials& credentials, const std::string& host, const net::Request& request,
                           std::string_view kind, Judge judge);
  ReplyVerdict attempt(const std::string& instance, const net::Request& request, const std::string& token,
                       std::string_view kind, Judge judge);
  void wait_before_retry(const std::string& instance, const ReplyVerdict& verdict, int failures,
                         std::string_view kind);
  // Holds every call to the instance back one rate-limit window; whether this caller waits
  // it out and retries.
  bool hold_back_a_window(const std::string& instance, const ReplyVerdict& verdict, std::string_view kind);
  Error stop_for_today(const std::string& instance, const ReplyVerdict& verdict);
  Error fail(const std::string& instance, const ReplyVerdict& verdict, std::string_view kind);
  // The refusal when the instance's daily budget is spent; otherwise counts the call.
  std::optional<Error> spend_budget(const std::string& instance, std::string_view kind);
  // Logs and shows in /metrics the first time today an instance's calls reach 80 % of its quota.
  void warn_near_quota(const std::string& instance, TimePoint now);

  net::HttpClient& http_;
  Clock& clock_;
  Metrics& metrics_;
  TokenCache& tokens_;
  DailyBudget& budget_;
  const Limits limits_;
  const Backoff backoff_;
  RateLimiter limiter_;
};

}  // namespace sg::marketo
