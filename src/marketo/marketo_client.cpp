#include "marketo/marketo_client.h"

#include <algorithm>
#include <iterator>
#include <span>

#include <spdlog/spdlog.h>

#include "core/email_address.h"
#include "marketo/activity_feed.h"
#include "marketo/call_metrics.h"
#include "marketo/crowded_addresses.h"
#include "marketo/daily_budget.h"
#include "marketo/endpoint.h"
#include "marketo/error_codes.h"
#include "marketo/lead_lookup.h"
#include "marketo/lead_pages.h"
#include "marketo/lead_update.h"
#include "marketo/memory_budget_ledger.h"
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

template <class T>
Status status_of(const Result<T>& result) {
  return result ? Status::success() : Status(result.error());
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

Error crowded_error(std::vector<std::string> keys) {
  return Error::make(errc::too_many_matches, "more than 1,000 Marketo leads share each of these addresses")
      .about(std::move(keys));
}

// What a lookup learned: the unsubscribed among the keys, and the keys Marketo could not
// answer for.
struct LookupAnswer {
  std::unordered_set<std::string> unsubscribed;
  std::vector<std::string> unanswerable;
};

// Looks up `batch`; on 1003 (more than 1,000 leads match the filter) asks about each half,
// down to single addresses, so that one address many leads share costs only itself its
// answer. Any other failure ends the lookup.
Status look_up_splitting(RestCaller& rest, const Credentials& credentials, const Endpoint& endpoint,
                         std::string_view kind, std::span<const std::string> batch,
                         const std::unordered_set<std::string>& wanted, LookupAnswer& answer) {
  Result<boost::json::array> leads =
      fetch_leads(rest, credentials, endpoint, LeadQuery{"email", batch, kUnsubscribeFields}, kind);
  if (leads) {
    for (std::string& key : unsubscribed_leads(*leads, wanted)) answer.unsubscribed.insert(std::move(key));
    return Status::success();
  }
  if (leads.error().code != errc::invalid_data) return leads.error();
  if (batch.size() == 1) {
    answer.unanswerable.push_back(batch.front());
    return Status::success();
  }
  const std::size_t half = batch.size() / 2;
  if (Status done = look_up_splitting(rest, credentials, endpoint, kind, batch.first(half), wanted, answer); !done) {
    return done;
  }
  return look_up_splitting(rest, credentials, endpoint, kind, batch.subspan(half), wanted, answer);
}

}  // namespace

struct Client::Impl {
  Impl(net::HttpClient& http, Clock& clock, Metrics& metrics, const Limits& limits, Ledgers ledgers)
      : clock(clock),
        tokens(http, clock, metrics, limits.call_timeout),
        own_ledger(ledgers.budget ? nullptr : std::make_unique<MemoryBudgetLedger>()),
        budget(ledgers.budget ? *ledgers.budget : *own_ledger, limits.daily_budget, limits.background_percent,
               limits.daily_quota),
        rest(http, clock, metrics, tokens, budget, limits, ledgers.windows),
        crowded(kRememberCrowded) {}

  // Leads are rarely merged or deleted by the thousand: an hour spares the splitting.
  static constexpr Millis kRememberCrowded{3600 * 1000};

  Clock& clock;
  TokenCache tokens;
  std::unique_ptr<MemoryBudgetLedger> own_ledger;  // when not given one
  DailyBudget budget;
  RestCaller rest;
  CrowdedAddresses crowded;
};

Client::Client(net::HttpClient& http, Clock& clock, Metrics& metrics, Limits limits, Ledgers ledgers)
    : impl_(std::make_unique<Impl>(http, clock, metrics, limits, ledgers)) {
  describe_calls(metrics);
}

Client::~Client() = default;

ConnectionReport Client::verify(const Credentials& credentials) {
  ConnectionReport report;
  Result<std::string> token = impl_->tokens.fetch(credentials);
  report.checks.push_back(token_check(status_of(token)));
  if (!token) {
    report.failure = token.error();
    for (std::string_view name : {kLeadLookupCheck, kActivityReadCheck, kWriteBackCheck})
      report.checks.push_back(not_tried(name));
    return report;
  }
  // Any server can hand out tokens; only a REST endpoint that accepts this one, for the
  // calls Sendguard makes, shows that the two endpoints and the client id belong together.
  // Both reads are made even when the first fails, so every missing permission is named.
  Status leads = status_of(unsubscribed_among(credentials, kProbeAddress));
  Status types = status_of(activity_types(credentials));
  report.checks.push_back(read_check(kLeadLookupCheck, leads, "Read-Only Lead"));
  report.checks.push_back(read_check(kActivityReadCheck, types, "Read-Only Activity"));
  report.checks.push_back(write_back_check());
  if (!leads) report.failure = rest_failure(leads.error());
  else if (!types) report.failure = rest_failure(types.error());
  return report;
}

