// CrowdedAddresses: addresses that more than 1,000 leads of an instance share, for which
// Marketo answers every lookup with 1003. Remembered for a while so that a batch holding
// one is not halved down to it again on every check. Thread-safe; in memory.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"

namespace sg::marketo {

class CrowdedAddresses {
 public:
  explicit CrowdedAddresses(Millis remember_for) : remember_for_(remember_for) {}

  void add(const std::string& instance, const std::vector<std::string>& keys, TimePoint now);
  // Those of `keys` remembered as crowded on `instance` at `now`.
  std::vector<std::string> among(const std::string& instance, const std::vector<std::string>& keys,
                                 TimePoint now) const;

 private:
  const Millis remember_for_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, TimePoint> until_;  // GUARDED_BY(mu_)
};

}  // namespace sg::marketo
