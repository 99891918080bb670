#include "campaigns/scheduler.h"

#include <spdlog/spdlog.h>

namespace sg::campaigns {
namespace {

constexpr int kBatch = 200;

}  // namespace

CampaignScheduler::CampaignScheduler(CampaignService& service, std::function<void()> wake_outbox, Millis interval)
    : service_(service), wake_outbox_(std::move(wake_outbox)),
      loop_(interval, [](const std::exception& e) { spdlog::error("campaign scheduler: {}", e.what()); }) {}

void CampaignScheduler::start() {
  loop_.start([this] { return run_batch(); });
}

bool CampaignScheduler::run_batch() {
  int done = service_.run_due_steps(kBatch);
  if (done > 0) wake_outbox_();
  return done >= kBatch;
}

}  // namespace sg::campaigns
