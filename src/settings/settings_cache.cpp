#include "settings/settings_cache.h"

namespace sg::settings {

store::UnsubscribeSettings SettingsCache::get(const std::string& team_id) {
  if (auto cached = known(team_id)) return *cached;
  uint64_t forgets_before;
  {
    std::lock_guard lock(mutex_);
    forgets_before = forgets_;
  }
  // Read outside the lock: the database may be slow, and other teams need not wait.
  auto settings = settings_.get(team_id);
  std::lock_guard lock(mutex_);
  if (forgets_ == forgets_before) entries_.insert_or_assign(team_id, Entry{settings, clock_.now() + ttl_});
  return settings;
}

std::optional<store::UnsubscribeSettings> SettingsCache::known(const std::string& team_id) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(team_id);
  if (it == entries_.end() || it->second.expires_at <= clock_.now()) return std::nullopt;
  return it->second.settings;
}

void SettingsCache::forget(const std::string& team_id) {
  std::lock_guard lock(mutex_);
  entries_.erase(team_id);
  ++forgets_;
}

}  // namespace sg::settings
