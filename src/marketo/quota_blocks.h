// QuotaBlocks: which Marketo instances spent their daily quota (607) and until when no
// call may be made to them. Thread-safe; in memory, so a restart asks again (one 607).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.h"

namespace sg::marketo {

class QuotaBlocks {
 public:
  void block_until(const std::string& instance, TimePoint until);
  // The end of the block still in force at `now`, if any.
  std::optional<TimePoint> blocked_until(const std::string& instance, TimePoint now) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, TimePoint> until_;  // GUARDED_BY(mu_)
};

}  // namespace sg::marketo
