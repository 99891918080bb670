#include "marketo/rate_limiter.h"

#include <algorithm>
#include <cassert>
#include <chrono>

#include <spdlog/spdlog.h>

#include "marketo/error_codes.h"

namespace sg::marketo {

CallWindow::CallWindow(int calls_per_window, Millis window, int max_concurrent)
    : calls_per_window_(std::max(calls_per_window, 1)),
      window_(std::max(window, Millis{1})),
      max_concurrent_(std::max(max_concurrent, 1)) {}

CallWindow::CallWindow(int calls_per_window, Millis window, int max_concurrent, const WindowState& state)
    : CallWindow(calls_per_window, window, max_concurrent) {
  starts_.assign(state.starts.begin(), state.starts.end());
  in_flight_ = state.in_flight;
  paused_until_ = state.paused_until;
  held_until_ = state.held_until;
}

std::optional<Millis> CallWindow::wait_needed(TimePoint now) {
  // A start at s counts against every instant in [s, s + window).
  while (!starts_.empty() && starts_.front() + window_ <= now) starts_.pop_front();
  if (paused_until_ > now) return std::chrono::ceil<Millis>(paused_until_ - now);
  if (static_cast<int>(starts_.size()) >= calls_per_window_) {
    return std::chrono::ceil<Millis>(starts_.front() + window_ - now);
  }
  if (in_flight_ >= max_concurrent_) return kUntilRelease;
  return std::nullopt;
}

void CallWindow::start(TimePoint now) {
  // Invariant: never more than the limits, whatever the callers do.
  assert(static_cast<int>(starts_.size()) < calls_per_window_ && in_flight_ < max_concurrent_);
  starts_.push_back(now);
  ++in_flight_;
}

void CallWindow::finish() {
  assert(in_flight_ > 0);
  --in_flight_;
}

void CallWindow::pause_until(TimePoint until) { paused_until_ = std::max(paused_until_, until); }

void CallWindow::hold_until(TimePoint until) {
  pause_until(until);
  held_until_ = std::max(held_until_, until);
}

struct RateLimiter::Instance {
  Instance(const Limits& limits, WindowLedger* shared)
      : window(limits.calls_per_window, limits.window, limits.max_concurrent), shared(shared) {}
  std::mutex mu;
  std::condition_variable released;
  CallWindow window;  // GUARDED_BY(mu); unused when the window is shared
  WindowLedger* const shared;
};

RateLimiter::Permit::Permit(std::shared_ptr<Instance> instance, std::optional<int64_t> shared_id,
                            TimePoint started_at)
    : instance_(std::move(instance)), shared_id_(shared_id), started_at_(started_at) {}

RateLimiter::Permit& RateLimiter::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    release();
    instance_ = std::move(other.instance_);
    shared_id_ = other.shared_id_;
    started_at_ = other.started_at_;
  }
  return *this;
}

RateLimiter::Permit::~Permit() { release(); }

void RateLimiter::Permit::release() {
  if (!instance_) return;
  if (shared_id_) {
    try {
      instance_->shared->release(*shared_id_);
    } catch (const std::exception& e) {
      spdlog::warn("marketo call slot {} not given back ({}); it frees itself when it expires", *shared_id_,
                   e.what());
    }
  }
  {
    // Taken even for a shared window, so that a waiter here either saw the release or is
    // already waiting for the notification.
    std::lock_guard lock(instance_->mu);
    if (!shared_id_) instance_->window.finish();
  }
  // Every waiter re-checks: the one woken might still be held back by the window.
  instance_->released.notify_all();
  instance_.reset();
}

RateLimiter::RateLimiter(Clock& clock, const Limits& limits, WindowLedger* shared)
    : clock_(clock), limits_(limits), shared_(shared) {}

std::shared_ptr<RateLimiter::Instance> RateLimiter::instance(const std::string& key) {
  std::lock_guard lock(mu_);
  auto& slot = instances_[key];
  if (!slot) slot = std::make_shared<Instance>(limits_, shared_);
  return slot;
}

RateLimiter::Attempt RateLimiter::try_start(Instance& inst, const std::string& key, TimePoint now) {
  Attempt attempt;
  if (!shared_) {
    attempt.wait = inst.window.wait_needed(now);
    attempt.held = inst.window.held_at(now);
    if (!attempt.wait) inst.window.start(now);
    return attempt;
  }
  // The same rules over every instance's calls, rebuilt from the ledger under its lock.
  const Millis span = limits_.window + kSharedWindowGuard;
  attempt.shared_id = shared_->start_if(
      key, now, span, now + limits_.call_timeout + kPermitMargin, [&](const WindowState& state) {
        CallWindow window(limits_.calls_per_window, span, limits_.max_concurrent, state);
        attempt.wait = window.wait_needed(now);
        attempt.held = window.held_at(now);
        return !attempt.wait;
      });
  return attempt;
}

Result<RateLimiter::Permit> RateLimiter::acquire(const std::string& key, bool waits_out_hold) {
  std::shared_ptr<Instance> inst = instance(key);
  std::unique_lock lock(inst->mu);
  Millis waited{0};
  while (true) {
    const TimePoint now = clock_.now();
    const Attempt attempt = try_start(*inst, key, now);
    const std::optional<Millis>& wait = attempt.wait;
    if (!wait) return Permit(inst, attempt.shared_id, now);
    if (!waits_out_hold && attempt.held) {
      return Error::make(errc::rate_limited, "Marketo calls to " + key + " are held back after a rate limit (606)");
    }
    const Millis left = limits_.max_wait_for_slot - waited;
    // A window slot cannot open sooner than predicted: when that is too late, say so now
    // instead of holding the caller's thread for nothing.
    const bool hopeless = *wait != CallWindow::kUntilRelease && *wait > left;
    if (left <= Millis{0} || hopeless) {
      return Error::make(errc::rate_limited, "no Marketo call slot for " + key + " in time");
    }
    if (*wait == CallWindow::kUntilRelease) {
      waited += wait_for_release(lock, *inst, shared_ ? std::min(left, kSharedPoll) : left);
      continue;
    }
    const Millis nap = std::clamp(*wait, Millis{1}, left);  // at least 1 ms: time must move on
    lock.unlock();
    clock_.sleep_for(nap);
    lock.lock();
    waited += nap;
  }
}

Millis RateLimiter::wait_for_release(std::unique_lock<std::mutex>& lock, Instance& inst, Millis at_most) {
  const auto before = std::chrono::steady_clock::now();
  inst.released.wait_for(lock, at_most);
  // At least 1 ms so that spurious wake-ups still bring the deadline closer.
  return std::max(Millis{1}, std::chrono::ceil<Millis>(std::chrono::steady_clock::now() - before));
}

void RateLimiter::pause(const std::string& key, Millis duration) { stop_starts(key, duration, false); }

void RateLimiter::hold_back(const std::string& key, Millis duration) { stop_starts(key, duration, true); }

void RateLimiter::stop_starts(const std::string& key, Millis duration, bool hold) {
  const TimePoint until = clock_.now() + duration;
  if (shared_) return shared_->pause_until(key, until, hold);
  std::shared_ptr<Instance> inst = instance(key);
  std::lock_guard lock(inst->mu);
  if (hold) inst->window.hold_until(until);
  else inst->window.pause_until(until);
}

}  // namespace sg::marketo
