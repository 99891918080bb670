#include "marketo/us_central.h"

#include <chrono>

namespace sg::marketo {

namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::sys_days;

constexpr hours kStandard{-6};
constexpr hours kDaylight{-5};

sys_days second_sunday_of_march(std::chrono::year y) {
  return sys_days{y / std::chrono::March / std::chrono::Sunday[2]};
}

sys_days first_sunday_of_november(std::chrono::year y) {
  return sys_days{y / std::chrono::November / std::chrono::Sunday[1]};
}

// Whether daylight time is in effect at 00:00 local on `local_day`. Transitions happen at
// 02:00, so the midnight starting a transition day still has the previous offset.
bool daylight_at_midnight(sys_days local_day) {
  const auto y = std::chrono::year_month_day{local_day}.year();
  return local_day > second_sunday_of_march(y) && local_day <= first_sunday_of_november(y);
}

// 00:00 local on `local_day`, as a UTC instant.
TimePoint midnight_of(sys_days local_day) {
  const hours offset = daylight_at_midnight(local_day) ? kDaylight : kStandard;
  return TimePoint{local_day} - offset;
}

sys_days local_day_of(TimePoint t) { return std::chrono::floor<days>(t + us_central_offset(t)); }

}  // namespace

Millis us_central_offset(TimePoint t) {
  const auto y = std::chrono::year_month_day{std::chrono::floor<days>(t)}.year();
  // 02:00 CST = 08:00 UTC when daylight time starts; 02:00 CDT = 07:00 UTC when it ends.
  const TimePoint starts = second_sunday_of_march(y) + hours{8};
  const TimePoint ends = first_sunday_of_november(y) + hours{7};
  return (t >= starts && t < ends) ? kDaylight : kStandard;
}

TimePoint next_us_central_midnight(TimePoint t) { return midnight_of(local_day_of(t) + days{1}); }

TimePoint last_us_central_midnight(TimePoint t) { return midnight_of(local_day_of(t)); }

}  // namespace sg::marketo
