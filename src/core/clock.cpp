#include "core/clock.h"

#include <ctime>
#include <thread>

namespace sg {

TimePoint SystemClock::now() const { return std::chrono::system_clock::now(); }

void SystemClock::sleep_for(Millis duration) { std::this_thread::sleep_for(duration); }

std::string format_rfc3339(TimePoint t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int64_t to_unix_millis(TimePoint t) {
  return std::chrono::duration_cast<Millis>(t.time_since_epoch()).count();
}

TimePoint from_unix_millis(int64_t ms) { return TimePoint(Millis(ms)); }

}  // namespace sg
