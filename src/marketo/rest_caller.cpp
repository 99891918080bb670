#include "marketo/rest_caller.h"

#include <chrono>
#include <optional>

#include <spdlog/spdlog.h>

#include "marketo/call_metrics.h"
#include "marketo/endpoint.h"
#include "marketo/error_codes.h"
#include "marketo/instance_usage.h"
#include "marketo/us_central.h"

namespace sg::marketo {

namespace {

Error quota_error(const std::string& instance, TimePoint until) {
  return Error::make(errc::quota_exceeded,
                     "Marketo daily API quota of " + instance + " is spent; calls resume at " + format_rfc3339(until));
}

// Lookups answer a person or an email about to go out: rather than wait out a rate-limit
// hold, they fail and the team's fail policy applies. Background work waits.
bool waits_out_rate_limits(std::string_view kind) { return kind != kLookupKind; }

// `spent` names what ran out: the whole budget, or the background calls' share of it.
Error budget_error(const std::string& instance, TimePoint now, const std::string& spent) {
  const TimePoint until = next_us_central_midnight(now);
  Error error = Error::make(errc::budget_exhausted, "Sendguard's daily budget of Marketo calls to " + instance +
                                                        spent + "; calls resume at " + format_rfc3339(until));
  error.retry_after_seconds = static_cast<int>(std::chrono::ceil<std::chrono::seconds>(until - now).count());
  return error;
}

// A token that could not be had is judged like a reply: Identity being unreachable is
// transient, refused credentials are not.
ReplyVerdict token_failure(const Error& error) {
  const Next next = error.code == errc::unreachable ? Next::retry : Next::fail;
  return ReplyVerdict{next, "token_" + error.code, error, {}, {}};
}

}  // namespace

RestCaller::RestCaller(net::HttpClient& http, Clock& clock, Metrics& metrics, TokenCache& tokens,
                       DailyBudget& budget, const Limits& limits, WindowLedger* shared_window)
    : http_(http),
      clock_(clock),
      metrics_(metrics),
      tokens_(tokens),
      budget_(budget),
      limits_(limits),
      backoff_(limits.initial_backoff, limits.max_backoff),
      limiter_(clock, limits, shared_window) {}

std::string limits_key_of(const Credentials& credentials, std::string_view host) {
  Result<Endpoint> identity = parse_endpoint(credentials.identity_endpoint);
  return limits_key(host, credentials.client_id, identity ? identity->instance : credentials.identity_endpoint);
}

Result<ReplyEnvelope> RestCaller::call(const Credentials& credentials, const std::string& host,
                                       const net::Request& request, std::string_view kind) {
  Result<ReplyVerdict> verdict = run(credentials, host, request, kind, judge_reply);
  if (!verdict) return verdict.error();
  return std::move(verdict->envelope);
}

Result<std::string> RestCaller::call_for_file(const Credentials& credentials, const std::string& host,
                                              const net::Request& request, std::string_view kind) {
  Result<ReplyVerdict> verdict = run(credentials, host, request, kind, judge_file_reply);
  if (!verdict) return verdict.error();
  return std::move(verdict->file);
}

Result<ReplyVerdict> RestCaller::run(const Credentials& credentials, const std::string& host,
                                     const net::Request& request, std::string_view kind, Judge judge) {
  const std::string instance = limits_key_of(credentials, host);
  bool renewed = false;
  int failures = 0;
  while (true) {
    if (auto until = budget_.stopped_until(instance, clock_.now())) return quota_error(instance, *until);
    Result<std::string> token = tokens_.get(credentials);
    ReplyVerdict verdict = token ? attempt(instance, request, *token, kind, judge) : token_failure(token.error());
    switch (verdict.next) {
      case Next::use:
        return verdict;
      case Next::renew_token:
        if (renewed) return fail(instance, verdict, kind);
        renewed = true;
        tokens_.invalidate(credentials, *token);
        continue;
      case Next::retry:
      case Next::retry_slower:
        if (++failures >= limits_.max_attempts) return fail(instance, verdict, kind);
        wait_before_retry(instance, verdict, failures, kind);
        continue;
      case Next::wait_window:
        if (++failures >= limits_.max_attempts) return fail(instance, verdict, kind);
        if (!hold_back_a_window(instance, verdict, kind)) return fail(instance, verdict, kind);
        continue;
      case Next::stop_for_today:
        return stop_for_today(instance, verdict);
      case Next::fail:
        return fail(instance, verdict, kind);
    }
  }
}

ReplyVerdict RestCaller::attempt(const std::string& instance, const net::Request& request, const std::string& token,
                                 std::string_view kind, Judge judge) {
  Result<RateLimiter::Permit> permit = limiter_.acquire(instance, waits_out_rate_limits(kind));
  if (!permit) return ReplyVerdict{Next::fail, "", permit.error(), {}, {}};
  // Spent only with a slot in hand: a call the limiter turned away was never made.
  if (std::optional<Error> refused = spend_budget(instance, kind))
    return ReplyVerdict{Next::fail, "", *refused, {}, {}};
  net::Request authorized = request;
  authorized.headers.emplace_back("Authorization", "Bearer " + token);
  authorized.timeout = limits_.call_timeout;
  ReplyVerdict verdict = judge(http_.send(authorized));
  count_call(metrics_, kind, verdict.metric_result);
  return verdict;
}

void RestCaller::wait_before_retry(const std::string& instance, const ReplyVerdict& verdict, int failures,
                                   std::string_view kind) {
  const Millis delay = backoff_.delay(failures);
  // Other callers on this instance would only hit the same limit: hold them back too.
  if (verdict.next == Next::retry_slower) limiter_.pause(instance, delay);
  spdlog::warn("marketo {} call to {} failed ({}), retry {} of {} in {} ms", kind, instance,
               verdict.metric_result, failures, limits_.max_attempts - 1, delay.count());
  clock_.sleep_for(delay);
}

bool RestCaller::hold_back_a_window(const std::string& instance, const ReplyVerdict& verdict,
                                    std::string_view kind) {
  limiter_.hold_back(instance, limits_.window);
  const bool waits = waits_out_rate_limits(kind);
  spdlog::warn("marketo {} call to {} rate limited ({}): no call to it for {} ms{}", kind, instance,
               verdict.metric_result, limits_.window.count(), waits ? ", then a retry" : "");
  return waits;
}

Error RestCaller::stop_for_today(const std::string& instance, const ReplyVerdict& verdict) {
  const TimePoint until = quota_resumes_at(clock_.now());
  budget_.stop_until(instance, until);
  spdlog::warn("marketo daily quota of {} spent ({}); no calls until {}", instance, verdict.error.message,
               format_rfc3339(until));
  return quota_error(instance, until);
}

std::optional<Error> RestCaller::spend_budget(const std::string& instance, std::string_view kind) {
  const TimePoint now = clock_.now();
  switch (budget_.try_spend(instance, kind, now)) {
    case DailyBudget::Spend::spent:
      warn_near_quota(instance, now);
      break;
    case DailyBudget::Spend::last:
      spdlog::warn("marketo daily budget for {} spent; no calls until {}", instance,
                   format_rfc3339(next_us_central_midnight(now)));
      break;
    case DailyBudget::Spend::refused:
      return budget_error(instance, now, " is spent");
    case DailyBudget::Spend::reserved:
      return budget_error(instance, now, " is down to the reserve kept for live lookups");
  }
  return std::nullopt;
}

void RestCaller::warn_near_quota(const std::string& instance, TimePoint now) {
  if (!budget_.quota_warning_due(instance, now)) return;
  const Usage usage = budget_.usage(instance, now);
  spdlog::warn("marketo calls to {} today reached 80% of its daily quota: {} of {} ({} by other integrations)",
               instance, usage.calls + usage.other_calls, usage.quota, usage.other_calls);
  metrics_.set_gauge(std::string(kNearQuotaMetric), {}, budget_.quota_warnings(now));
}

void RestCaller::read_instance_usage(const Credentials& credentials, const Endpoint& rest) {
  if (limits_.daily_quota == 0) return;  // without the quota, others' calls mean nothing
  const std::string instance = limits_key_of(credentials, rest.instance);
  if (!budget_.usage_due(instance, clock_.now())) return;
  Result<ReplyEnvelope> reply = call(credentials, rest.instance, usage_request(rest), kUsageKind);
  Result<int64_t> total = reply ? read_usage_total(reply->result) : Result<int64_t>(reply.error());
  if (!total) {
    spdlog::warn("marketo daily usage of {} unavailable ({}); other integrations' calls not counted until it is",
                 instance, total.error().message);
    return;
  }
  const TimePoint now = clock_.now();
  budget_.note_instance_total(instance, *total, now);
  warn_near_quota(instance, now);
  metrics_.set_gauge(std::string(kNearQuotaMetric), {}, budget_.quota_warnings(now));
}

Error RestCaller::fail(const std::string& instance, const ReplyVerdict& verdict, std::string_view kind) {
  // The budget was announced once, when spent; repeating it for every refused call is noise.
  if (verdict.error.code == errc::budget_exhausted) return verdict.error;
  // A lookup's 1003 is answered by splitting the batch (Client::unsubscribed_among).
  const bool expected = verdict.error.code == errc::unreachable || verdict.error.code == errc::rate_limited ||
                        (verdict.error.code == errc::invalid_data &&
                         (kind == kLookupKind || kind == kFeedLookupKind));
  const bool loud = !expected;
  spdlog::log(loud ? spdlog::level::err : spdlog::level::warn, "marketo {} call to {} failed: {} ({})", kind,
              instance, verdict.error.message, verdict.error.code);
  return verdict.error;
}

}  // namespace sg::marketo
