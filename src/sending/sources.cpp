#include "sending/sources.h"

namespace sg::sending {

Result<std::unordered_set<std::string>> LocalListSource::unsubscribed_among(
    const std::string& team_id, const std::vector<std::string>& keys) {
  auto found = list_.suppressed_among(team_id, keys);
  return std::unordered_set<std::string>(found.begin(), found.end());
}

marketo::Credentials credentials_of(const store::MarketoConnection& c) {
  return {c.rest_endpoint, c.identity_endpoint, c.client_id, c.client_secret};
}

gate::TeamPolicy team_policy(const store::UnsubscribeSettings& s) {
  return {s.marketo_check_enabled, s.on_check_unavailable, s.mirror_authoritative};
}

Result<std::unordered_set<std::string>> MarketoSource::unsubscribed_among(
    const std::string& team_id, const std::vector<std::string>& keys) {
  auto connection = connections_.get(team_id);
  if (!connection)
    return Error{"marketo_not_connected", "the team has no Marketo connection", {}, {}};
  auto answer = client_.unsubscribed_among(credentials_of(*connection), keys);
  if (answer) {
    TimePoint now = clock_.now();
    for (const auto& k : keys) sync_.mirror(team_id, k, answer->count(k) > 0, now);
  }
  return answer;
}

std::unordered_map<std::string, gate::MirrorAnswer> StoreMirror::mirrored(const std::string& team_id,
                                                                         const std::vector<std::string>& keys) {
  TimePoint now = clock_.now();
  auto state = sync_.sync_state(team_id);
  bool following = state.last_success_at && now - *state.last_success_at <= options_.max_sync_age;
  std::unordered_map<std::string, gate::MirrorAnswer> out;
  // Only a followed feed keeps the copy current (a resubscribe would have arrived); when
  // the sync is failing the gate asks Marketo instead.
  if (!following) return out;
  for (const auto& [key, entry] : sync_.mirrored(team_id, keys))
    out[key] = {entry.unsubscribed, !entry.unsubscribed && now - entry.seen_at <= options_.trust_window,
                *state.last_success_at, entry.seen_at};
  return out;
}

}  // namespace sg::sending
