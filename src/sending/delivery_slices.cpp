#include "sending/delivery_slices.h"

#include <algorithm>

namespace sg::sending {

bool may_start_on(Millis age, Millis window, bool delivers, bool first) {
  return first || !delivers || age <= window;
}

SliceSizer::SliceSizer(Millis window, std::size_t min_slice)
    : window_(std::max(window, Millis{1})), min_slice_(std::max<std::size_t>(min_slice, 1)) {}

std::size_t SliceSizer::next(std::size_t remaining) const {
  if (!per_window_) return remaining;
  return std::min(remaining, std::max(min_slice_, 2 * *per_window_));
}

void SliceSizer::record(std::size_t started, Millis elapsed) {
  // A slice that started everything within a window tells how fast at least: so fast that
  // the next slice may hold the rest.
  if (elapsed <= window_) {
    per_window_.reset();
    return;
  }
  per_window_ = static_cast<std::size_t>(static_cast<double>(started) * window_.count() / elapsed.count());
}

}  // namespace sg::sending
