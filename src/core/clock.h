// Clock: the one seam through which the program reads time and waits.
// SystemClock is thread-safe; tests inject a fake that advances on sleep.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace sg {

using TimePoint = std::chrono::system_clock::time_point;
using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  virtual void sleep_for(Millis duration) = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override;
  void sleep_for(Millis duration) override;
};

// RFC 3339 UTC with second precision, e.g. "2026-11-26T08:00:00Z".
std::string format_rfc3339(TimePoint t);
// Milliseconds since the Unix epoch, the form times are stored in.
int64_t to_unix_millis(TimePoint t);
TimePoint from_unix_millis(int64_t ms);

}  // namespace sg
