#include "settings/caller_cache.h"

namespace sg::settings {

std::optional<Caller> CallerCache::find(const std::string& token_hash) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(token_hash);
  if (it == entries_.end() || it->second.expires_at <= clock_.now()) return std::nullopt;
  return it->second.caller;
}

uint64_t CallerCache::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

void CallerCache::put(const std::string& token_hash, const Caller& caller, uint64_t read_at) {
  std::lock_guard lock(mutex_);
  if (read_at != generation_) return;  // read before a change this process made: maybe stale
  TimePoint now = clock_.now();
  if (entries_.size() >= capacity_) {
    // Expired entries go first; when every one is live (a flood of tokens), all of them:
    // the next request of each looks its token up again.
    std::erase_if(entries_, [now](const auto& entry) { return entry.second.expires_at <= now; });
    if (entries_.size() >= capacity_) entries_.clear();
  }
  entries_.insert_or_assign(token_hash, Entry{caller, now + ttl_});
}

void CallerCache::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
  ++generation_;
}

}  // namespace sg::settings
