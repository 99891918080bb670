#include "sending/batch_lease.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "crypto/tokens.h"

namespace sg::sending {

BatchLease::BatchLease(store::EmailStore& emails, Clock& clock, Millis lease, Millis heartbeat)
    : emails_(emails), clock_(clock), lease_(lease), heartbeat_interval_(heartbeat), token_(crypto::random_id("cl_")),
      heartbeat_(heartbeat, [](const std::exception& e) { spdlog::error("outbox lease: {}", e.what()); }) {}

std::vector<store::EmailRecord> BatchLease::claim(int limit) {
  const TimePoint now = clock_.now();
  auto batch = emails_.claim_due(now, lease_, limit, token_);
  {
    std::lock_guard lock(mu_);
    renewed_at_ = now;
    ends_at_ = now + lease_;
  }
  if (!batch.empty()) heartbeat_.start([this] {
    renew_if_due();
    return false;
  });
  return batch;
}

void BatchLease::renew_if_due() {
  TimePoint now = clock_.now();
  {
    std::lock_guard lock(mu_);
    if (now - renewed_at_ < heartbeat_interval_) return;
    // Ran out before it was renewed (the process paused, the database was away): another
    // instance may have taken any of the emails, and renewing now would not tell which.
    if (now >= ends_at_) return;
    renewed_at_ = now;  // one renewal at a time
  }
  try {
    emails_.extend_claims(token_, now + lease_);
  } catch (const std::exception& e) {
    spdlog::warn("outbox: renewing the leases of a batch failed: {}", e.what());
    return;
  }
  std::lock_guard lock(mu_);
  ends_at_ = std::max(ends_at_, now + lease_);
}

TimePoint BatchLease::ends_at() {
  std::lock_guard lock(mu_);
  return ends_at_;
}

void BatchLease::release(const std::string& email_id) { emails_.release_claim(email_id, token_); }

}  // namespace sg::sending
