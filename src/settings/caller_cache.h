// CallerCache: API token hash → the caller it authenticated, for a few seconds, so that a
// burst of API requests does not look the same token up in the database each time. What
// this process changes (a token revoked, a user removed or given another role) clears it
// at once; a change made elsewhere (the command line, another instance on the same
// database) is seen within the TTL. Bounded; thread-safe.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/caller.h"
#include "core/clock.h"

namespace sg::settings {

class CallerCache {
 public:
  CallerCache(Clock& clock, Millis ttl, std::size_t capacity = 10'000)
      : clock_(clock), ttl_(ttl), capacity_(capacity) {}

  std::optional<Caller> find(const std::string& token_hash) const;
  void put(const std::string& token_hash, const Caller& caller);
  void clear();

 private:
  struct Entry {
    Caller caller;
    TimePoint expires_at;
  };

  Clock& clock_;
  const Millis ttl_;
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace sg::settings
