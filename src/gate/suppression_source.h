// SuppressionSource: anything that can say which addresses of a team are unsubscribed
// (the team's own suppression list, a vendor). Implementations are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/result.h"

namespace sg::gate {

class SuppressionSource {
 public:
  virtual ~SuppressionSource() = default;
  // `keys` are lower-cased and distinct. An Error means the source could not answer; one
  // naming some of `keys` (Error::recipients) could not answer for those, and the gate asks
  // again about the others.
  virtual Result<std::unordered_set<std::string>> unsubscribed_among(
      const std::string& team_id, const std::vector<std::string>& keys) = 0;
  // The same answer from memory alone, without waiting on a database or a vendor: nullopt
  // unless every key is known (UnsubscribeGate::check_from_memory).
  virtual std::optional<std::unordered_set<std::string>> known_among(const std::string&,
                                                                     const std::vector<std::string>&) {
    return std::nullopt;
  }
};

}  // namespace sg::gate
