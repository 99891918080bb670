// LoginThrottle: slows down password guessing. Failed sign-ins are counted per account
// and per client address; once 5 failures follow each other less than 15 minutes apart,
// each further attempt for that key must wait, 30 s doubling up to 15 min. A success clears the account's count.
// Thread-safe; pure apart from the clock it is given.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include "core/clock.h"

namespace sg::settings {

class LoginThrottle {
 public:
  static constexpr int kFreeFailures = 4;

  // How long the caller must still wait before trying `key` again (zero: go ahead).
  Millis wait_for(const std::string& key, TimePoint now) const;
  void failed(const std::string& key, TimePoint now);
  void succeeded(const std::string& key);

 private:
  struct Record {
    int failures = 0;
    TimePoint window_start;  // the latest failure
    TimePoint locked_until;
  };
  mutable std::mutex mu_;
  std::unordered_map<std::string, Record> records_;  // GUARDED_BY(mu_)
};

}  // namespace sg::settings
