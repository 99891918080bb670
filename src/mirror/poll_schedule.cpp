#include "mirror/poll_schedule.h"

#include "core/backoff.h"

namespace sg::mirror {

Millis poll_delay(Millis base, int max_factor, int empty_passes) {
  return capped_backoff(base, base * std::max(1, max_factor), empty_passes + 1);
}

bool PollSchedule::due(const std::string& team, TimePoint now) const {
  auto it = teams_.find(team);
  return it == teams_.end() || it->second.next <= now;
}

void PollSchedule::passed(const std::string& team, TimePoint started, bool changes) {
  Pace& pace = teams_[team];
  pace.empty_passes = changes ? 0 : pace.empty_passes + 1;
  // From the pass's start: the loop wakes one base interval after it dispatched.
  pace.next = started + poll_delay(base_, max_factor_, pace.empty_passes);
}

void PollSchedule::nudge(const std::string& team) { teams_[team] = Pace{}; }

}  // namespace sg::mirror
