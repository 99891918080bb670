// CampaignService: automated multi-step sales campaigns. Creating campaigns and
// enrolling people, and the two moments an enrollment moves: when a step falls due
// (step_due: the gate runs, the step's email is queued, failed or held) and when that
// email reaches a final state (email_finished: the next step is scheduled from the send
// time, or the enrollment finishes or stops). Thread-safe; collaborators must outlive it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/caller.h"
#include "core/clock.h"
#include "gate/unsubscribe_gate.h"
#include "obs/metrics.h"
#include "sending/send_service.h"
#include "store/stores.h"

namespace sg::campaigns {

struct NewCampaign {
  std::string name;
  std::vector<store::CampaignStep> steps;
};

struct NewEnrollment {
  std::string email;
  std::map<std::string, std::string> vars;
};

// The repositories a CampaignService uses.
struct CampaignServiceStores {
  store::CampaignStore& campaigns;
  store::EmailStore& emails;
  store::SettingsStore& settings;
  store::AuditStore& audit;
  store::Transactions& tx;
};

class CampaignService {
 public:
  static constexpr size_t kMaxSteps = 20;
  static constexpr size_t kMaxEnrollmentsPerRequest = 10000;

  CampaignService(CampaignServiceStores stores, gate::UnsubscribeGate& gate, Clock& clock, Metrics& metrics,
                  sending::SendOptions options);

  // Errors: invalid_request.
  Result<store::Campaign> create(const Caller& caller, const NewCampaign& campaign);
  Result<store::Campaign> get(const Caller& caller, const std::string& id);
  std::vector<store::Campaign> list(const Caller& caller);
  // Only the campaign's owner and team admins may enroll; each enrollment records the
  // caller and each request is audit-logged ("campaigns.enrolled").
  // Errors: not_found, forbidden, invalid_request (field names the recipient), already_enrolled.
  Result<std::vector<store::Enrollment>> enroll(const Caller& caller, const std::string& campaign_id,
                                                const std::vector<NewEnrollment>& people);
  Result<std::vector<store::Enrollment>> enrollments(const Caller& caller, const std::string& campaign_id);

  // Turns every due step into an outbox email; returns how many. Called by the scheduler.
  int run_due_steps(int limit);
  // The outbox calls this, inside the transaction that records a campaign email's end.
  void email_finished(const store::EmailRecord& email);

 private:
  // One gate call per team over its due enrollments; answers by team id.
  std::unordered_map<std::string, gate::GateAnswer> ask_gate(const std::vector<store::Enrollment>& due);
  // Queues the enrollment's next step (failed or held as the gate answers), or finishes
  // or stops it; `campaign` is nullopt when it no longer exists.
  void run_step(store::Enrollment& enrollment, const std::optional<store::Campaign>& campaign,
                const gate::GateAnswer& answer, TimePoint now);

  CampaignServiceStores stores_;
  gate::UnsubscribeGate& gate_;
  Clock& clock_;
  Metrics& metrics_;
  const sending::SendOptions options_;
};

}  // namespace sg::campaigns
