#include "marketo/token_cache.h"

#include "marketo/call_metrics.h"
#include "marketo/endpoint.h"
#include "marketo/error_codes.h"
#include "marketo/identity.h"

namespace sg::marketo {

namespace {

// Identity answers expires_in 0 for a token expiring right now; a new one follows shortly.
constexpr int kFetchesForLiveToken = 3;

}  // namespace

struct TokenCache::Entry {
  std::mutex mu;       // held across a fetch, so concurrent callers wait for its result
  std::string secret;  // the token serves only the credentials it was fetched with
  std::string token;   // GUARDED_BY(mu); empty when none
  TimePoint expires_at{};
};

TokenCache::TokenCache(net::HttpClient& http, Clock& clock, Metrics& metrics, Millis call_timeout)
    : http_(http), clock_(clock), metrics_(metrics), call_timeout_(call_timeout) {}

std::shared_ptr<TokenCache::Entry> TokenCache::entry_for(const Credentials& credentials) {
  const std::string key = credentials.identity_endpoint + '\n' + credentials.client_id;
  std::lock_guard lock(mu_);
  auto& slot = entries_[key];
  if (!slot) slot = std::make_shared<Entry>();
  return slot;
}

Result<std::string> TokenCache::get(const Credentials& credentials) {
  std::shared_ptr<Entry> entry = entry_for(credentials);
  std::lock_guard lock(entry->mu);
  const bool usable = !entry->token.empty() && entry->secret == credentials.client_secret &&
                      entry->expires_at - clock_.now() > kRenewMargin;
  if (usable) return entry->token;
  return fetch_into(*entry, credentials);
}

Result<std::string> TokenCache::fetch(const Credentials& credentials) {
  std::shared_ptr<Entry> entry = entry_for(credentials);
  std::lock_guard lock(entry->mu);
  return fetch_into(*entry, credentials);
}

void TokenCache::invalidate(const Credentials& credentials, const std::string& token) {
  std::shared_ptr<Entry> entry = entry_for(credentials);
  std::lock_guard lock(entry->mu);
  if (entry->token == token) entry->token.clear();
}

Result<std::string> TokenCache::fetch_into(Entry& entry, const Credentials& credentials) {
  Result<Endpoint> identity = parse_endpoint(credentials.identity_endpoint);
  if (!identity) return identity.error();
  const net::Request request = token_request(*identity, credentials, call_timeout_);
  for (int fetches = 1;; ++fetches) {
    TokenReply reply = read_token_reply(http_.send(request));
    count_call(metrics_, kTokenKind, reply.metric_result);
    if (!reply.token) {
      if (reply.token.error().code == errc::auth_failed) entry.token.clear();
      return reply.token.error();
    }
    const Token& token = *reply.token;
    if (token.expires_in > Millis{0} || fetches == kFetchesForLiveToken) {
      entry.secret = credentials.client_secret;
      entry.token = token.access_token;
      entry.expires_at = clock_.now() + token.expires_in;
      return entry.token;
    }
  }
}

}  // namespace sg::marketo
