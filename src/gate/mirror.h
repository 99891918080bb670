// Mirror: what the local copy of Marketo's unsubscribe state says about addresses, so
// the gate can answer without a Marketo call. An unsubscribe is always believed (it can
// only block); "not unsubscribed" is `trusted` only when seen recently while the copy is
// kept in sync, and the gate relies on it only for teams that made the mirror
// authoritative. Implementations are thread-safe.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

namespace sg::gate {

struct MirrorAnswer {
  bool unsubscribed = false;
  bool trusted = false;  // "not unsubscribed" may be relied on without asking Marketo
};

class Mirror {
 public:
  virtual ~Mirror() = default;
  // Answers for the keys the mirror knows; unknown keys are absent.
  virtual std::unordered_map<std::string, MirrorAnswer> mirrored(const std::string& team_id,
                                                                const std::vector<std::string>& keys) = 0;
};

}  // namespace sg::gate
