// CampaignScheduler: a background thread that turns due campaign steps into outbox
// emails about once a second. Progress lives in the database, so a restart resumes where
// it stopped and no step is sent twice.
#pragma once

#include <functional>

#include "campaigns/campaign_service.h"
#include "core/background_loop.h"

namespace sg::campaigns {

class CampaignScheduler {
 public:
  CampaignScheduler(CampaignService& service, std::function<void()> wake_outbox, Millis interval = Millis(500));
  ~CampaignScheduler() { stop(); }

  void start();
  void stop() { loop_.stop(); }

 private:
  // Turns up to one batch of due steps into emails; true when a full batch suggests more.
  bool run_batch();

  CampaignService& service_;
  std::function<void()> wake_outbox_;
  BackgroundLoop loop_;
};

}  // namespace sg::campaigns
