// DashboardService: the admin dashboard of emails blocked, failed and suppressed — per
// day over a window ending today (UTC, by the injected clock), per workflow and per
// reason, for the caller's team only. Thread-safe; collaborators must outlive it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/caller.h"
#include "core/clock.h"
#include "core/result.h"
#include "store/stores.h"

namespace sg::stats {

struct DayCounts {
  std::string date;  // YYYY-MM-DD (UTC)
  int64_t blocked = 0, failed = 0, suppressed = 0;
  bool operator==(const DayCounts&) const = default;
};

struct WorkflowCount {
  std::string workflow, status;
  int64_t count = 0;
  bool operator==(const WorkflowCount&) const = default;
};

struct ReasonCount {
  std::string reason;  // the code only: "smtp_rejected: 550 …" counts as "smtp_rejected"
  int64_t count = 0;
  bool operator==(const ReasonCount&) const = default;
};

// Every list in ascending order of its key; `days` has one row per day of the window.
struct Dashboard {
  std::vector<DayCounts> days;
  std::vector<WorkflowCount> by_workflow;
  std::vector<ReasonCount> by_reason;
};

class DashboardService {
 public:
  static constexpr int kDefaultDays = 30;
  static constexpr int kMaxDays = 366;

  DashboardService(store::EmailStore& emails, Clock& clock) : emails_(emails), clock_(clock) {}

  // Whether `caller` may see the dashboard (blocked() checks it too): lets the API refuse
  // before it reads the query.
  Status may_see(const Caller& caller) const;
  // The last `days` days, today included (kDefaultDays when absent).
  // Errors: forbidden, invalid_request (days outside 1..kMaxDays).
  Result<Dashboard> blocked(const Caller& caller, std::optional<int> days);

 private:
  store::EmailStore& emails_;
  Clock& clock_;
};

}  // namespace sg::stats
