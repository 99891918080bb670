#include "marketo/backoff.h"

#include <algorithm>
#include <random>

#include "core/backoff.h"

namespace sg::marketo {

Backoff::Backoff(Millis initial, Millis max, Random random)
    : initial_(std::max(initial, Millis{1})), max_(std::max(max, initial_)), random_(std::move(random)) {}

Millis Backoff::delay(int retry) const { return equal_jitter(capped_backoff(initial_, max_, retry), random_()); }

double Backoff::uniform_random() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

}  // namespace sg::marketo
