// CampaignScheduler: a background thread that turns due campaign steps into outbox
// emails about once a second. Progress lives in the database, so a restart resumes where
// it stopped and no step is sent twice.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "campaigns/campaign_service.h"

namespace sg::campaigns {

class CampaignScheduler {
 public:
  CampaignScheduler(CampaignService& service, std::function<void()> wake_outbox, Millis interval = Millis(500))
      : service_(service), wake_outbox_(std::move(wake_outbox)), interval_(interval) {}
  ~CampaignScheduler() { stop(); }

  void start();
  void stop();

 private:
  void loop();

  CampaignService& service_;
  std::function<void()> wake_outbox_;
  const Millis interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace sg::campaigns
