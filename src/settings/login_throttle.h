// LoginThrottle: slows down password guessing. Failed sign-ins are counted per key (an
// account and client address pair, a client address, an account); once 5 failures follow
// each other less than 15 minutes apart, each further attempt for that key must wait, 30 s
// doubling up to 15 min. A success clears a key's count.
// Thread-safe; pure apart from the clock it is given.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace sg::settings {

class LoginThrottle {
 public:
  static constexpr int kFreeFailures = 4;

  // How long the caller must still wait before trying `key` again (zero: go ahead).
  Millis wait_for(const std::string& key, TimePoint now) const;
  // Atomically: the longest wait among `keys`, or, when none must wait, counts the attempt
  // as a failure of each (until `succeeded`), so parallel guesses cannot all pass the check
  // before any of them fails.
  Millis reserve(const std::vector<std::string>& keys, TimePoint now);
  void failed(const std::string& key, TimePoint now);
  // A reserved attempt that succeeded: it no longer counts against `key`.
  void refund(const std::string& key);
  // Clears the key's count.
  void succeeded(const std::string& key);
  // Failures counted for `key` in its current window.
  int recent_failures(const std::string& key, TimePoint now) const;

 private:
  struct Record {
    int failures = 0;
    TimePoint window_start;  // the latest failure
    TimePoint locked_until;
  };
  Millis wait_locked(const std::string& key, TimePoint now) const;
  void fail_locked(const std::string& key, TimePoint now);

  mutable std::mutex mu_;
  std::unordered_map<std::string, Record> records_;  // GUARDED_BY(mu_)
};

// rate_limited, saying `why` and when to try again (retry_after_seconds, rounded up).
Error too_many_attempts(Millis wait, const std::string& why);

}  // namespace sg::settings
