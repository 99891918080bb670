#include "gate/coalescing_source.h"

#include <unordered_set>

namespace sg::gate {

Result<std::unordered_set<std::string>> CoalescingSource::unsubscribed_among(
    const std::string& team_id, const std::vector<std::string>& keys) {
  auto me = std::make_shared<Waiter>();
  me->keys = keys;
  std::unique_lock lock(mu_);
  teams_[team_id].waiting.push_back(me);
  while (!me->answer) {
    // References into teams_ are re-taken after every unlock: the map may rehash.
    if (teams_[team_id].leader_active) {
      done_.wait(lock);
      continue;
    }
    teams_[team_id].leader_active = true;
    run_batch(team_id, lock);
    TeamQueue& queue = teams_[team_id];
    queue.leader_active = false;
    if (queue.waiting.empty()) teams_.erase(team_id);
    done_.notify_all();
  }
  return std::move(*me->answer);
}

std::vector<std::shared_ptr<CoalescingSource::Waiter>> CoalescingSource::take_batch(TeamQueue& queue) {
  std::vector<std::shared_ptr<Waiter>> batch;
  size_t total = 0;
  while (!queue.waiting.empty()) {
    size_t next = queue.waiting.front()->keys.size();
    if (!batch.empty() && total + next > batch_size_) break;
    total += next;
    batch.push_back(queue.waiting.front());
    queue.waiting.pop_front();
  }
  return batch;
}

void CoalescingSource::run_batch(const std::string& team_id, std::unique_lock<std::mutex>& lock) {
  auto batch = take_batch(teams_[team_id]);
  std::vector<std::string> keys;
  std::unordered_set<std::string> seen;
  for (const auto& w : batch)
    for (const auto& k : w->keys)
      if (seen.insert(k).second) keys.push_back(k);

  lock.unlock();
  Result<std::unordered_set<std::string>> answer = Error::internal("lookup did not run");
  try {
    answer = inner_.unsubscribed_among(team_id, keys);
  } catch (const std::exception& e) {
    answer = Error::internal(e.what());
  }
  lock.lock();

  for (const auto& w : batch) {
    if (!answer) {
      w->answer = answer.error();
      continue;
    }
    std::unordered_set<std::string> mine;
    for (const auto& k : w->keys)
      if (answer->count(k)) mine.insert(k);
    w->answer = std::move(mine);
  }
}

}  // namespace sg::gate
