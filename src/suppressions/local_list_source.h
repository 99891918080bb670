// The team's own suppression list as the gate's first source: always on, never cached
// through the freshness cache (it is our own database), refusing with reason "suppressed".
#pragma once

#include "gate/checked_source.h"
#include "store/stores.h"

namespace sg::suppressions {

inline constexpr std::string_view kSuppressedReason = "suppressed";

class LocalListSource final : public gate::SuppressionSource {
 public:
  explicit LocalListSource(store::SuppressionStore& list) : list_(list) {}
  Result<std::unordered_set<std::string>> unsubscribed_among(
      const std::string& team_id, const std::vector<std::string>& keys) override;

 private:
  store::SuppressionStore& list_;
};

// How the gate asks `list`: a LocalListSource, or one read through a copy of it.
gate::CheckedSource local_list_checked_source(gate::SuppressionSource& list);

}  // namespace sg::suppressions
