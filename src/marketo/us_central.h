// US Central time (America/Chicago), enough of it to know when Marketo's daily quota
// resets: CST is UTC-6; CDT (UTC-5) runs from the second Sunday of March, 02:00 local,
// to the first Sunday of November, 02:00 local (US rules since 2007). Pure.
#pragma once

#include "core/clock.h"

namespace sg::marketo {

// UTC offset in effect at `t`: -6 h or -5 h.
Millis us_central_offset(TimePoint t);

// The first midnight in US Central strictly after `t`, as a UTC instant.
TimePoint next_us_central_midnight(TimePoint t);
// The last midnight in US Central at or before `t`, as a UTC instant.
TimePoint last_us_central_midnight(TimePoint t);

}  // namespace sg::marketo
