#include "marketo/marketo_client.h"

#include <algorithm>
#include <iterator>
#include <span>

#include <spdlog/spdlog.h>

#include "core/email_address.h"
#include "marketo/activity_feed.h"
#include "marketo/call_metrics.h"
#include "marketo/daily_budget.h"
#include "marketo/endpoint.h"
#include "marketo/error_codes.h"
#include "marketo/lead_lookup.h"
#include "marketo/lead_pages.h"
#include "marketo/lead_update.h"
#include "marketo/rest_caller.h"
#include "marketo/token_cache.h"
#include "marketo/unsubscribe_write_back.h"

namespace sg::marketo {

namespace {

// Unanswerable addresses must not pass for "not unsubscribed": the whole question fails,
// naming them, and the caller's fail policy decides.
Status check_lookable(const std::vector<std::string>& keys) {
  std::vector<std::string> unaskable;
  for (const std::string& key : keys) {
    if (!can_look_up(key)) unaskable.push_back(key);
  }
  if (unaskable.empty()) return Status::success();
  spdlog::warn("marketo lookup refused: {} address(es) contain a comma", unaskable.size());
  Error error = Error::make(errc::error, "Marketo cannot be asked about an address containing a comma");
  error.recipients = std::move(unaskable);
  return error;
}

Error marketo_error(std::string message) { return Error::make(errc::error, std::move(message)); }

// An address no lead has: looking it up reads the lead database without learning anything.
const std::vector<std::string> kProbeAddress{"connection-check@sendguard.invalid"};

// What went wrong reading through the REST endpoint, as Client::verify reports it.
Error rest_failure(Error error) {
  static const std::map<std::string_view, std::string_view> kCodes{{errc::token_rejected, errc::rest_auth_failed},
                                                                   {errc::access_denied, errc::access_denied},
                                                                   {errc::address_refused, errc::address_refused}};
  auto it = kCodes.find(error.code);
  error.code = it == kCodes.end() ? errc::rest_unreachable : it->second;
  return error;
}

// Runs `each` over consecutive slices of `all` of at most `size` items, stopping at the
// first failure.
template <class T, class Each>
Status in_batches(std::span<const T> all, std::size_t size, Each each) {
  for (std::size_t first = 0; first < all.size(); first += size) {
    if (Status done = each(all.subspan(first, std::min(size, all.size() - first))); !done) return done;
  }
  return Status::success();
}

}  // namespace

struct Client::Impl {
  Impl(net::HttpClient& http, Clock& clock, Metrics& metrics, const Limits& limits)
      : clock(clock),
        tokens(http, clock, metrics, limits.call_timeout),
        budget(limits.daily_budget, limits.background_percent, limits.daily_quota),
        rest(http, clock, metrics, tokens, budget, limits) {}

