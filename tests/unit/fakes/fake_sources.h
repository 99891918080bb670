// Recording fakes for the gate's suppression sources: a fixed set of unsubscribed
// addresses, every question recorded, and an optional failure to answer.
#pragma once

#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "gate/suppression_source.h"

namespace sg::test {

class FakeSource final : public gate::SuppressionSource {
 public:
  Result<std::unordered_set<std::string>> unsubscribed_among(
      const std::string& team_id, const std::vector<std::string>& keys) override {
    std::lock_guard lock(mu);
    asked.push_back(keys);
    teams.push_back(team_id);
    if (failing) return Error{"marketo_unreachable", "simulated outage", {}, {}};
    std::unordered_set<std::string> out;
    for (const auto& k : keys)
      if (unsubscribed.count(k)) out.insert(k);
    return out;
  }

  std::mutex mu;
  std::unordered_set<std::string> unsubscribed;
  bool failing = false;
  std::vector<std::vector<std::string>> asked;
  std::vector<std::string> teams;
};

}  // namespace sg::test
