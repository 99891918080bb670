// SettingsCache: each team's unsubscribe settings for at most a TTL, so that the checks and
// sends of a burst do not read them from the database each time. TeamSettings forgets a
// team once its change has committed, so this process applies it at once; a change made
// elsewhere (the command line, another instance on the same database) is seen within the
// TTL. A read that overlapped a change is answered but not kept. One entry per team that
// asked; thread-safe; the store must outlive it.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/clock.h"
#include "store/stores.h"

namespace sg::settings {

// How long a team's settings are reused before the database is asked again.
inline constexpr Millis kSettingsCacheTtl{2000};

class SettingsCache {
 public:
  SettingsCache(store::SettingsStore& settings, Clock& clock, Millis ttl = kSettingsCacheTtl)
      : settings_(settings), clock_(clock), ttl_(ttl) {}

  store::UnsubscribeSettings get(const std::string& team_id);
  // The cached settings, without reading the database: nullopt when none are.
  std::optional<store::UnsubscribeSettings> known(const std::string& team_id);
  // Call after a change to the team's settings has committed.
  void forget(const std::string& team_id);

 private:
  struct Entry {
    store::UnsubscribeSettings settings;
    TimePoint expires_at;
  };

  store::SettingsStore& settings_;
  Clock& clock_;
  const Millis ttl_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  uint64_t forgets_ = 0;  // a read begun before a forget is not kept
};

}  // namespace sg::settings
