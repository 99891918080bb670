#include "gate/freshness_cache.h"

namespace sg::gate {

std::optional<bool> FreshnessCache::get(const std::string& team_id, const std::string& key,
                                        TimePoint now) const {
  return get(team_id, key, now, TimePoint::min());
}

std::optional<bool> FreshnessCache::get(const std::string& team_id, const std::string& key, TimePoint now,
                                        TimePoint resubscribed_at) const {
  if (!enabled()) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = entries_.find(key_of(team_id, key));
  if (it == entries_.end() || now - it->second.fetched_at >= max_age_) return std::nullopt;
  const Entry& held = it->second;
  if (held.unsubscribed && held.fetched_at < resubscribed_at) return std::nullopt;
  return held.unsubscribed;
}

void FreshnessCache::put(const std::string& team_id, const std::string& key, bool unsubscribed,
                         TimePoint asked) {
  if (!enabled()) return;
  std::lock_guard lock(mu_);
  auto it = entries_.find(key_of(team_id, key));
  if (it != entries_.end()) {
    const Entry& held = it->second;
    if (held.fetched_at > asked || (held.fetched_at == asked && held.unsubscribed)) return;
    it->second = Entry{unsubscribed, asked};
    return;
  }
  if (entries_.size() >= max_entries_) evict(asked);
  entries_[key_of(team_id, key)] = Entry{unsubscribed, asked};
}

void FreshnessCache::forget(const std::string& team_id, const std::string& key) {
  std::lock_guard lock(mu_);
  entries_.erase(key_of(team_id, key));
}

void FreshnessCache::forget_team(const std::string& team_id) {
  std::lock_guard lock(mu_);
  std::string prefix = team_id + '\n';
  std::erase_if(entries_, [&](const auto& kv) { return kv.first.starts_with(prefix); });
}

void FreshnessCache::evict(TimePoint now) {
  std::erase_if(entries_, [&](const auto& kv) { return now - kv.second.fetched_at >= max_age_; });
  if (entries_.size() >= max_entries_) entries_.clear();
}

}  // namespace sg::gate
