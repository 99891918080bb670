#include "suppressions/suppression_service.h"

#include <boost/json.hpp>

#include "core/email_address.h"
#include "crypto/tokens.h"
#include "core/utf8.h"
#include "marketo/error_codes.h"
#include "core/csv.h"
#include "suppressions/local_list_source.h"

namespace sg::suppressions {
namespace json = boost::json;
namespace {

constexpr int kDefaultPage = 50;
constexpr int kMaxPage = 500;
constexpr size_t kMaxReason = 500;
constexpr size_t kImportChunk = 1000;
constexpr size_t kMaxInvalidListed = 100;
constexpr size_t kMaxEchoedCell = 200;  // bytes of a rejected cell echoed in the report
const std::string kNoCell;

std::string lower(std::string s) { return lowercase_ascii(s); }

// Where the address and the reason are: a header naming "email" (and "reason"), or else
// addresses in the first column from the first row on.
struct Columns {
  size_t email = 0;
  std::optional<size_t> reason;
  bool header = false;
};

Columns columns_of(const std::vector<std::string>& first) {
  Columns c;
  for (size_t i = 0; i < first.size(); ++i) {
    std::string name = lower(first[i]);
    while (!name.empty() && name.back() == ' ') name.pop_back();
    if (name == "email" || name == "email address" || name == "e-mail") {
      c.email = i;
      c.header = true;
    } else if (name == "reason") {
      c.reason = i;
    }
  }
  return c;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// An address as written in a cell: trimmed, and without the apostrophe our own export
// puts before a cell that would otherwise start a spreadsheet formula.
std::string address_cell(const std::string& cell) {
  std::string v = trim(cell);
  if (v.size() > 1 && v[0] == '\'' && starts_like_formula(std::string_view(v).substr(1))) v.erase(0, 1);
  return v;
}

void skip_byte_order_mark(std::istream& csv) {
  if (csv.peek() == 0xEF) {  // a UTF-8 byte order mark, as spreadsheets write one
    char bom[3];
    csv.read(bom, 3);
    if (std::string_view(bom, 3) != "\xEF\xBB\xBF") csv.seekg(0);
  }
}

using NumberedRow = std::pair<int64_t, std::vector<std::string>>;  // line number, cells

// Adds each row's address with its reason, counting into `report` what it did.
void add_rows(store::SuppressionStore& list, const Caller& caller, const Columns& cols,
              const std::vector<NumberedRow>& rows, TimePoint now, ImportReport& report) {
  for (const auto& [at, row] : rows) {
    std::string value = cols.email < row.size() ? address_cell(row[cols.email]) : "";
    const std::string& reason_cell = cols.reason && *cols.reason < row.size() ? row[*cols.reason] : kNoCell;
    auto address = EmailAddress::parse(value);
    // Cells are stored only when they are UTF-8 (JSON answers and exports must be).
    const char* refused = !is_valid_utf8(value)         ? "the email cell is not valid UTF-8"
                          : !address                   ? "not an email address"
                          : !is_valid_utf8(reason_cell) ? "the reason cell is not valid UTF-8"
                                                       : nullptr;
    if (refused) {
      if (report.invalid.size() < kMaxInvalidListed)
        report.invalid.push_back({at, sanitize_utf8(value, kMaxEchoedCell), refused});
      ++report.invalid_count;
      continue;
    }
    std::string reason = truncate_utf8(reason_cell, kMaxReason);
    if (list.add(caller.team_id, address->original(), "import", reason, caller.email, now))
      ++report.added;
    else
      ++report.already_listed;
  }
}

// Bytes of `in` read so far, also once it reached its end.
int64_t position(std::istream& in) {
  auto pos = in.tellg();
  if (pos < 0) {
    in.clear();
    pos = in.tellg();
  }
  return static_cast<int64_t>(pos);
}

}  // namespace

Result<Page> SuppressionService::list(const Caller& caller, const std::string& search, const std::string& cursor,
                                      std::optional<int> asked) {
  int limit = asked.value_or(kDefaultPage);
  if (limit < 1 || limit > kMaxPage)
    return Error::invalid("limit", "limit must be between 1 and " + std::to_string(kMaxPage));
  std::string after = cursor.empty() ? "" : crypto::base64url_decode(cursor);
  if (!cursor.empty() && after.empty()) return Error::invalid("cursor", "cursor is not one this server returned");
  Page page;
  page.items = stores_.suppressions.list(caller.team_id, search, after, limit + 1);
  if (static_cast<int>(page.items.size()) > limit) {
    page.items.pop_back();
    page.next_cursor = crypto::base64url(page.items.back().email_key);
  }
  return page;
}

Status SuppressionService::may_add(const Caller& caller) const {
  return require_admin(caller, "add to the suppression list");
}

Result<std::pair<store::Suppression, bool>> SuppressionService::add(const Caller& caller, const std::string& email,
                                                                    const std::string& reason) {
  if (Status may = may_add(caller); !may) return may.error();
  auto address = EmailAddress::parse(email);
  if (!address) return Error::invalid("email", address.error().message);
  if (reason.size() > kMaxReason) return Error::invalid("reason", "reason must be at most 500 characters");
  TimePoint now = clock_.now();
  bool added = false;
  stores_.tx.transaction([&] {
    added = stores_.suppressions.add(caller.team_id, address->original(), "manual", reason, caller.email, now);
    if (!added) return;
    stores_.campaigns.stop_for_address(caller.team_id, address->key(), std::string(kSuppressedReason), now);
    audit(caller, "suppressions.added", json::serialize(json::object{{"email", address->original()}, {"reason", reason}}));
  });
  return std::pair{*stores_.suppressions.find(caller.team_id, address->key()), added};
}

Status SuppressionService::remove(const Caller& caller, const std::string& email) {
  if (Status may = require_admin(caller, "remove from the suppression list"); !may) return may;
  std::string key = lowercase_ascii(email);
  auto entry = stores_.suppressions.find(caller.team_id, key);
  if (!entry) return Error::not_found(email + " is not on the suppression list");
  if (stores_.connections.get(caller.team_id)) {
    auto marketo = marketo_.unsubscribed_among(caller.team_id, {key});
    if (!marketo)
      return Error::make(errc::unsubscribe_check_unavailable,
                         "could not ask Marketo whether " + email + " is still unsubscribed; try again later");
    if (marketo->count(key)) {
      Error still = Error::make(marketo::errc::unsubscribed,
                                email + " is still unsubscribed in Marketo; resubscribe it there first");
      still.recipients = {entry->email};
      return still;
    }
  }
  stores_.tx.transaction([&] {
    stores_.suppressions.remove(caller.team_id, key);
    audit(caller, "suppressions.removed",
          json::serialize(json::object{{"email", entry->email}, {"source", entry->source}, {"reason", entry->reason}}));
  });
  return Status::success();
}

Result<ImportReport> SuppressionService::import_csv(const Caller& caller, std::istream& csv,
                                                    const std::function<void(int64_t)>& progress) {
  if (Status may = require_admin(caller, "import to the suppression list"); !may) return may.error();
  ImportReport report;
  skip_byte_order_mark(csv);
  auto first = read_csv_record(csv);
  if (!first) return report;
  Columns cols = columns_of(*first);
  if (!cols.header && !EmailAddress::parse(address_cell((*first)[0])))
    return Error::invalid("body", "the CSV needs an \"email\" column (or addresses in the first column)");

  TimePoint now = clock_.now();
  int64_t line = 1;
  std::vector<NumberedRow> chunk;
  auto flush = [&] {
    stores_.tx.transaction([&] { add_rows(stores_.suppressions, caller, cols, chunk, now, report); });
    chunk.clear();
    if (progress) progress(position(csv));
  };
  if (!cols.header) chunk.emplace_back(line, std::move(*first));
  while (auto row = read_csv_record(csv)) {
    ++line;
    if (row->size() == 1 && trim((*row)[0]).empty()) continue;  // blank line
    chunk.emplace_back(line, std::move(*row));
    if (chunk.size() >= kImportChunk) flush();
  }
  if (!chunk.empty()) flush();
  report.rows = report.added + report.already_listed + report.invalid_count;
  stores_.tx.transaction([&] {
    stores_.campaigns.stop_suppressed(caller.team_id, now);
    audit(caller, "suppressions.imported",
          json::serialize(json::object{{"rows", report.rows}, {"added", report.added},
                                       {"already_listed", report.already_listed}, {"invalid", report.invalid_count}}));
  });
  return report;
}

Status SuppressionService::export_csv(const Caller& caller, std::ostream& out) {
  if (Status may = require_admin(caller, "export the suppression list"); !may) return may;
  write_csv_record(out, {"email", "source", "reason", "created_by", "created_at"});
  std::string after;
  while (true) {
    auto page = stores_.suppressions.list(caller.team_id, "", after, 1000);
    for (const auto& s : page)
      write_csv_record(out, {s.email, s.source, s.reason, s.created_by.value_or(""), format_rfc3339(s.created_at)});
    if (page.size() < 1000) return Status::success();
    after = page.back().email_key;
  }
}

void SuppressionService::audit(const Caller& caller, const std::string& action, const std::string& detail_json) {
  stores_.audit.append({caller.team_id, caller.user_id.empty() ? std::nullopt : std::optional(caller.user_id),
                        caller.email, action, std::nullopt, detail_json, clock_.now()});
}

}  // namespace sg::suppressions
