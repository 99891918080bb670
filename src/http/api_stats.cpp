// Routes: /stats/blocked — the admin dashboard's emails blocked, failed and suppressed.
#include <boost/json.hpp>
#include <map>

#include "http/api.h"
#include "http/errors.h"
#include "http/json_body.h"
#include "http/query_params.h"

namespace sg::http {
namespace json = boost::json;
namespace {

constexpr int kMaxDays = 366;

// "smtp_rejected: 550 …" counts as "smtp_rejected": the detail is per email, not a reason.
std::string reason_code(const std::string& reason) { return reason.substr(0, reason.find(':')); }

std::string day_of(TimePoint t) { return format_rfc3339(t).substr(0, 10); }

}  // namespace

void Api::add_stats_routes() {
  add("GET", "/stats/blocked", [this](Request& r, const Caller& c) {
    if (!c.admin) return error_response(Error{"forbidden", "only a team admin may see the dashboard", {}, {}});
    auto asked = whole_number_param(r, "days");
    if (!asked) return error_response(asked.error());
    int days = asked->value_or(30);
    if (days < 1 || days > kMaxDays)
      return error_response(Error::invalid("days", "days must be a whole number from 1 to 366"));
    TimePoint today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
    TimePoint since = today - std::chrono::days(days - 1);

    std::map<std::string, std::map<std::string, int64_t>> per_day;
    for (int i = 0; i < days; ++i) per_day[day_of(since + std::chrono::days(i))];
    std::map<std::pair<std::string, std::string>, int64_t> by_workflow;
    std::map<std::string, int64_t> by_reason;
    for (const auto& row : s_.store.emails().block_stats(c.team_id, since)) {
      per_day[row.day][row.status] += row.count;
      by_workflow[{row.workflow, row.status}] += row.count;
      by_reason[reason_code(row.reason)] += row.count;
    }
    json::array day_rows, workflow_rows, reason_rows;
    for (auto& [day, counts] : per_day)
      day_rows.push_back(json::object{{"date", day}, {"blocked", counts["blocked"]}, {"failed", counts["failed"]},
                                      {"suppressed", counts["suppressed"]}});
    for (const auto& [key, count] : by_workflow)
      workflow_rows.push_back(json::object{{"workflow", key.first}, {"status", key.second}, {"count", count}});
    for (const auto& [reason, count] : by_reason)
      reason_rows.push_back(json::object{{"reason", reason}, {"count", count}});
    return json_response(200, json::object{{"days", std::move(day_rows)},
                                           {"by_workflow", std::move(workflow_rows)},
                                           {"by_reason", std::move(reason_rows)}});
  });
}

}  // namespace sg::http
