// Mirror: what the local copy of Marketo's unsubscribe state says about addresses, so
// the gate can answer without a Marketo call. It answers only while the copy is kept in
// sync with Marketo's activity feed. An unsubscribe is always believed (it can only
// block; a resubscribe lifts it at the next sync); "not unsubscribed" is `trusted` only
// when seen recently, and the gate relies on it only for teams that made the mirror
// authoritative. For other teams the copy counts as one more cached answer, used only
// while younger than the check's max age. Implementations are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"

namespace sg::gate {

struct MirrorAnswer {
  bool unsubscribed = false;
  bool trusted = false;  // "not unsubscribed" was seen recently enough to rely on
  TimePoint synced_at;   // when the feed was last read: the answer is no fresher than that
  TimePoint seen_at;     // when this address's state was last learned
  // When the judgement above may change with time alone (the feed no longer counting as
  // followed, "not unsubscribed" leaving the trust window): a copy must not outlive it.
  TimePoint judged_until = TimePoint::max();
};

class Mirror {
 public:
  virtual ~Mirror() = default;
  // Answers for the keys the mirror knows; unknown keys are absent.
  virtual std::unordered_map<std::string, MirrorAnswer> mirrored(const std::string& team_id,
                                                                const std::vector<std::string>& keys) = 0;
  // The same answer from memory alone: nullopt unless it is known for every key.
  virtual std::optional<std::unordered_map<std::string, MirrorAnswer>> known(const std::string&,
                                                                            const std::vector<std::string>&) {
    return std::nullopt;
  }
};

}  // namespace sg::gate