  Clock& clock;
  TokenCache tokens;
  DailyBudget budget;
  RestCaller rest;
};

Client::Client(net::HttpClient& http, Clock& clock, Metrics& metrics, Limits limits)
    : impl_(std::make_unique<Impl>(http, clock, metrics, limits)) {
  describe_calls(metrics);
}

Client::~Client() = default;

Status Client::verify(const Credentials& credentials) {
  Result<std::string> token = impl_->tokens.fetch(credentials);
  if (!token) return token.error();
  // Any server can hand out tokens; only a REST endpoint that accepts this one, for the
  // calls Sendguard makes, shows that the two endpoints and the client id belong together.
  if (auto leads = unsubscribed_among(credentials, kProbeAddress); !leads) return rest_failure(leads.error());
  if (auto types = activity_types(credentials); !types) return rest_failure(types.error());
  return Status::success();
}

Result<std::unordered_set<std::string>> Client::unsubscribed_among(const Credentials& credentials,
                                                                   const std::vector<std::string>& keys) {
  std::unordered_set<std::string> unsubscribed;
  if (keys.empty()) return unsubscribed;
  Result<Endpoint> endpoint = parse_endpoint(credentials.rest_endpoint);
  if (!endpoint) return endpoint.error();
  if (Status lookable = check_lookable(keys); !lookable) return lookable.error();
  std::unordered_set<std::string> wanted;
  for (const std::string& key : keys) wanted.insert(lowercase_ascii(key));

  Status done = in_batches<std::string>(keys, kMaxKeysPerLookup, [&](std::span<const std::string> batch) -> Status {
    Result<boost::json::array> leads =
        fetch_leads(impl_->rest, credentials, *endpoint, LeadQuery{"email", batch, kUnsubscribeFields}, kLookupKind);
    if (!leads) return leads.error();
    for (std::string& key : unsubscribed_leads(*leads, wanted)) unsubscribed.insert(std::move(key));
    return Status::success();
  });
  if (!done) return done.error();
  return unsubscribed;
}

Result<std::vector<WriteBackResult>> Client::unsubscribe(const Credentials& credentials,
                                                         const std::vector<std::string>& emails,
                                                         const std::string& reason) {
  std::vector<WriteBackResult> results;
  if (emails.empty()) return results;
  Result<Endpoint> endpoint = parse_endpoint(credentials.rest_endpoint);
  if (!endpoint) return endpoint.error();
  Status done =
      in_batches<std::string>(emails, kMaxRecordsPerUpdate, [&](std::span<const std::string> batch) -> Status {
        auto written = write_back_unsubscribes(impl_->rest, credentials, *endpoint, batch, reason);
        if (!written) return written.error();
        std::move(written->begin(), written->end(), std::back_inserter(results));
        return Status::success();
      });
  if (!done) return done.error();
  return results;
}

Result<std::string> Client::paging_token(const Credentials& credentials, TimePoint since) {
  Result<Endpoint> endpoint = parse_endpoint(credentials.rest_endpoint);
  if (!endpoint) return endpoint.error();
  Result<ReplyEnvelope> reply =
      impl_->rest.call(credentials, endpoint->instance, paging_token_request(*endpoint, since), kPagingTokenKind);
  if (!reply) return reply.error();
  if (reply->next_page_token.empty()) return marketo_error("Marketo sent no nextPageToken for the activity feed");
  return std::move(reply->next_page_token);
}

Result<std::vector<ActivityType>> Client::activity_types(const Credentials& credentials) {
  Result<Endpoint> endpoint = parse_endpoint(credentials.rest_endpoint);
  if (!endpoint) return endpoint.error();
  Result<ReplyEnvelope> reply =
      impl_->rest.call(credentials, endpoint->instance, activity_types_request(*endpoint), kActivityTypesKind);
  if (!reply) return reply.error();
  return read_activity_types(reply->result);
}

Result<ActivityPage> Client::activities(const Credentials& credentials, const std::string& token,
                                        const std::vector<int>& type_ids) {
  if (token.empty()) return marketo_error("an activity page needs a paging token");
  if (type_ids.empty() || type_ids.size() > kMaxActivityTypeIds) {
    return marketo_error("an activity page takes 1 to 10 activity type ids, not " + std::to_string(type_ids.size()));
  }
  Result<Endpoint> endpoint = parse_endpoint(credentials.rest_endpoint);
  if (!endpoint) return endpoint.error();
  // The feed runs all day, even when its share is spent: it keeps the usage current.
  impl_->rest.read_instance_usage(credentials, *endpoint);
  Result<ReplyEnvelope> reply =
      impl_->rest.call(credentials, endpoint->instance, activities_request(*endpoint, token, type_ids), kActivityKind);
  if (!reply) return reply.error();
  Result<std::vector<Activity>> items = read_activities(reply->result);
  if (!items) {
    spdlog::warn("marketo activities from {}: {}", endpoint->instance, items.error().message);
    return items.error();
  }
  ActivityPage page{reply->next_page_token, reply->more_result, std::move(*items)};
  // Without a token to continue from, the next read starts where this one did: activities
  // may come twice, but none is lost.
  if (page.next_token.empty()) {
    spdlog::warn("marketo activities from {}: no nextPageToken in the reply", endpoint->instance);
    page.next_token = token;
    page.more = false;
  }
  return page;
}

Result<std::vector<LeadState>> Client::leads_by_id(const Credentials& credentials, const std::vector<int64_t>& ids) {
  std::vector<LeadState> states;
  if (ids.empty()) return states;
  Result<Endpoint> endpoint = parse_endpoint(credentials.rest_endpoint);
  if (!endpoint) return endpoint.error();
  std::vector<std::string> values;
  for (int64_t id : ids) values.push_back(std::to_string(id));
  Status done = in_batches<std::string>(values, kMaxKeysPerLookup, [&](std::span<const std::string> batch) -> Status {
    Result<boost::json::array> leads =
        fetch_leads(impl_->rest, credentials, *endpoint, LeadQuery{"id", batch, kUnsubscribeFields}, kLeadByIdKind);
    if (!leads) return leads.error();
    for (LeadState& state : lead_states(*leads)) states.push_back(std::move(state));
    return Status::success();
  });
  if (!done) return done.error();
  return states;
}

Usage Client::usage(const Credentials& credentials) const {
  Result<Endpoint> endpoint = parse_endpoint(credentials.rest_endpoint);
  return impl_->budget.usage(endpoint ? limits_key_of(credentials, endpoint->instance) : std::string(),
                             impl_->clock.now());
}

}  // namespace sg::marketo
