// RecentCopies: what a local source (our database) said lately about each (team, address),
// kept at most `ttl`, so that a check can be answered from memory. Whoever writes a
// team's data calls forget() once the write has committed; a read begun before that must
// not put the old answer back, so it takes generation() before reading and hands it to
// put(), which drops the answer when any forget has run since. Bounded: when full,
// expired entries go first, then everything. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"

namespace sg::gate {

template <class Value>
class RecentCopies {
 public:
  RecentCopies(Clock& clock, Millis ttl, size_t capacity) : clock_(clock), ttl_(ttl), capacity_(capacity) {}

  uint64_t generation() const {
    std::lock_guard lock(mu_);
    return generation_;
  }

  void put(const std::string& team_id, const std::string& key, Value value, uint64_t read_at) {
    const TimePoint now = clock_.now();
    std::lock_guard lock(mu_);
    if (generation_ != read_at) return;
    if (entries_.size() >= capacity_) {
      std::erase_if(entries_, [&](const auto& kv) { return kv.second.expires_at <= now; });
      if (entries_.size() >= capacity_) entries_.clear();
    }
    entries_.insert_or_assign(key_of(team_id, key), Entry{std::move(value), now + ttl_});
  }

  std::optional<Value> get(const std::string& team_id, const std::string& key) const {
    const TimePoint now = clock_.now();
    std::lock_guard lock(mu_);
    auto it = entries_.find(key_of(team_id, key));
    if (it == entries_.end() || it->second.expires_at <= now) return std::nullopt;
    return it->second.value;
  }

  // Drops the team's copies of `keys`; of every address when `keys` is empty.
  void forget(const std::string& team_id, const std::vector<std::string>& keys) {
    std::lock_guard lock(mu_);
    ++generation_;
    if (keys.empty()) {
      const std::string prefix = team_id + '\n';
      std::erase_if(entries_, [&](const auto& kv) { return kv.first.starts_with(prefix); });
    }
    for (const auto& k : keys) entries_.erase(key_of(team_id, k));
  }

 private:
  struct Entry {
    Value value;
    TimePoint expires_at;
  };
  static std::string key_of(const std::string& team_id, const std::string& key) { return team_id + '\n' + key; }

  Clock& clock_;
  const Millis ttl_;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // GUARDED_BY(mu_)
  uint64_t generation_ = 0;                         // GUARDED_BY(mu_); bumped by forget_team()
};

}  // namespace sg::gate
