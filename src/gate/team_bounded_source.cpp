#include "gate/team_bounded_source.h"

#include <spdlog/spdlog.h>

namespace sg::gate {

Result<std::unordered_set<std::string>> TeamBoundedSource::unsubscribed_among(const std::string& team_id,
                                                                              const std::vector<std::string>& keys) {
  const std::optional<Instant> entered = enter(team_id);
  if (!entered) {
    spdlog::warn("team {}: its lookups are stalled or too many ({}); failing fast", team_id, busy_.code);
    return busy_;
  }
  struct Exit {
    TeamBoundedSource& self;
    const std::string& team_id;
    Instant entered;
    ~Exit() { self.leave(team_id, entered); }
  } exit{*this, team_id, *entered};
  return inner_.unsubscribed_among(team_id, keys);
}

std::optional<TeamBoundedSource::Instant> TeamBoundedSource::enter(const std::string& team_id) {
  std::unique_lock lock(mu_);
  Team& team = teams_[team_id];
  if (static_cast<int>(team.inside.size()) >= limits_.slots && team.waiting >= limits_.waiting) return std::nullopt;
  ++team.waiting;
  bool room = false;
  while (true) {
    if (static_cast<int>(team.inside.size()) < limits_.slots) {
      room = true;
      break;
    }
    const Instant stalled_at = *team.inside.begin() + limits_.stall_after;
    if (std::chrono::steady_clock::now() >= stalled_at) break;
    left_.wait_until(lock, stalled_at);
  }
  --team.waiting;
  if (!room) return std::nullopt;
  const Instant now = std::chrono::steady_clock::now();
  team.inside.insert(now);
  return now;
}

void TeamBoundedSource::leave(const std::string& team_id, Instant entered) {
  {
    std::lock_guard lock(mu_);
    Team& team = teams_[team_id];
    team.inside.erase(team.inside.find(entered));
    if (team.inside.empty() && team.waiting == 0) teams_.erase(team_id);
  }
  left_.notify_all();
}

}  // namespace sg::gate
