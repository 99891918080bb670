#include "campaigns/scheduler.h"

#include <spdlog/spdlog.h>

namespace sg::campaigns {

void CampaignScheduler::start() {
  std::lock_guard lock(mu_);
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void CampaignScheduler::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CampaignScheduler::loop() {
  constexpr int kBatch = 200;
  while (true) {
    int done = 0;
    try {
      done = service_.run_due_steps(kBatch);
    } catch (const std::exception& e) {
      spdlog::error("campaign scheduler: {}", e.what());
    }
    if (done > 0) wake_outbox_();
    std::unique_lock lock(mu_);
    if (done < kBatch) cv_.wait_for(lock, interval_, [this] { return stopping_; });
    if (stopping_) return;
  }
}

}  // namespace sg::campaigns
