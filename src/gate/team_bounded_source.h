// TeamBoundedSource: bounds how many threads one team can hold inside the inner source.
// A lookup holds its thread for as long as the vendor takes to answer, and handler threads
// are shared by every team: without a bound, one team whose vendor accepts and never
// answers would hold them all. Per team, at most `limits.slots` callers are inside and at
// most `limits.waiting` more wait for a slot; a waiter gives up once the team's oldest
// call inside has run `limits.stall_after` (its vendor is stalled, not merely busy), and
// then every newcomer fails at once until that call ends. Failing is the `busy` error the
// vendor names (marketo_busy for Marketo), so the team's own fail policy answers (503 for
// "block", allowed unverified for "send") while other teams are unaffected. Times are real (std::chrono::steady_clock): slots free up
// as real calls end. Thread-safe; the inner source must outlive it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "core/clock.h"
#include "gate/suppression_source.h"

namespace sg::gate {

struct TeamLimits {
  int slots = 4;
  int waiting = 8;
  Millis stall_after{5000};
};

class TeamBoundedSource final : public SuppressionSource {
 public:
  TeamBoundedSource(SuppressionSource& inner, TeamLimits limits, Error busy)
      : inner_(inner), limits_(limits), busy_(std::move(busy)) {}

  Result<std::unordered_set<std::string>> unsubscribed_among(
      const std::string& team_id, const std::vector<std::string>& keys) override;

 private:
  using Instant = std::chrono::steady_clock::time_point;
  struct Team {
    std::multiset<Instant> inside;  // when each call inside started
    int waiting = 0;
  };

  // When the call entered, or nullopt when the team has no room.
  std::optional<Instant> enter(const std::string& team_id);
  void leave(const std::string& team_id, Instant entered);

  SuppressionSource& inner_;
  const TeamLimits limits_;
  const Error busy_;
  std::mutex mu_;
  std::condition_variable left_;
  std::unordered_map<std::string, Team> teams_;  // GUARDED_BY(mu_); absent = idle
};

}  // namespace sg::gate
