// FakeClock: a Clock whose time moves only when told to or when someone sleeps, so
// waits and backoffs take no real time. Records every sleep. Thread-safe.
#pragma once

#include <mutex>
#include <vector>

#include "core/clock.h"

namespace sg::test {

class FakeClock final : public Clock {
 public:
  // 2026-01-15T12:00:00Z: a winter day, far from any daylight-time change.
  explicit FakeClock(TimePoint start = from_unix_millis(1768478400000)) : now_(start) {}

  TimePoint now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  void sleep_for(Millis duration) override {
    std::lock_guard lock(mu_);
    sleeps_.push_back(duration);
    now_ += duration;
  }
  void advance(Millis duration) {
    std::lock_guard lock(mu_);
    now_ += duration;
  }
  void set(TimePoint t) {
    std::lock_guard lock(mu_);
    now_ = t;
  }
  std::vector<Millis> sleeps() const {
    std::lock_guard lock(mu_);
    return sleeps_;
  }

 private:
  mutable std::mutex mu_;
  TimePoint now_;
  std::vector<Millis> sleeps_;
};

}  // namespace sg::test
