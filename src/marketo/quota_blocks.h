// QuotaBlocks: which Marketo instances spent their daily quota (607) and until when no
// call may be made to them. Thread-safe; in memory, so a restart asks again (one 607).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.h"

namespace sg::marketo {

// When calls may resume after a 607 at `now`. Adobe documents the reset as "12:00AM CST"
// without saying whether it follows daylight time, so the reset computed here may come up
// to an hour before Marketo's: a 607 within kResetUncertainty of the computed reset is
// asked about again after kQuotaRecheck, not after a whole day. Pure.
inline constexpr Millis kResetUncertainty{2 * 3600 * 1000};
inline constexpr Millis kQuotaRecheck{3600 * 1000};
TimePoint quota_resumes_at(TimePoint now);

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
