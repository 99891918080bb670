// SuppressionService: the team's own suppression list — entries from one-click links,
// admins, CSV imports and Marketo — with who added each and why. Adding an address stops
// its campaign enrollments; removing one is refused while Marketo still reports it
// unsubscribed. Every change is audit-logged. Thread-safe; collaborators must outlive it.
#pragma once

#include <functional>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/caller.h"
#include "core/clock.h"
#include "gate/suppression_source.h"
#include "store/stores.h"

namespace sg::suppressions {

struct Page {
  std::vector<store::Suppression> items;
  std::optional<std::string> next_cursor;
};

struct InvalidRow {
  int64_t line = 0;
  std::string value;   // the email cell, at most 200 bytes, invalid bytes shown as U+FFFD
  std::string reason;  // why the row was refused
  bool operator==(const InvalidRow&) const = default;
};

struct ImportReport {
  int64_t rows = 0;            // data rows read (header excluded)
  int64_t added = 0;
  int64_t already_listed = 0;  // kept as they were: an import never replaces an entry
  std::vector<InvalidRow> invalid;  // the first 100
  int64_t invalid_count = 0;
};

// The repositories a SuppressionService uses.
struct SuppressionServiceStores {
  store::SuppressionStore& suppressions;
  store::CampaignStore& campaigns;
  store::ConnectionStore& connections;
  store::AuditStore& audit;
  store::Transactions& tx;
};

class SuppressionService {
 public:
  // `marketo` answers whether Marketo still reports an address unsubscribed.
  SuppressionService(SuppressionServiceStores stores, gate::SuppressionSource& marketo, Clock& clock)
      : stores_(stores), marketo_(marketo), clock_(clock) {}

  // An empty cursor is the first page; no limit is the default page size. Errors:
  // invalid_request (limit outside 1..500, a cursor this service did not return).
  Result<Page> list(const Caller& caller, const std::string& search, const std::string& cursor,
                    std::optional<int> limit);
  // Whether `caller` may add entries (add() checks it too): lets the API refuse before it
  // reads the body.
  Status may_add(const Caller& caller) const;
  // Errors: forbidden, invalid_request. The bool is true when the address was new.
  Result<std::pair<store::Suppression, bool>> add(const Caller& caller, const std::string& email,
                                                  const std::string& reason);
  // Errors: forbidden, not_found, marketo_unsubscribed, unsubscribe_check_unavailable.
  Status remove(const Caller& caller, const std::string& email);
  // Errors: forbidden, invalid_request (no email column). `progress` gets bytes read so far.
  Result<ImportReport> import_csv(const Caller& caller, std::istream& csv,
                                  const std::function<void(int64_t)>& progress = {});
  // Errors: forbidden.
  Status export_csv(const Caller& caller, std::ostream& out);

 private:
  void audit(const Caller& caller, const std::string& action, const std::string& detail_json);

  SuppressionServiceStores stores_;
  gate::SuppressionSource& marketo_;
  Clock& clock_;
};

}  // namespace sg::suppressions
