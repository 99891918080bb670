#include "mirror/poll_schedule.h"

#include "core/backoff.h"

namespace sg::mirror {

Millis poll_delay(Millis base, int max_factor, int empty_passes) {
  return capped_backoff(base, base * std::max(1, max_factor), empty_passes + 1);
}

bool PollSchedule::due(const std::string& team, TimePoint now) const {
  auto it = teams_.find(team);
  return it == teams_.end() || it->second.nudged || it->second.next <= now;
}

void PollSchedule::started(const std::string& team) { teams_[team].nudged = false; }

void PollSchedule::passed(const std::string& team, TimePoint started, bool changes) {
  Pace& pace = teams_[team];
  pace.empty_passes = changes || pace.nudged ? 0 : pace.empty_passes + 1;
  // From the pass's start: the loop wakes one base interval after it dispatched.
  pace.next = started + poll_delay(base_, max_factor_, pace.empty_passes);
}

void PollSchedule::nudge(const std::string& team) {
  Pace& pace = teams_[team];
  pace.empty_passes = 0;
  pace.nudged = true;
}

bool PollSchedule::nudged(const std::string& team) const {
  auto it = teams_.find(team);
  return it != teams_.end() && it->second.nudged;
}

}  // namespace sg::mirror
