// Rate limiting per key (a Marketo instance and client id, see limits_key): at most
// `calls_per_window` call starts in any rolling `window` and at most `max_concurrent`
// calls in flight (MARKETO.md Limits).
// CallWindow is the pure, single-threaded bookkeeping; RateLimiter is thread-safe and
// blocks callers (up to Limits::max_wait_for_slot) until CallWindow lets them start. Given
// a WindowLedger, RateLimiter keeps the window there, shared with every instance using it,
// and rebuilds a CallWindow from it for each decision; without one, in its own memory.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "marketo/limits_ledger.h"
#include "marketo/types.h"

namespace sg::marketo {

class CallWindow {
 public:
  // Only a finishing call can make room; no amount of waiting alone helps.
  static constexpr Millis kUntilRelease = Millis::max();

  CallWindow(int calls_per_window, Millis window, int max_concurrent);
  // The window as a ledger keeps it.
  CallWindow(int calls_per_window, Millis window, int max_concurrent, const WindowState& state);

  // nullopt when a call may start at `now`; otherwise how long to wait before asking again.
  std::optional<Millis> wait_needed(TimePoint now);
  void start(TimePoint now);  // Precondition: wait_needed(now) was nullopt.
  void finish();
  // No call starts before `until`: caution after Marketo said 615 or 429.
  void pause_until(TimePoint until);
  // The same, for a whole rate-limit window after a 606: a caller that cannot wait that
  // long is better told at once.
  void hold_until(TimePoint until);
  bool held_at(TimePoint now) const { return held_until_ > now; }
  int in_flight() const { return in_flight_; }

 private:
  const int calls_per_window_;
  const Millis window_;
  const int max_concurrent_;
  std::deque<TimePoint> starts_;  // within the last window, oldest first
  int in_flight_ = 0;
  TimePoint paused_until_{};
  TimePoint held_until_{};
};

class RateLimiter {
 private:
  struct Instance;

 public:
  // Held for the duration of one HTTP call; releasing it frees a concurrency slot.
  class Permit {
   public:
    Permit(Permit&& other) noexcept = default;
    Permit& operator=(Permit&& other) noexcept;
    ~Permit();
    TimePoint started_at() const { return started_at_; }

   private:
    friend class RateLimiter;
    Permit(std::shared_ptr<Instance> instance, std::optional<int64_t> shared_id, TimePoint started_at);
    void release();
    std::shared_ptr<Instance> instance_;
    std::optional<int64_t> shared_id_;  // the ledger's permit, when the window is shared
    TimePoint started_at_;
  };

  // Borrows the ledger (may be null: the window is this process's), which must outlive it.
  RateLimiter(Clock& clock, const Limits& limits, WindowLedger* shared = nullptr);

  // Waits for a slot on `instance`; marketo_rate_limited when none came within
  // max_wait_for_slot, or at once when the window cannot open in time or, for a caller that
  // cannot wait out a hold (`waits_out_hold` false), while the instance is held back.
  // Window waits use Clock::sleep_for; concurrency waits use a condition variable in real time,
  // woken by a release in this process and, with a shared window, every kSharedPoll.
  Result<Permit> acquire(const std::string& instance, bool waits_out_hold = true);
  // How often a caller waiting for a concurrent slot of a shared window asks the ledger
  // again: another instance's release wakes nobody here.
  static constexpr Millis kSharedPoll{25};
  // How long a shared permit outlives its call's timeout before it counts as its dead
  // holder's and frees its slot.
  static constexpr Millis kPermitMargin{5000};
  // How much longer a shared window keeps a start: it is recorded when the slot is taken,
  // Marketo counts the call when it arrives, after the budget's transaction and perhaps
  // on another instance's clock.
  static constexpr Millis kSharedWindowGuard{1000};
  // A short pause every caller waits out (within max_wait_for_slot).
  void pause(const std::string& instance, Millis duration);
  // A rate-limit window (606) that callers unable to wait are turned away from at once.
  void hold_back(const std::string& instance, Millis duration);

 private:
  // What pause (hold = false) and hold_back (hold = true) share.
  void stop_starts(const std::string& instance, Millis duration, bool hold);
  // One try at starting a call: nullopt `wait` when it started.
  struct Attempt {
    std::optional<Millis> wait;
    bool held = false;
    std::optional<int64_t> shared_id;
  };
  std::shared_ptr<Instance> instance(const std::string& key);
  Attempt try_start(Instance& instance, const std::string& key, TimePoint now);  // REQUIRES(instance.mu)
  Millis wait_for_release(std::unique_lock<std::mutex>& lock, Instance& instance, Millis at_most);

  Clock& clock_;
  const Limits limits_;
  WindowLedger* const shared_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Instance>> instances_;  // GUARDED_BY(mu_)
};

}  // namespace sg::marketo
