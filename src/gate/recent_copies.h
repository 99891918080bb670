// RecentCopies: what a local source (our database) said lately about each (team, address),
// kept at most `ttl`, so that a check can be answered from memory. Whoever writes a
// team's data calls forget() once the write has committed; a read begun before that must
// not put the old answer back, so it takes generation(team) before reading and hands it
// to put(), which drops the answer when a forget for the team has run since. Kept per
// team, so that dropping a team's copies does not walk the others'. Bounded: when full,
// expired entries go first, then everything. Thread-safe.
#pragma once

#include <algorithm>
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

  uint64_t generation(const std::string& team_id) const {
    std::lock_guard lock(mu_);
    auto it = generations_.find(team_id);
    return it == generations_.end() ? 0 : it->second;
  }

  // Kept for the ttl, or only until `until` when that comes first.
  void put(const std::string& team_id, const std::string& key, Value value, uint64_t read_at,
           TimePoint until = TimePoint::max()) {
    const TimePoint now = clock_.now();
    std::lock_guard lock(mu_);
    auto generation = generations_.find(team_id);
    if ((generation == generations_.end() ? 0 : generation->second) != read_at) return;
    if (size_ >= capacity_) evict(now);
    auto [it, added] = teams_[team_id].insert_or_assign(key, Entry{std::move(value), std::min(now + ttl_, until)});
    if (added) ++size_;
  }

  // The copy of each of `keys`, in their order, read under one lock; nullopt when any is
  // missing or has expired.
  std::optional<std::vector<Value>> get_all(const std::string& team_id, const std::vector<std::string>& keys) const {
    const TimePoint now = clock_.now();
    std::lock_guard lock(mu_);
    auto team = teams_.find(team_id);
    std::vector<Value> values;
    values.reserve(keys.size());
    for (const auto& key : keys) {
      if (team == teams_.end()) return std::nullopt;
      auto it = team->second.find(key);
      if (it == team->second.end() || it->second.expires_at <= now) return std::nullopt;
      values.push_back(it->second.value);
    }
    return values;
  }

  // Drops the team's copies of `keys`; of every address when `keys` is empty.
  void forget(const std::string& team_id, const std::vector<std::string>& keys) {
    Copies dropped;  // freed after the lock is let go
    std::lock_guard lock(mu_);
    ++generations_[team_id];
    auto team = teams_.find(team_id);
    if (team == teams_.end()) return;
    if (keys.empty()) {
      size_ -= team->second.size();
      dropped = std::move(team->second);
      teams_.erase(team);
      return;
    }
    for (const auto& k : keys) size_ -= team->second.erase(k);
  }

 private:
  struct Entry {
    Value value;
    TimePoint expires_at;
  };
  using Copies = std::unordered_map<std::string, Entry>;  // by address

  void evict(TimePoint now) {
    for (auto& [team_id, copies] : teams_)
      size_ -= std::erase_if(copies, [&](const auto& kv) { return kv.second.expires_at <= now; });
    if (size_ < capacity_) return;
    teams_.clear();
    size_ = 0;
  }

  Clock& clock_;
  const Millis ttl_;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Copies> teams_;          // GUARDED_BY(mu_)
  size_t size_ = 0;                                         // GUARDED_BY(mu_); entries over all teams
  std::unordered_map<std::string, uint64_t> generations_;  // GUARDED_BY(mu_); bumped by forget()
};

}  // namespace sg::gate
