// MarketoSync: a background thread that keeps Sendguard and Marketo in step. For every
// team with the check on it follows Marketo's activity feed (Unsubscribe Email, and
// Change Data Value on the `unsubscribed` field, matched by the field's id), resolves the
// leads to addresses and records their state in the mirror; the feed's position is kept
// in the database, so nothing is missed across restarts. A team's feed is read at the
// interval while it brings changes and less often while it is quiet (PollSchedule);
// nudge() reads it at once. A paging token Marketo refuses is replaced by one from the
// last confirmed page, and the feed is read again now and then for activities Marketo
// committed late. It also writes one-click unsubscribes back to Marketo, retrying with
// backoff until Marketo accepts them. Each team is synced on a thread of its own, and a
// team whose previous pass still runs is skipped: a team whose Marketo stalls delays only
// itself. Only the leading instance syncs (Leadership); nudges and forgotten connections
// reach it through the database, from whichever instance heard them. Thread-safe;
// collaborators must outlive it.
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
#include "core/leadership.h"
#include "marketo/marketo_client.h"
#include "mirror/mirror_seed.h"
#include "mirror/feed_changes.h"
#include "mirror/poll_schedule.h"
#include "store/stores.h"

namespace sg::mirror {

struct SyncOptions {
  Millis interval{30000};     // how often the feed is read and write-backs are tried
  int max_pages_per_run = 20;  // per team, so one busy team cannot starve the others
  int max_parallel_teams = 8;  // teams synced at once; the rest wait for a later pass
  Millis writeback_retry_base{30000};
  Millis writeback_retry_max{3600 * 1000};
  int max_backoff_factor = 10;  // a quiet feed is read down to every interval * this
  // Paging tokens are dates, and Marketo may commit an activity after a later one was read:
  // this often the feed is read again from the previous such re-read, a minute back.
  Millis reread_every{30 * 60 * 1000};
  // New leads and changed addresses are followed too, so that a seeded mirror knows every
  // unsubscribed address (see complete_mirror.h): on when the mirror is seeded.
  bool follow_new_addresses = false;
  // Asked before each pass: only the leading instance reads feeds and writes back (none
  // means this process alone uses the database). Must outlive the sync.
  Leadership* leadership = nullptr;
  // How often the leader looks for the nudges and forgets other instances heard.
  Millis request_poll{1000};
};

class MarketoSync {
 public:
  MarketoSync(MirrorStores stores, marketo::Client& client, Clock& clock, SyncOptions options);
  ~MarketoSync() { stop(); }

  void start();
  void stop();
  // One pass over every team with the check on or a due write-back; returns when the
  // pass is done. For tests.
  void run_once();
  // Each pass of a team with the check on also moves its mirror seed on; call before start().
  void seed_with(MirrorSeed* seed) { seed_ = seed; }
  // Reads the team's feed at the next pass, and at the base interval from then on: news
  // is on its way (a webhook call). The pass starts at once when this instance leads;
  // otherwise the leader's next pass takes the request from the database.
  void nudge(const std::string& team_id);
  // Drops what the sync keeps in memory of the team's instance (its ids, changes handled,
  // write-backs, pace and re-reads), on whichever instance leads: its connection now
  // points elsewhere.
  void forget_team(const std::string& team_id);

 private:
  // Whether this instance leads; one elected again first drops all it kept in memory.
  bool lead();
  // Applies the nudges and forgets any instance asked for since the last call.
  void take_requests();
  void forget_locked(const std::string& team_id);  // what memory keeps of the team's instance
  // Starts a pass for each team due one whose previous pass has ended; the leader only.
  void dispatch();
  // Joins the threads of passes that ended (all of them when `all`, waiting).
  void reap(bool all);
  struct TeamWork {
    bool follow_feed = false;  // the team's check is on and its feed is due
    bool step_seed = false;    // the team's check is on and its seed has a step due
    std::vector<store::WriteBack> writebacks;  // due now
  };
  void run_team(const std::string& team_id, const TeamWork& work, TimePoint started);
  enum class Pass { failed, quiet, changes };
  Pass sync_team(const std::string& team_id);
  // A page of the feed from the kept token; a token Marketo refuses is replaced once by
  // one from the last confirmed page (noted in `state`).
  Result<marketo::ActivityPage> read_page(const std::string& team_id, const marketo::Credentials& creds,
                                          store::SyncState& state, const FeedIds& ids, bool& restarted);
  // Records in the mirror the addresses of the leads whose unsubscribe changed in
  // `activities`; true when there was any.
  Result<bool> mirror_changes(const std::string& team_id, const marketo::Credentials& creds,
                              const std::vector<marketo::Activity>& activities, const FeedIds& ids);
  // What Marketo says of each address now (unsubscribed when any of its leads is), and
  // the addresses it cannot be asked about (more than 1,000 leads share each).
  struct AddressStates {
    std::map<std::string, bool> unsubscribed;
    std::set<std::string> crowded;
  };
  Result<AddressStates> address_states(const marketo::Credentials& creds, std::vector<std::string> keys);
  void write_back(const std::string& team_id, const std::vector<store::WriteBack>& items);
  // The instance's ids, confirmed once; while the unsubscribed field's id is unknown,
  // asked again at every pass and noted as `state.warning`.
  FeedIds feed_ids(const std::string& team_id, const marketo::Credentials& creds, store::SyncState& state);
  // Moves the feed back to the previous re-read (or the last confirmed page, if earlier)
  // when one is due and the team's last pass read the feed to its end.
  Status reread_if_due(const std::string& team_id, const marketo::Credentials& creds, store::SyncState& state);
  void note_read_to_end(const std::string& team_id, bool at_end);

  MirrorStores stores_;
  marketo::Client& client_;
  Clock& clock_;
  const SyncOptions options_;
  std::mutex mu_;
  std::map<std::string, FeedIds> ids_;             // GUARDED_BY(mu_): confirmed per team
  std::map<std::string, WrittenBack> written_back_;  // GUARDED_BY(mu_): per team
  std::map<std::string, std::set<std::string>> handled_;  // GUARDED_BY(mu_): marketoGUIDs of changes mirrored
  PollSchedule schedule_;                          // GUARDED_BY(mu_)
  std::map<std::string, TimePoint> last_reread_;   // GUARDED_BY(mu_): per team
  std::set<std::string> read_to_end_;              // GUARDED_BY(mu_): teams whose last pass read to the end
  std::set<std::string> forget_after_pass_;        // GUARDED_BY(mu_): forgotten while their pass ran
  std::map<std::string, std::thread> passes_;      // GUARDED_BY(mu_): per team, while running or unjoined
  std::set<std::string> ended_;                    // GUARDED_BY(mu_): teams whose pass ended, to join
  std::condition_variable pass_ended_;
  MirrorSeed* seed_ = nullptr;
  // Touched only by the loop's thread (or run_once()).
  bool was_leading_ = false;
  TimePoint last_dispatch_{};
  bool pass_wanted_ = false;   // GUARDED_BY(mu_): a pass ended nudged; the next starts at once
  BackgroundLoop loop_;
};

}  // namespace sg::mirror
