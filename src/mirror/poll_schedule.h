// PollSchedule: when each team's activity feed is next read. At the base interval while
// the feed brings unsubscribe changes; doubled after each pass without one, up to
// `max_factor` times the base; back to the base after a change or a nudge (a webhook
// call says the feed has news). A nudge during a pass is kept: the news may have come
// after the pass read past it, so the next pass is due as soon as this one ends.
// Pure: times come from the caller; not thread-safe.
#pragma once

#include <map>
#include <string>

#include "core/clock.h"

namespace sg::mirror {

// The wait after `empty_passes` passes in a row without a change: base, 2*base, 4*base,
// ..., max_factor*base.
Millis poll_delay(Millis base, int max_factor, int empty_passes);

class PollSchedule {
 public:
  PollSchedule(Millis base, int max_factor) : base_(base), max_factor_(max_factor) {}

  // Whether the team's feed is due at `now` (a team never read, or nudged, is).
  bool due(const std::string& team, TimePoint now) const;
  // A pass of the team starts: a nudge from now on is news it may miss.
  void started(const std::string& team);
  // A pass that started at `started` ended; `changes` when it found unsubscribe changes.
  // A failed pass keeps the team's pace: it learned nothing either way.
  void passed(const std::string& team, TimePoint started, bool changes);
  // Back to the base interval, due at once (or, during a pass, as soon as it ends).
  void nudge(const std::string& team);
  // Nudged since its last pass started.
  bool nudged(const std::string& team) const;
  // Forgets every team's pace: each is due at once, as if never read.
  void clear() { teams_.clear(); }

 private:
  struct Pace {
    int empty_passes = 0;
    TimePoint next{};
    bool nudged = false;  // since the last pass started
  };
  const Millis base_;
  const int max_factor_;
  std::map<std::string, Pace> teams_;
};

}  // namespace sg::mirror
