// CallerCache: API token hash → the caller it authenticated, for a few seconds, so that a
// burst of API requests does not look the same token up in the database each time. What
// this process changes (a token revoked, a user removed or given another role) clears it
// at once; a change made elsewhere (the command line, another instance on the same
// database) is seen within the TTL. Bounded; thread-safe.
//
// A lookup that read the database just before such a change must not put the old caller
// back after the clear: it takes generation() before its read and hands it to put(), which
// drops the entry when clear() has run since.
#pragma once

#include <cstddef>
#include <cstdint>
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
  // Taken before the database read whose result goes to put().
  uint64_t generation() const;
  // Keeps `caller` unless clear() ran after `read_at` was taken.
  void put(const std::string& token_hash, const Caller& caller, uint64_t read_at);
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
  std::unordered_map<std::string, Entry> entries_;  // GUARDED_BY(mutex_)
  uint64_t generation_ = 0;  // GUARDED_BY(mutex_); bumped by every clear()
};

}  // namespace sg::settings
