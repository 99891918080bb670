// AuditLog: reading the team's audit log (who changed what, when, before → after), which
// only admins may. Thread-safe; the store must outlive it.
#pragma once

#include <vector>

#include "core/caller.h"
#include "core/result.h"
#include "store/stores.h"

namespace sg::settings {

class AuditLog {
 public:
  explicit AuditLog(store::AuditStore& audit) : audit_(audit) {}

  // The newest entries first, at most 200. Errors: forbidden.
  Result<std::vector<store::AuditEntry>> recent(const Caller& caller);

 private:
  store::AuditStore& audit_;
};

}  // namespace sg::settings
