// TokenCache: Identity access tokens, one per client id (and Identity endpoint).
// Thread-safe; callers needing the same token wait for a single fetch rather than each
// asking Identity. Errors: marketo_auth_failed (401, with Identity's error_description),
// marketo_unreachable (no HTTP answer, or gateway 5xx), marketo_error (anything else).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "marketo/types.h"
#include "net/http_client.h"
#include "obs/metrics.h"

namespace sg::marketo {

class TokenCache {
 public:
  // Tokens with less than this left are renewed before use.
  static constexpr Millis kRenewMargin{60000};

  TokenCache(net::HttpClient& http, Clock& clock, Metrics& metrics, Millis call_timeout);

  // A cached token with more than kRenewMargin left, or a freshly fetched one.
  Result<std::string> get(const Credentials& credentials);
  // Always asks Identity (verifying the credentials), and caches the answer.
  Result<std::string> fetch(const Credentials& credentials);
  // Marketo rejected `token` (601/602): forget it unless it was already replaced.
  void invalidate(const Credentials& credentials, const std::string& token);

 private:
  struct Entry;
  std::shared_ptr<Entry> entry_for(const Credentials& credentials);
  Result<std::string> fetch_into(Entry& entry, const Credentials& credentials);

  net::HttpClient& http_;
  Clock& clock_;
  Metrics& metrics_;
  const Millis call_timeout_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>> entries_;  // GUARDED_BY(mu_)
};

}  // namespace sg::marketo
