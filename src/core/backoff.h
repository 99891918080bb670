// Exponential backoff: the delay before a retry, shared by every caller that waits
// longer after each failure. Pure; callers add their own jitter or floor.
#pragma once

#include <algorithm>

#include "core/clock.h"

namespace sg {

// The delay before retry number `retry` (1 for the first): `base` doubled per earlier
// retry, capped at `max` — base, 2*base, 4*base, ..., max. Never overflows: doubling stops
// at the cap.
constexpr Millis capped_backoff(Millis base, Millis max, int retry) {
  Millis delay = base;
  for (int i = 1; i < retry && delay < max && delay > Millis{0}; ++i) delay *= 2;
  return std::min(delay, max);
}

// "Equal jitter": half of `cap` fixed, half scaled by `random` in [0, 1], so callers hitting
// the same limit spread out yet never retry at once.
constexpr Millis equal_jitter(Millis cap, double random) {
  const double c = static_cast<double>(cap.count());
  return Millis{static_cast<long long>(c / 2 + std::clamp(random, 0.0, 1.0) * c / 2)};
}

}  // namespace sg
