#include "gate/copied_sources.h"

namespace sg::gate {

Result<std::unordered_set<std::string>> CopiedSource::unsubscribed_among(const std::string& team_id,
                                                                         const std::vector<std::string>& keys) {
  const uint64_t read_at = copies_.generation(team_id);
  auto answer = inner_.unsubscribed_among(team_id, keys);
  if (answer)
    for (const auto& k : keys) copies_.put(team_id, k, answer->count(k) > 0, read_at);
  return answer;
}

std::optional<std::unordered_set<std::string>> CopiedSource::known_among(const std::string& team_id,
                                                                         const std::vector<std::string>& keys) {
  auto copies = copies_.get_all(team_id, keys);
  if (!copies) return std::nullopt;
  std::unordered_set<std::string> listed;
  for (size_t i = 0; i < keys.size(); ++i)
    if ((*copies)[i]) listed.insert(keys[i]);
  return listed;
}

std::unordered_map<std::string, MirrorAnswer> CopiedMirror::mirrored(const std::string& team_id,
                                                                    const std::vector<std::string>& keys) {
  const uint64_t read_at = copies_.generation(team_id);
  auto answers = inner_.mirrored(team_id, keys);
  for (const auto& k : keys) {
    auto it = answers.find(k);
    if (it == answers.end()) copies_.put(team_id, k, std::nullopt, read_at);
    else copies_.put(team_id, k, it->second, read_at, it->second.judged_until);
  }
  return answers;
}

std::optional<std::unordered_map<std::string, MirrorAnswer>> CopiedMirror::known(
    const std::string& team_id, const std::vector<std::string>& keys) {
  auto copies = copies_.get_all(team_id, keys);
  if (!copies) return std::nullopt;
  std::unordered_map<std::string, MirrorAnswer> answers;
  for (size_t i = 0; i < keys.size(); ++i)
    if ((*copies)[i]) answers.emplace(keys[i], *(*copies)[i]);
  return answers;
}

}  // namespace sg::gate
