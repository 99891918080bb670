// Routes: /suppressions — the team's own suppression list, with CSV import and export.
#include <boost/json.hpp>
#include <sstream>

#include "http/api.h"
#include "http/errors.h"
#include "http/json_body.h"
#include "http/query_params.h"

namespace sg::http {
namespace json = boost::json;
namespace {

json::object entry_body(const store::Suppression& s) {
  return {{"email", s.email},
          {"source", s.source},
          {"reason", s.reason.empty() ? json::value(nullptr) : json::value(s.reason)},
          {"created_by", s.created_by ? json::value(*s.created_by) : json::value(nullptr)},
          {"created_at", format_rfc3339(s.created_at)}};
}

}  // namespace

void Api::add_suppression_routes() {
  add("GET", "/suppressions", [this](Request& r, const Caller& c) {
    auto limit = whole_number_param(r, "limit");
    if (!limit) return error_response(limit.error());
    auto page = s_.suppressions.list(c, r.param("search").value_or(""), cursor_param(r).value_or(""), *limit);
    if (!page) return error_response(page.error());
    json::array items;
    for (const auto& s : page->items) items.push_back(entry_body(s));
    json::object o{{"suppressions", std::move(items)}, {"next_cursor", nullptr}};
    if (page->next_cursor) o["next_cursor"] = *page->next_cursor;
    return json_response(200, o);
  });
  add("POST", "/suppressions", [this](Request& r, const Caller& c) {
    if (Status may = s_.suppressions.may_add(c); !may) return error_response(may.error());
    auto body = parse_object(r);
    if (!body) return error_response(body.error());
    auto email = required_string(*body, "email");
    if (!email) return error_response(email.error());
    auto reason = nullable_string(*body, "reason");
    if (!reason) return error_response(reason.error());
    auto added = s_.suppressions.add(c, *email, reason->value_or(""));
    if (!added) return error_response(added.error());
    return json_response(added->second ? 201 : 200, entry_body(added->first));
  });
  add("DELETE", "/suppressions/{email}", [this](Request& r, const Caller& c) {
    return no_content(s_.suppressions.remove(c, r.path_params["email"]));
  });
}

void Api::add_suppression_csv_routes() {
  add("POST", std::string(kImportRoute), [this](Request& r, const Caller& c) {
    std::istringstream csv(r.body);
    auto report = s_.suppressions.import_csv(c, csv);
    if (!report) return error_response(report.error());
    json::array invalid;
    for (const auto& row : report->invalid)
      invalid.push_back(json::object{{"line", row.line}, {"value", row.value}, {"reason", row.reason}});
    return json_response(200, json::object{{"rows", report->rows},
                                           {"added", report->added},
                                           {"already_listed", report->already_listed},
                                           {"invalid_count", report->invalid_count},
                                           {"invalid", std::move(invalid)}});
  });
  add("GET", "/suppressions/export", [this](Request& r, const Caller& c) {
    // HEAD would have to build the whole export only to drop it.
    if (r.method == "HEAD") {
      Response res = error_response(Error::make(errc::method_not_allowed, "HEAD is not supported on " + r.path));
      res.headers.emplace_back("Allow", "GET");
      return res;
    }
    std::ostringstream out;
    Status s = s_.suppressions.export_csv(c, out);
    if (!s) return error_response(s.error());
    Response res{200, "text/csv; charset=utf-8", out.str(), {}};
    res.headers.emplace_back("Content-Disposition", "attachment; filename=\"suppressions.csv\"");
    return res;
  });
}

}  // namespace sg::http
