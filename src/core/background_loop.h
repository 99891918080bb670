// BackgroundLoop: one thread that runs a round of work, then waits — for the interval, a
// wake() or stop() — unless the round says more is pending, in which case the next round
// follows at once. A round that throws is reported to `on_error` and the loop goes on.
// start(), wake() and stop() are thread-safe; stop() waits for the round in hand to end.
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

#include "core/clock.h"

namespace sg {

class BackgroundLoop {
 public:
  using Round = std::function<bool()>;  // true when more is pending: no wait before the next
  using OnError = std::function<void(const std::exception&)>;

  BackgroundLoop(Millis interval, OnError on_error) : interval_(interval), on_error_(std::move(on_error)) {}
  ~BackgroundLoop() { stop(); }
  BackgroundLoop(const BackgroundLoop&) = delete;
  BackgroundLoop& operator=(const BackgroundLoop&) = delete;

  // Starts the thread; the first round runs at once. Not while already started.
  void start(Round round);
  // Ends the current or next wait early; a wake() during a round is not lost.
  void wake();
  // Ends the loop after the round in hand and joins the thread; safe to call twice.
  void stop();

 private:
  void run(const Round& round);

  const Millis interval_;
  const OnError on_error_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  bool woken_ = false;     // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace sg