Result<std::unordered_set<std::string>> Client::unsubscribed_among(const Credentials& credentials,
                                                                   const std::vector<std::string>& keys,
                                                                   Asker asker) {
  if (keys.empty()) return std::unordered_set<std::string>{};
  Result<Endpoint> endpoint = parse_endpoint(credentials.rest_endpoint);
  if (!endpoint) return endpoint.error();
  if (Status lookable = check_lookable(keys); !lookable) return lookable.error();
  std::unordered_set<std::string> wanted;
  for (const std::string& key : keys) wanted.insert(lowercase_ascii(key));

  // Addresses found crowded lately are named at once, without a call: each would halve
  // its batch anew, and the caller asks again about the others.
  const std::string instance = limits_key_of(credentials, endpoint->instance);
  std::vector<std::string> crowded = impl_->crowded.among(instance, keys, impl_->clock.now());
  if (!crowded.empty()) return crowded_error(std::move(crowded));
  const std::string_view kind = asker == Asker::feed ? kFeedLookupKind : kLookupKind;
  LookupAnswer answer;
  Status done = in_batches<std::string>(keys, kMaxKeysPerLookup, [&](std::span<const std::string> batch) {
    return look_up_splitting(impl_->rest, credentials, *endpoint, kind, batch, wanted, answer);
  });
  if (!done) return done.error();
  if (!answer.unanswerable.empty()) {
    spdlog::warn("marketo lookup: {} address(es) match more than 1,000 leads each", answer.unanswerable.size());
    impl_->crowded.add(instance, answer.unanswerable, impl_->clock.now());
    return crowded_error(std::move(answer.unanswerable));
  }
  return std::move(answer.unsubscribed);
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

Result<FieldIds> Client::field_ids(const Credentials& credentials) {
  Result<Endpoint> endpoint = parse_endpoint(credentials.rest_endpoint);
  if (!endpoint) return endpoint.error();
  Result<ReplyEnvelope> reply =
      impl_->rest.call(credentials, endpoint->instance, describe_request(*endpoint), kDescribeKind);
  if (!reply) return reply.error();
  return read_field_ids(reply->result);
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

Result<ExportJob> Client::start_lead_export(const Credentials& credentials, const ExportWindow& window) {
  if (window.end < window.start || window.end - window.start > kMaxExportWindow)
    return marketo_error("an export's createdAt range must run forward over at most 31 days");
  Result<Endpoint> endpoint = parse_endpoint(credentials.rest_endpoint);
  if (!endpoint) return endpoint.error();
  auto job = [&](const net::Request& request) -> Result<ExportJob> {
    Result<ReplyEnvelope> reply = impl_->rest.call(credentials, endpoint->instance, request, kBulkExportKind);
    if (!reply) return reply.error();
    return read_export_job(reply->result);
  };
  Result<ExportJob> created = job(export_create_request(*endpoint, window));
  if (!created) return created.error();
  return job(export_enqueue_request(*endpoint, created->id));
}

Result<ExportJob> Client::lead_export_status(const Credentials& credentials, const std::string& export_id) {
  Result<Endpoint> endpoint = parse_endpoint(credentials.rest_endpoint);
  if (!endpoint) return endpoint.error();
  Result<ReplyEnvelope> reply = impl_->rest.call(credentials, endpoint->instance,
                                                 export_status_request(*endpoint, export_id), kBulkExportKind);
  if (!reply) return reply.error();
  return read_export_job(reply->result);
}

Result<ExportRows> Client::lead_export_rows(const Credentials& credentials, const std::string& export_id) {
  Result<Endpoint> endpoint = parse_endpoint(credentials.rest_endpoint);
  if (!endpoint) return endpoint.error();
  Result<std::string> file = impl_->rest.call_for_file(credentials, endpoint->instance,
                                                       export_file_request(*endpoint, export_id), kBulkExportKind);
  if (!file) return file.error();
  return read_export_file(*file);
}

Usage Client::usage(const Credentials& credentials) const {
  Result<Endpoint> endpoint = parse_endpoint(credentials.rest_endpoint);
  return impl_->budget.usage(endpoint ? limits_key_of(credentials, endpoint->instance) : std::string(),
                             impl_->clock.now());
}

}  // namespace sg::marketo
