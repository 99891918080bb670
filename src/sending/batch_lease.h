// BatchLease: the lease of one claimed batch of emails, kept alive while its worker lives.
// Leases are short, so that another instance takes over a dead one's emails soon; a
// heartbeat renews every `heartbeat` the leases the batch still holds (claimed under its
// token, not finished or given back), and the worker renews too as it starts each email.
// A delivery may thus outlast the lease; a worker that dies stops renewing, and the
// emails it held are due again one lease later. Thread-safe.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "core/background_loop.h"
#include "core/clock.h"
#include "store/stores.h"

namespace sg::sending {

class BatchLease {
 public:
  // `heartbeat` well inside `lease`, so that a renewal or two may fail without losing it.
  BatchLease(store::EmailStore& emails, Clock& clock, Millis lease, Millis heartbeat);
  ~BatchLease() { heartbeat_.stop(); }
  BatchLease(const BatchLease&) = delete;
  BatchLease& operator=(const BatchLease&) = delete;

  // Claims up to `limit` due emails (see EmailStore::claim_due) under a new token and
  // starts the heartbeat; once per batch.
  std::vector<store::EmailRecord> claim(int limit);
  // Renews the leases when `heartbeat` has passed since the last renewal, unless they ran
  // out already; a renewal that fails (the database is away) leaves them to run out.
  void renew_if_due();
  // When the leases last renewed run out: an email is not started close to it.
  TimePoint ends_at();
  // Gives an email of the batch back to the queue.
  void release(const std::string& email_id);
  // The claim the batch's emails are held under (EmailStore::update_delivery).
  const std::string& token() const { return token_; }

 private:
  store::EmailStore& emails_;
  Clock& clock_;
  const Millis lease_;
  const Millis heartbeat_interval_;
  const std::string token_;
  std::mutex mu_;
  TimePoint renewed_at_{};  // GUARDED_BY(mu_)
  TimePoint ends_at_{};     // GUARDED_BY(mu_)
  BackgroundLoop heartbeat_;  // last: stopped before the members its rounds use
};

}  // namespace sg::sending
