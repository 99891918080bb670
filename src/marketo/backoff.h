// Backoff: delays between Marketo retries, core/backoff.h's capped doubling with its
// equal jitter drawn from a random source. Thread-safe when its random source is; the
// default one is.
#pragma once

#include <functional>

#include "core/clock.h"

namespace sg::marketo {

class Backoff {
 public:
  using Random = std::function<double()>;  // uniform in [0, 1)

  Backoff(Millis initial, Millis max, Random random = uniform_random);

  // Delay before retry number `retry` (1 for the first): a value in [cap/2, cap] where
  // cap = min(max, initial * 2^(retry-1)).
  Millis delay(int retry) const;

  static double uniform_random();

 private:
  const Millis initial_;
  const Millis max_;
  const Random random_;
};

}  // namespace sg::marketo
