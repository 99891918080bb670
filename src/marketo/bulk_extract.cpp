#include "marketo/bulk_extract.h"

#include <algorithm>
#include <map>
#include <optional>
#include <sstream>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "core/csv.h"
#include "core/email_address.h"
#include "marketo/error_codes.h"
#include "marketo/reply_envelope.h"
#include "net/url_encode.h"

namespace sg::marketo {

namespace {

Error unreadable(std::string message) { return Error::make(errc::invalid_response, std::move(message)); }

// The bulk base sits where the REST base is, with "bulk" in place of "rest".
std::string bulk_url(const Endpoint& rest, std::string_view path) {
  std::string base = rest.base_path;
  if (base.ends_with("/rest")) base.resize(base.size() - 5);
  return rest.origin + base + "/bulk/" + std::string(path);
}

std::string job_url(const Endpoint& rest, std::string_view export_id, std::string_view action) {
  return bulk_url(rest, "v1/leads/export/" + net::url_encode(export_id) + "/" + std::string(action));
}

net::Request request(std::string method, std::string url) {
  net::Request r;
  r.method = std::move(method);
  r.url = std::move(url);
  return r;
}

std::optional<ExportStatus> status_named(std::string_view name) {
  static const std::map<std::string_view, ExportStatus> kNames{
      {"Created", ExportStatus::created},       {"Queued", ExportStatus::queued},
      {"Processing", ExportStatus::processing}, {"Completed", ExportStatus::completed},
      {"Failed", ExportStatus::failed},         {"Cancelled", ExportStatus::cancelled}};
  auto it = kNames.find(name);
  if (it == kNames.end()) return std::nullopt;
  return it->second;
}

bool truthy_cell(std::string cell) {
  cell = lowercase_ascii(cell);
  return cell == "true" || cell == "1";
}

}  // namespace

net::Request export_create_request(const Endpoint& rest, const ExportWindow& window) {
  // ISO 8601 without milliseconds, as Adobe asks.
  boost::json::object range{{"startAt", format_rfc3339(window.start)}, {"endAt", format_rfc3339(window.end)}};
  boost::json::object body{{"fields", boost::json::array{"email", "unsubscribed"}},
                           {"format", "CSV"},
                           {"filter", boost::json::object{{"createdAt", std::move(range)}}}};
  net::Request r = request("POST", bulk_url(rest, "v1/leads/export/create.json"));
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = boost::json::serialize(body);
  return r;
}

net::Request export_enqueue_request(const Endpoint& rest, std::string_view export_id) {
  return request("POST", job_url(rest, export_id, "enqueue.json"));
}

net::Request export_status_request(const Endpoint& rest, std::string_view export_id) {
  return request("GET", job_url(rest, export_id, "status.json"));
}

net::Request export_file_request(const Endpoint& rest, std::string_view export_id) {
  return request("GET", job_url(rest, export_id, "file.json"));
}

Result<ExportJob> read_export_job(const boost::json::array& result) {
  const boost::json::object* job = result.empty() ? nullptr : result.front().if_object();
  if (job == nullptr) return unreadable("the export reply holds no job");
  ExportJob out;
  out.id = text_of(job->if_contains("exportId"));
  if (out.id.empty()) return unreadable("the export job has no exportId");
  const std::string status = text_of(job->if_contains("status"));
  auto known = status_named(status);
  if (!known) return unreadable("export job " + out.id + " has an unknown status \"" + status + "\"");
  out.status = *known;
  out.records = integer_of(job->if_contains("numberOfRecords")).value_or(0);
  out.file_bytes = integer_of(job->if_contains("fileSize")).value_or(0);
  return out;
}

Result<ExportRows> read_export_file(std::string_view csv) {
  std::istringstream in{std::string(csv)};
  auto header = read_csv_record(in);
  if (!header) return unreadable("the export file is empty: not even a header row");
  auto column = [&](std::string_view name) -> std::optional<std::size_t> {
    auto it = std::find(header->begin(), header->end(), name);
    if (it == header->end()) return std::nullopt;
    return static_cast<std::size_t>(it - header->begin());
  };
  const auto email = column("email");
  const auto unsubscribed = column("unsubscribed");
  if (!email || !unsubscribed) return unreadable("the export file's header lacks email or unsubscribed");
  ExportRows out;
  while (auto row = read_csv_record(in)) {
    ++out.rows;
    if (row->size() < header->size())
      return unreadable("row " + std::to_string(out.rows) + " of the export file has " +
                        std::to_string(row->size()) + " cells, the header " + std::to_string(header->size()));
    const std::string& address = (*row)[*email];
    if (!address.empty() && truthy_cell((*row)[*unsubscribed])) out.unsubscribed.push_back(lowercase_ascii(address));
  }
  return out;
}

}  // namespace sg::marketo
