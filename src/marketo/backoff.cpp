#include "marketo/backoff.h"

#include <algorithm>
#include <random>

namespace sg::marketo {

Backoff::Backoff(Millis initial, Millis max, Random random)
    : initial_(std::max(initial, Millis{1})), max_(std::max(max, initial_)), random_(std::move(random)) {}

Millis Backoff::delay(int retry) const {
  const int doublings = std::clamp(retry - 1, 0, 30);  // past 2^30 the cap has long won
  const double cap = std::min(static_cast<double>(max_.count()),
                              static_cast<double>(initial_.count()) * static_cast<double>(1LL << doublings));
  const double r = std::clamp(random_(), 0.0, 1.0);
  return Millis{static_cast<long long>(cap / 2 + r * cap / 2)};
}

double Backoff::uniform_random() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

}  // namespace sg::marketo
