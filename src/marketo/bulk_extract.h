// Bulk Lead Extract (Adobe: "Bulk Extract" and "Bulk Lead Extract"): an export job of the
// leads created in one date range, as CSV, as pure request building and result reading;
// the client does the I/O. Only email and unsubscribed are exported: the smallest file
// that tells the mirror every unsubscribed address.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>

#include "core/clock.h"
#include "core/result.h"
#include "marketo/endpoint.h"
#include "net/http_client.h"

namespace sg::marketo {

// The longest createdAt range one job may filter on; Marketo refuses a longer one.
inline constexpr Millis kMaxExportWindow{31LL * 24 * 3600 * 1000};

// Leads created in [start, end]; at most kMaxExportWindow long.
struct ExportWindow {
  TimePoint start;
  TimePoint end;
};

enum class ExportStatus { created, queued, processing, completed, failed, cancelled };

struct ExportJob {
  std::string id;  // exportId
  ExportStatus status = ExportStatus::created;
  int64_t records = 0;     // numberOfRecords, once completed
  int64_t file_bytes = 0;  // fileSize, once completed: what the daily export allowance is charged
};

// What an export file says: how many leads it held and which addresses are unsubscribed.
struct ExportRows {
  int64_t rows = 0;
  std::vector<std::string> unsubscribed;  // lower-cased, in file order, possibly repeated
};

// Bulk calls live beside the REST API ("/bulk/v1/...", not under "/rest"). Requests carry
// no Authorization header yet.
net::Request export_create_request(const Endpoint& rest, const ExportWindow& window);
net::Request export_enqueue_request(const Endpoint& rest, std::string_view export_id);
net::Request export_status_request(const Endpoint& rest, std::string_view export_id);
net::Request export_file_request(const Endpoint& rest, std::string_view export_id);

// The job in a create, enqueue or status reply. Errors: invalid_response when the result
// holds no job with an exportId and a known status.
Result<ExportJob> read_export_job(const boost::json::array& result);

// Reads the CSV an export wrote (a header row naming the columns, then one row per lead).
// Errors: invalid_response when the header lacks email or unsubscribed, or a row has
// fewer cells than the header.
Result<ExportRows> read_export_file(std::string_view csv);

}  // namespace sg::marketo
