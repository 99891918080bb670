#include "stats/dashboard_service.h"

#include <map>
#include <utility>

namespace sg::stats {
namespace {

// "smtp_rejected: 550 …" counts as "smtp_rejected": the detail is per email, not a reason.
std::string reason_code(const std::string& reason) { return reason.substr(0, reason.find(':')); }

std::string day_of(TimePoint t) { return format_rfc3339(t).substr(0, 10); }

}  // namespace

Status DashboardService::may_see(const Caller& caller) const { return require_admin(caller, "see the dashboard"); }

Result<Dashboard> DashboardService::blocked(const Caller& caller, std::optional<int> asked) {
  if (Status may = may_see(caller); !may) return may.error();
  int days = asked.value_or(kDefaultDays);
  if (days < 1 || days > kMaxDays)
    return Error::invalid("days", "days must be a whole number from 1 to " + std::to_string(kMaxDays));
  TimePoint today = std::chrono::floor<std::chrono::days>(clock_.now());
  TimePoint since = today - std::chrono::days(days - 1);

  // Every day of the window has a row, also one without any email.
  std::map<std::string, std::map<std::string, int64_t>> per_day;
  for (int i = 0; i < days; ++i) per_day[day_of(since + std::chrono::days(i))];
  std::map<std::pair<std::string, std::string>, int64_t> by_workflow;
  std::map<std::string, int64_t> by_reason;
  for (const auto& row : emails_.block_stats(caller.team_id, since)) {
    per_day[row.day][row.status] += row.count;
    by_workflow[{row.workflow, row.status}] += row.count;
    by_reason[reason_code(row.reason)] += row.count;
  }

  Dashboard out;
  for (auto& [day, counts] : per_day)
    out.days.push_back({day, counts["blocked"], counts["failed"], counts["suppressed"]});
  for (const auto& [key, count] : by_workflow) out.by_workflow.push_back({key.first, key.second, count});
  for (const auto& [reason, count] : by_reason) out.by_reason.push_back({reason, count});
  return out;
}

}  // namespace sg::stats
