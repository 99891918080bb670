// FreshnessCache: a remote source's recent answers per (team, address), reused while younger
// than max_age so repeated sends do not spend API calls. Bounded in size: when full,
// stale entries go first, then everything. Thread-safe.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/clock.h"

namespace sg::gate {

class FreshnessCache {
 public:
  FreshnessCache(Millis max_age, size_t max_entries) : max_age_(max_age), max_entries_(max_entries) {}

  // The cached answer (true = unsubscribed) when younger than max_age.
  std::optional<bool> get(const std::string& team_id, const std::string& key, TimePoint now) const;
  // As get(), but ignoring an unsubscribe fetched before `resubscribed_at`, when other
  // news (the mirror) last said the address is not unsubscribed. A cached "not
  // unsubscribed" agrees with that news whenever either was stamped: one answer may reach
  // both, stamped by each when it asked.
  std::optional<bool> get(const std::string& team_id, const std::string& key, TimePoint now,
                          TimePoint resubscribed_at) const;
  // Keeps the source's answer as of `asked` (the time before asking it), unless the
  // cached one is newer: a slow answer never overwrites later news. At the same time an
  // unsubscribe wins.
  void put(const std::string& team_id, const std::string& key, bool unsubscribed, TimePoint asked);
  // Drops one address's answer, so the next check asks the source again.
  void forget(const std::string& team_id, const std::string& key);
  // Drops a team's answers, e.g. when its connection to the source changes.
  void forget_team(const std::string& team_id);
  bool enabled() const { return max_age_.count() > 0; }

 private:
  struct Entry {
    bool unsubscribed;
    TimePoint fetched_at;
  };
  static std::string key_of(const std::string& team_id, const std::string& key) {
    return team_id + '\n' + key;
  }
  void evict(TimePoint now);

  const Millis max_age_;
  const size_t max_entries_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // GUARDED_BY(mu_)
};

}  // namespace sg::gate
