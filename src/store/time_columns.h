// Optional times stored as nullable Unix-millisecond columns.
#pragma once

#include <cstdint>
#include <optional>

#include "core/clock.h"

namespace sg::store {

inline std::optional<int64_t> opt_ms(const std::optional<TimePoint>& t) {
  if (!t) return std::nullopt;
  return to_unix_millis(*t);
}

inline std::optional<TimePoint> opt_time(const std::optional<int64_t>& ms) {
  if (!ms) return std::nullopt;
  return from_unix_millis(*ms);
}

}  // namespace sg::store
