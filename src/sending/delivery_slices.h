// Delivery slices: the outbox checks a claimed batch in slices, each just before its
// emails are handed to the workers, so that every email starts on an answer younger than
// the window while the batch costs one lookup per window, never one per email. Pure.
#pragma once

#include <cstddef>
#include <optional>

#include "core/clock.h"

namespace sg::sending {

// Whether the next email of a slice may start on the slice's answer, `age` old. The first
// email of a slice always may (its answer was just given: checking it alone would be the
// per-email check this avoids); so may an email the answer does not deliver (`delivers`
// false: it is held, or stopped for good, which an older answer decides as safely).
bool may_start_on(Millis age, Millis window, bool delivers, bool first);

// How many emails the next slice holds. The first slice is the whole batch (one lookup
// when it is delivered within the window); later ones hold as many emails as the previous
// slice started per window, doubled so that a slower slice measured than the next one
// costs no extra lookup (emails a slice could not start join the next slice).
class SliceSizer {
 public:
  // Slices hold at least `min_slice` emails (one per worker), where as many remain.
  SliceSizer(Millis window, std::size_t min_slice);

  std::size_t next(std::size_t remaining) const;
  // A slice started `started` emails in the `elapsed` time its answer was in use.
  void record(std::size_t started, Millis elapsed);

 private:
  const Millis window_;
  const std::size_t min_slice_;
  std::optional<std::size_t> per_window_;  // emails started per window, as last measured
};

}  // namespace sg::sending
