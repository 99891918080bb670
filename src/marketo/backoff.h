// Backoff: delays between retries, exponential with "equal jitter" (half fixed, half
// random) so that callers hitting the same limit spread out yet never retry at once.
// Thread-safe when its random source is; the default one is.
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
