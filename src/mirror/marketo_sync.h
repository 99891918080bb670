// MarketoSync: a background thread that keeps Sendguard and Marketo in step. For every
// team with the check on it follows Marketo's activity feed (Unsubscribe Email, and
// Change Data Value on "Unsubscribed"), resolves the leads to addresses and records their
// state in the mirror; the feed's position is kept in the database, so nothing is missed
// across restarts. It also writes one-click unsubscribes back to Marketo, retrying with
// backoff until Marketo accepts them. Each team is synced on a thread of its own, and a
// team whose previous pass still runs is skipped: a team whose Marketo stalls delays only
// itself. Thread-safe; collaborators must outlive it.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/background_loop.h"
#include "core/clock.h"
#include "marketo/marketo_client.h"
#include "mirror/mirror_seed.h"
#include "store/stores.h"

namespace sg::mirror {

struct SyncOptions {
  Millis interval{30000};     // how often the feed is read and write-backs are tried
  int max_pages_per_run = 20;  // per team, so one busy team cannot starve the others
  int max_parallel_teams = 8;  // teams synced at once; the rest wait for a later pass
  Millis writeback_retry_base{30000};
  Millis writeback_retry_max{3600 * 1000};
};

class MarketoSync {
 public:
  MarketoSync(store::Store& store, marketo::Client& client, Clock& clock, SyncOptions options);
  ~MarketoSync() { stop(); }

  void start();
  void stop();
  // One pass over every team with the check on or a due write-back; returns when the
  // pass is done. For tests.
  void run_once();
  // Each pass of a team with the check on also moves its mirror seed on; call before start().
  void seed_with(MirrorSeed* seed) { seed_ = seed; }

 private:
  // Starts a pass for each team due one whose previous pass has ended.
  void dispatch();
  // Joins the threads of passes that ended (all of them when `all`, waiting).
  void reap(bool all);
  struct TeamWork {
    bool follow_feed = false;  // the team's check is on
    std::vector<store::WriteBack> writebacks;  // due now
  };
  void run_team(const std::string& team_id, const TeamWork& work);
  void sync_team(const std::string& team_id);
  // Records in the mirror the addresses of the leads whose unsubscribe changed in `activities`.
  Status mirror_changes(const std::string& team_id, const marketo::Credentials& creds,
                        const std::vector<marketo::Activity>& activities, const std::vector<int>& types);
  void write_back(const std::string& team_id, const std::vector<store::WriteBack>& items);
  std::vector<int> unsubscribe_type_ids(const std::string& team_id, const marketo::Credentials& creds);

  store::Store& store_;
  marketo::Client& client_;
  Clock& clock_;
  const SyncOptions options_;
  std::mutex mu_;
  std::map<std::string, std::vector<int>> types_;  // GUARDED_BY(mu_): confirmed type ids per team
  std::map<std::string, std::thread> passes_;      // GUARDED_BY(mu_): per team, while running or unjoined
  std::set<std::string> ended_;                    // GUARDED_BY(mu_): teams whose pass ended, to join
  std::condition_variable pass_ended_;
  MirrorSeed* seed_ = nullptr;
  BackgroundLoop loop_;
};

}  // namespace sg::mirror
