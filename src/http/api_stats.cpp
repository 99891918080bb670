// Routes: /stats/blocked — the admin dashboard's emails blocked, failed and suppressed.
#include <boost/json.hpp>

#include "http/api.h"
#include "http/errors.h"
#include "http/json_body.h"
#include "http/query_params.h"

namespace sg::http {
namespace json = boost::json;
namespace {

json::object dashboard_body(const stats::Dashboard& d) {
  json::array day_rows, workflow_rows, reason_rows;
  for (const auto& day : d.days)
    day_rows.push_back(json::object{
        {"date", day.date}, {"blocked", day.blocked}, {"failed", day.failed}, {"suppressed", day.suppressed}});
  for (const auto& w : d.by_workflow)
    workflow_rows.push_back(json::object{{"workflow", w.workflow}, {"status", w.status}, {"count", w.count}});
  for (const auto& r : d.by_reason) reason_rows.push_back(json::object{{"reason", r.reason}, {"count", r.count}});
  return json::object{{"days", std::move(day_rows)},
                      {"by_workflow", std::move(workflow_rows)},
                      {"by_reason", std::move(reason_rows)}};
}

}  // namespace

void Api::add_stats_routes() {
  add("GET", "/stats/blocked", [this](Request& r, const Caller& c) {
    if (Status may = s_.dashboard.may_see(c); !may) return error_response(may.error());
    auto days = whole_number_param(r, "days");
    if (!days) return error_response(days.error());
    auto dashboard = s_.dashboard.blocked(c, *days);
    return dashboard ? json_response(200, dashboard_body(*dashboard)) : error_response(dashboard.error());
  });
}

}  // namespace sg::http
