#include "settings/login_throttle.h"

#include <algorithm>

namespace sg::settings {
namespace {
constexpr Millis kWindow{15 * 60 * 1000};
constexpr Millis kFirstLock{30 * 1000};
constexpr Millis kMaxLock{15 * 60 * 1000};
constexpr size_t kMaxTracked = 100000;  // bounds memory under a flood of distinct keys
}  // namespace

Millis LoginThrottle::wait_for(const std::string& key, TimePoint now) const {
  std::lock_guard lock(mu_);
  auto it = records_.find(key);
  if (it == records_.end() || it->second.locked_until <= now) return Millis(0);
  return std::chrono::duration_cast<Millis>(it->second.locked_until - now);
}

void LoginThrottle::failed(const std::string& key, TimePoint now) {
  std::lock_guard lock(mu_);
  if (records_.size() >= kMaxTracked)
    std::erase_if(records_, [&](const auto& kv) { return now - kv.second.window_start > kWindow; });
  Record& r = records_[key];
  // The window runs from the latest failure: waiting out each lock does not reset the count.
  if (r.failures == 0 || now - r.window_start > kWindow) r = Record{0, now, now};
  r.window_start = now;
  if (++r.failures <= kFreeFailures) return;
  Millis lock_for = kFirstLock;
  for (int i = kFreeFailures + 1; i < r.failures && lock_for < kMaxLock; ++i) lock_for *= 2;
  r.locked_until = now + std::min(lock_for, kMaxLock);
}

void LoginThrottle::succeeded(const std::string& key) {
  std::lock_guard lock(mu_);
  records_.erase(key);
}

}  // namespace sg::settings
