#include "core/background_loop.h"

#include <cassert>

namespace sg {

void BackgroundLoop::start(Round round) {
  assert(!thread_.joinable());
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this, round = std::move(round)] { run(round); });
}

void BackgroundLoop::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void BackgroundLoop::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BackgroundLoop::run(const Round& round) {
  while (true) {
    bool more = false;
    try {
      more = round();
    } catch (const std::exception& e) {
      on_error_(e);
    }
    std::unique_lock lock(mu_);
    if (!more) {
      cv_.wait_for(lock, interval_, [this] { return stopping_ || woken_; });
      woken_ = false;
    }
    if (stopping_) return;
  }
}

}  // namespace sg
