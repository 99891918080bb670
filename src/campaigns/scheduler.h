// CampaignScheduler: a background thread that turns due campaign steps into outbox
// emails about once a second. Progress lives in the database, so a restart resumes where
// it stopped and no step is sent twice. Only the instance that leads runs it: every
// instance would check the same due steps with the gate, each spending the team's Marketo
// calls on them, for a step only one of them may send.
#pragma once

#include <functional>

#include "core/background_loop.h"
#include "core/leadership.h"

namespace sg::campaigns {

class CampaignScheduler {
 public:
  // Turns up to `limit` due steps into emails; returns how many (CampaignService::run_due_steps).
  using RunDueSteps = std::function<int(int limit)>;

  CampaignScheduler(RunDueSteps run_due_steps, std::function<void()> wake_outbox, Leadership& leadership,
                    Millis interval = Millis(500));
  ~CampaignScheduler() { stop(); }

  void start();
  void stop() { loop_.stop(); }

 private:
  // Turns up to one batch of due steps into emails; true when a full batch suggests more.
  bool run_batch();

  RunDueSteps run_due_steps_;
  std::function<void()> wake_outbox_;
  Leadership& leadership_;
  BackgroundLoop loop_;
};

}  // namespace sg::campaigns
