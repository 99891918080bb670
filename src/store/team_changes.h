// TeamChanges: tells listeners that this process changed what a team's unsubscribe checks
// read (its suppression list, its mirror of a vendor's state), once the change can be
// read: after the transaction that made it has ended. Copies kept for fast checks drop
// the team's entries then. Changes made by other processes are not heard here.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "store/db.h"

namespace sg::store {

class TeamChanges {
 public:
  // `keys`: the addresses whose answers changed; empty: any of the team's may have.
  using Listener = std::function<void(const std::string& team_id, const std::vector<std::string>& keys)>;

  // Before the store is shared between threads. A listener must not throw.
  void listen(Listener listener) { listeners_.push_back(std::move(listener)); }

  // From a repository's write for the team.
  void changed(Db& db, const std::string& team_id, std::vector<std::string> keys = {}) {
    if (listeners_.empty()) return;
    db.after_transaction([this, team_id, keys = std::move(keys)] {
      for (const auto& listener : listeners_) listener(team_id, keys);
    });
  }

 private:
  std::vector<Listener> listeners_;
};

}  // namespace sg::store
