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
  return wait_locked(key, now);
}

Millis LoginThrottle::reserve(const std::vector<std::string>& keys, TimePoint now) {
  std::lock_guard lock(mu_);
  Millis wait{0};
  for (const auto& key : keys) wait = std::max(wait, wait_locked(key, now));
  if (wait.count() > 0) return wait;
  for (const auto& key : keys) fail_locked(key, now);
  return wait;
}

void LoginThrottle::failed(const std::string& key, TimePoint now) {
  std::lock_guard lock(mu_);
  fail_locked(key, now);
}

void LoginThrottle::refund(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = records_.find(key);
  if (it == records_.end() || it->second.failures == 0) return;
  // Back below the limit, the lock this attempt set is lifted too.
  if (--it->second.failures <= kFreeFailures) it->second.locked_until = TimePoint{};
}

void LoginThrottle::succeeded(const std::string& key) {
  std::lock_guard lock(mu_);
  records_.erase(key);
}

int LoginThrottle::recent_failures(const std::string& key, TimePoint now) const {
  std::lock_guard lock(mu_);
  auto it = records_.find(key);
  if (it == records_.end() || now - it->second.window_start > kWindow) return 0;
  return it->second.failures;
}

Millis LoginThrottle::wait_locked(const std::string& key, TimePoint now) const {
  auto it = records_.find(key);
  if (it == records_.end() || it->second.locked_until <= now) return Millis(0);
  return std::chrono::duration_cast<Millis>(it->second.locked_until - now);
}

void LoginThrottle::fail_locked(const std::string& key, TimePoint now) {
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

Error too_many_attempts(Millis wait, const std::string& why) {
  int seconds = static_cast<int>((wait.count() + 999) / 1000);
  Error e = Error::make(errc::rate_limited, why + "; try again in " + std::to_string(seconds) + " s");
  e.retry_after_seconds = seconds;
  return e;
}

}  // namespace sg::settings
