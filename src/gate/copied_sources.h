// CopiedSource and CopiedMirror: a local source (the team's own suppression list) and a
// mirror read through as before, with each answer also kept in RecentCopies, so that
// known_among() / known() can answer a check from memory (UnsubscribeGate::
// check_from_memory). Every read still goes to the inner source: delivery never acts on
// a copy. forget() drops a team's copies (of some addresses, or all); it is called once
// this process's write to the team's data has committed (store::TeamChanges).
// Thread-safe; the inner source must outlive them.
#pragma once

#include <algorithm>

#include "gate/mirror.h"
#include "gate/recent_copies.h"
#include "gate/suppression_source.h"

namespace sg::gate {

// How long a copy answers at most: what another process changes (the command line,
// another instance on the same database) reaches checks answered from memory within this,
// or within the check max age when that is shorter (copy_ttl).
inline constexpr Millis kCopyTtl{2000};
inline constexpr Millis copy_ttl(Millis check_max_age) { return std::min(kCopyTtl, check_max_age); }
inline constexpr size_t kCopyCapacity = 200000;

class CopiedSource final : public SuppressionSource {
 public:
  CopiedSource(SuppressionSource& inner, Clock& clock, Millis ttl)
      : inner_(inner), copies_(clock, ttl, kCopyCapacity) {}

  Result<std::unordered_set<std::string>> unsubscribed_among(const std::string& team_id,
                                                             const std::vector<std::string>& keys) override;
  std::optional<std::unordered_set<std::string>> known_among(const std::string& team_id,
                                                             const std::vector<std::string>& keys) override;
  void forget(const std::string& team_id, const std::vector<std::string>& keys) { copies_.forget(team_id, keys); }

 private:
  SuppressionSource& inner_;
  RecentCopies<bool> copies_;  // true: on the list
};

class CopiedMirror final : public Mirror {
 public:
  CopiedMirror(Mirror& inner, Clock& clock, Millis ttl) : inner_(inner), copies_(clock, ttl, kCopyCapacity) {}

  std::unordered_map<std::string, MirrorAnswer> mirrored(const std::string& team_id,
                                                        const std::vector<std::string>& keys) override;
  std::optional<std::unordered_map<std::string, MirrorAnswer>> known(const std::string& team_id,
                                                                    const std::vector<std::string>& keys) override;
  void forget(const std::string& team_id, const std::vector<std::string>& keys) { copies_.forget(team_id, keys); }

 private:
  Mirror& inner_;
  // nullopt: the mirror does not know it. A known answer is kept no longer than its
  // judged_until.
  RecentCopies<std::optional<MirrorAnswer>> copies_;
};

}  // namespace sg::gate
