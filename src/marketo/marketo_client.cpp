#include "marketo/marketo_client.h"

#include <algorithm>
#include <span>

#include <spdlog/spdlog.h>

#include "core/email_address.h"
#include "marketo/call_metrics.h"
#include "marketo/endpoint.h"
#include "marketo/lead_lookup.h"
#include "marketo/rest_caller.h"
#include "marketo/token_cache.h"

namespace sg::marketo {

namespace {

// Follows nextPageToken until moreResult is false; a missing or repeated token ends the
// paging rather than looping forever.
Result<std::vector<std::string>> lookup_batch(RestCaller& rest, const Credentials& credentials,
                                              const Endpoint& endpoint, std::span<const std::string> batch,
                                              const std::unordered_set<std::string>& wanted) {
  std::vector<std::string> unsubscribed;
  std::string page_token;
  while (true) {
    Result<Envelope> page =
        rest.call(credentials, endpoint.instance, lookup_request(endpoint, batch, page_token), "lookup");
    if (!page) return page.error();
    for (std::string& key : unsubscribed_leads(page->result, wanted)) unsubscribed.push_back(std::move(key));
    if (!page->more_result || page->next_page_token.empty() || page->next_page_token == page_token) {
      return unsubscribed;
    }
    page_token = std::move(page->next_page_token);
  }
}

// Unanswerable addresses must not pass for "not unsubscribed": the whole question fails,
// naming them, and the caller's fail policy decides.
Status check_lookable(const std::vector<std::string>& keys) {
  std::vector<std::string> unaskable;
  for (const std::string& key : keys) {
    if (!can_look_up(key)) unaskable.push_back(key);
  }
  if (unaskable.empty()) return Status::success();
  spdlog::warn("marketo lookup refused: {} address(es) contain a comma", unaskable.size());
  return Error{"marketo_error", "Marketo cannot be asked about an address containing a comma", {},
               std::move(unaskable)};
}

}  // namespace

struct Client::Impl {
  Impl(net::HttpClient& http, Clock& clock, Metrics& metrics, const Limits& limits)
      : tokens(http, clock, metrics, limits.call_timeout), rest(http, clock, metrics, tokens, limits) {}

  TokenCache tokens;
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

  const std::span<const std::string> all(keys);
  for (std::size_t first = 0; first < all.size(); first += kMaxKeysPerLookup) {
    const auto batch = all.subspan(first, std::min(kMaxKeysPerLookup, all.size() - first));
    Result<std::vector<std::string>> found = lookup_batch(impl_->rest, credentials, *endpoint, batch, wanted);
    if (!found) return found.error();
    unsubscribed.insert(found->begin(), found->end());
  }
  return unsubscribed;
}

}  // namespace sg::marketo
