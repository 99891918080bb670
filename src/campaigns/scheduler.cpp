#include "campaigns/scheduler.h"

#include <spdlog/spdlog.h>

namespace sg::campaigns {
namespace {

constexpr int kBatch = 200;

}  // namespace

CampaignScheduler::CampaignScheduler(RunDueSteps run_due_steps, std::function<void()> wake_outbox,
                                     Leadership& leadership, Millis interval)
    : run_due_steps_(std::move(run_due_steps)),
      wake_outbox_(std::move(wake_outbox)),
      leadership_(leadership),
      loop_(interval, [](const std::exception& e) { spdlog::error("campaign scheduler: {}", e.what()); }) {}

void CampaignScheduler::start() {
  loop_.start([this] { return run_batch(); });
}

bool CampaignScheduler::run_batch() {
  if (!leadership_.leading()) return false;
  int done = run_due_steps_(kBatch);
  if (done > 0) wake_outbox_();
  return done >= kBatch;
}

}  // namespace sg::campaigns
