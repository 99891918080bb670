#include "settings/audit_log.h"

namespace sg::settings {
namespace {

constexpr int kMaxEntries = 200;

}  // namespace

Result<std::vector<store::AuditEntry>> AuditLog::recent(const Caller& caller) {
  if (Status may = require_admin(caller, "read the audit log"); !may) return may.error();
  return audit_.recent(caller.team_id, kMaxEntries);
}

}  // namespace sg::settings
