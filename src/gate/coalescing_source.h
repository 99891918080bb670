// CoalescingSource: merges concurrent questions to one source per team into shared
// batches, so 200 checks of 5 addresses cost 4 Marketo calls rather than 200. One caller
// per team at a time leads: it asks the inner source for up to `batch_size` addresses
// gathered from the waiting callers (oldest first), hands each its part, and steps down;
// a caller still waiting then leads the next batch. A request larger than a batch goes
// alone (the inner source splits it).
// Thread-safe; the inner source must outlive it.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "gate/suppression_source.h"

namespace sg::gate {

class CoalescingSource final : public SuppressionSource {
 public:
  explicit CoalescingSource(SuppressionSource& inner, size_t batch_size = 300)
      : inner_(inner), batch_size_(batch_size) {}

  Result<std::unordered_set<std::string>> unsubscribed_among(
      const std::string& team_id, const std::vector<std::string>& keys) override;

 private:
  struct Waiter {
    std::vector<std::string> keys;
    std::optional<Result<std::unordered_set<std::string>>> answer;  // set when done
  };
  struct TeamQueue {
    std::deque<std::shared_ptr<Waiter>> waiting;
    bool leader_active = false;
  };

  void run_batch(const std::string& team_id, std::unique_lock<std::mutex>& lock);
  std::vector<std::shared_ptr<Waiter>> take_batch(TeamQueue& queue);

  SuppressionSource& inner_;
  const size_t batch_size_;
  std::mutex mu_;
  std::condition_variable done_;
  std::unordered_map<std::string, TeamQueue> teams_;  // GUARDED_BY(mu_)
};

}  // namespace sg::gate
