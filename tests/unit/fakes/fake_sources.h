// Recording fakes for the gate's suppression sources: a fixed set of unsubscribed
// addresses, every question recorded, and an optional failure to answer (for everything, or
// naming the addresses it cannot answer for). And a mirror answering what it is told.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "gate/checked_source.h"

namespace sg::test {

class FakeSource final : public gate::SuppressionSource {
 public:
  Result<std::unordered_set<std::string>> unsubscribed_among(
      const std::string& team_id, const std::vector<std::string>& keys) override {
    std::lock_guard lock(mu);
    asked.push_back(keys);
    teams.push_back(team_id);
    if (failing) return Error::make(failure_code, "simulated outage");
    std::vector<std::string> named;
    for (const auto& k : keys)
      if (unanswerable.count(k)) named.push_back(k);
    if (!named.empty()) return Error::make(failure_code, "cannot answer for some").about(std::move(named));
    std::unordered_set<std::string> out;
    for (const auto& k : keys)
      if (unsubscribed.count(k)) out.insert(k);
    return out;
  }

  std::mutex mu;
  std::unordered_set<std::string> unsubscribed;
  bool failing = false;
  std::unordered_set<std::string> unanswerable;  // a question naming any fails, naming them
  std::string failure_code = "marketo_unreachable";
  std::vector<std::vector<std::string>> asked;
  std::vector<std::string> teams;
};

// `source` as the gate lists it: optional (on when the team's policy names it), cached.
inline gate::CheckedSource checked(gate::SuppressionSource& source, std::string name, std::string_view reason,
                                   gate::Mirror* mirror = nullptr) {
  gate::CheckedSource s;
  s.name = name;
  s.label = name;
  s.reason = reason;
  s.source = &source;
  s.cached = true;
  s.mirror = mirror;
  return s;
}

// `source` as the team's own list: always on, never cached.
inline gate::CheckedSource checked_local(FakeSource& source) {
  gate::CheckedSource s;
  s.name = "suppression_list";
  s.label = "the suppression list";
  s.reason = "suppressed";
  s.source = &source;
  s.always_on = true;
  return s;
}

class FakeMirror final : public gate::Mirror {
 public:
  std::unordered_map<std::string, gate::MirrorAnswer> mirrored(const std::string&,
                                                               const std::vector<std::string>& keys) override {
    ++reads;
    std::unordered_map<std::string, gate::MirrorAnswer> out;
    for (const auto& k : keys)
      if (auto it = known.find(k); it != known.end()) out[k] = it->second;
    return out;
  }
  std::unordered_map<std::string, gate::MirrorAnswer> known;
  int reads = 0;
};

}  // namespace sg::test
