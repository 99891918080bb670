#include "mirror/store_mirror.h"

#include <algorithm>

#include "mirror/complete_mirror.h"

namespace sg::mirror {

std::unordered_map<std::string, gate::MirrorAnswer> StoreMirror::mirrored(const std::string& team_id,
                                                                         const std::vector<std::string>& keys) {
  TimePoint now = clock_.now();
  auto state = sync_.sync_state(team_id);
  // Read to its end recently, not merely called: a feed behind a backlog has not yet seen
  // the latest changes.
  bool following = state.confirmed_at && now - *state.confirmed_at <= options_.max_sync_age;
  std::unordered_map<std::string, gate::MirrorAnswer> out;
  // Only a followed feed keeps the copy current (a resubscribe would have arrived); when
  // the sync is failing the gate asks Marketo instead.
  if (!following) return out;
  // A failing feed may be hiding new unsubscribes: it answers only for those it knows
  // (they can only block; fail closed), and every other address is looked up live.
  bool failing = !state.confirmed_since_failure();
  bool complete = !failing && knows_every_unsubscribe(state, sync_.seed_state(team_id));
  const TimePoint followed_until = *state.confirmed_at + options_.max_sync_age;
  for (const auto& [key, entry] : sync_.mirrored(team_id, keys)) {
    if (failing && !entry.unsubscribed) continue;
    bool trusted = !entry.unsubscribed && (complete || now - entry.seen_at <= options_.trust_window);
    TimePoint judged_until = trusted && !complete ? std::min(followed_until, entry.seen_at + options_.trust_window)
                                                  : followed_until;
    out[key] = {entry.unsubscribed, trusted, *state.confirmed_at, entry.seen_at, judged_until};
  }
  // A complete copy knows every unsubscribed address: one it has never heard of is not.
  if (complete)
    for (const auto& key : keys)
      out.try_emplace(key, gate::MirrorAnswer{false, true, *state.confirmed_at, *state.confirmed_at, followed_until});
  return out;
}

}  // namespace sg::mirror
