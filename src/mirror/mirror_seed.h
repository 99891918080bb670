// MirrorSeed: fills a team's mirror once with every address Marketo holds as unsubscribed,
// so that together with the activity feed the mirror knows them all. Bulk Lead Extract
// has no filter on `unsubscribed` and its smart-list filter is not on every subscription,
// so the seed exports the leads created in 31-day windows (Marketo's longest), walking back
// from the connection until a year of windows holds no lead, and keeps the unsubscribed
// rows. Each step() does what is due and returns at once: it never waits for a job, so the
// team's feed is never held up; its progress is in the store, so a restart resumes the
// job it was waiting on rather than starting again, and a failure is retried with backoff.
// A connection to another instance seeds again. Thread-safe for different teams;
// collaborators must outlive it.
#pragma once

#include <cstddef>
#include <string>

#include "core/clock.h"
#include "marketo/marketo_client.h"
#include "mirror/mirror_stores.h"
#include "store/stores.h"

namespace sg::mirror {

struct SeedOptions {
  Millis poll_interval{60000};  // between status reads: Marketo updates a job's status once a minute
  int max_polls = 360;          // a job not completed after this many reads is given up and redone
  int max_empty_windows = 12;   // a year of windows without a lead: the instance's history has ended
  Millis retry_base{60000};     // after a failure, doubling per further failure
  Millis retry_max{6LL * 3600 * 1000};
  std::size_t rows_per_transaction = 500;  // addresses recorded per write, so sends are not held up
};

class MirrorSeed {
 public:
  MirrorSeed(MirrorStores stores, marketo::Client& client, Clock& clock, SeedOptions options);

  // Moves the team's seed on by one due step: start an export, read its status, or record
  // its file and start the next window's. A team without a connection is left alone.
  void step(const std::string& team_id);
  // Whether step() has something to do for the team at `now`: a connected team whose seed
  // of this instance is not done and does not wait (a job's next status read, a retry).
  bool due(const std::string& team_id, TimePoint now);

 private:
  // Runs the step; a failure is returned for step() to record.
  Status advance(const std::string& team_id, const marketo::Credentials& creds, store::SeedState& state);
  // Records the finished job's unsubscribed addresses; the number of leads in its file.
  Result<int64_t> record(const std::string& team_id, const marketo::Credentials& creds, store::SeedState& state);
  // On to the window before, or done after options_.max_empty_windows without a lead.
  void next_window(store::SeedState& state, int64_t rows);

  MirrorStores stores_;
  marketo::Client& client_;
  Clock& clock_;
  const SeedOptions options_;
};

}  // namespace sg::mirror
