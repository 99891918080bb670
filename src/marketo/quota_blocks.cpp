#include "marketo/quota_blocks.h"

#include <algorithm>

#include "marketo/us_central.h"

namespace sg::marketo {

TimePoint quota_resumes_at(TimePoint now) {
  if (now - last_us_central_midnight(now) < kResetUncertainty) return now + kQuotaRecheck;
  return next_us_central_midnight(now);
}

void QuotaBlocks::block_until(const std::string& instance, TimePoint until) {
  std::lock_guard lock(mu_);
  TimePoint& current = until_[instance];
  current = std::max(current, until);
}

std::optional<TimePoint> QuotaBlocks::blocked_until(const std::string& instance, TimePoint now) const {
  std::lock_guard lock(mu_);
  auto it = until_.find(instance);
  if (it == until_.end() || it->second <= now) return std::nullopt;
  return it->second;
}

}  // namespace sg::marketo
