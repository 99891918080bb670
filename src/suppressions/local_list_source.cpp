#include "suppressions/local_list_source.h"

namespace sg::suppressions {

Result<std::unordered_set<std::string>> LocalListSource::unsubscribed_among(
    const std::string& team_id, const std::vector<std::string>& keys) {
  auto found = list_.suppressed_among(team_id, keys);
  return std::unordered_set<std::string>(found.begin(), found.end());
}

gate::CheckedSource local_list_checked_source(gate::SuppressionSource& list) {
  gate::CheckedSource s;
  s.name = "suppression_list";
  s.label = "the team's suppression list";
  s.reason = kSuppressedReason;
  s.source = &list;
  s.always_on = true;
  return s;
}

}  // namespace sg::suppressions
