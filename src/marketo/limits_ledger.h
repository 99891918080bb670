// Where the counts behind Marketo's limits are kept. The limits belong to the Marketo
// instance, not to one process: several Sendguard instances on one database must spend one
// daily budget and one rate window. The decisions stay in DailyBudget and CallWindow; a
// ledger only keeps their state and changes it atomically per limits key (limits_key),
// so that two instances cannot both act on the same read.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"

namespace sg::marketo {

// One key's day of calls, as Sendguard counted them.
struct BudgetDay {
  TimePoint ends{};  // the US Central midnight ending it; a past one: no call yet today
  std::map<std::string, int64_t> calls_by_kind;
  int64_t calls = 0;
  int64_t background_calls = 0;
  int64_t others = 0;      // other integrations' calls, as last read
  bool warned = false;     // the 80 % warning was given
  TimePoint usage_read{};  // when the instance's daily usage was last asked; outlives the day
  // Marketo said the instance's quota is spent (607): no call before this. Outlives the day,
  // since the end it was given may fall after the computed midnight (quota_resumes_at).
  TimePoint quota_spent_until{};
};

class BudgetLedger {
 public:
  virtual ~BudgetLedger() = default;
  // Runs `change` on the key's day (a default BudgetDay when none is kept) and keeps what
  // it leaves when it returns true; no other change of the key comes between.
  virtual void change(const std::string& key, const std::function<bool(BudgetDay&)>& change) = 0;
  virtual BudgetDay read(const std::string& key) = 0;
  virtual std::vector<BudgetDay> days() = 0;  // every key's
};

// What every instance sharing a WindowLedger knows of one key's calls.
struct WindowState {
  std::vector<TimePoint> starts;  // within the last window, oldest first
  int in_flight = 0;              // permits neither released nor expired
  TimePoint paused_until{};
  TimePoint held_until{};
};

class WindowLedger {
 public:
  virtual ~WindowLedger() = default;
  // Under a lock on the key that no other instance passes meanwhile: forgets starts older
  // than `window` and permits expired at `now`, asks `may_start` about the rest and, when
  // it agrees, records a start at `now` and a permit lasting until `expires`, whose id it
  // returns. A permit expires so that the slots of an instance that died come back.
  virtual std::optional<int64_t> start_if(const std::string& key, TimePoint now, Millis window, TimePoint expires,
                                          const std::function<bool(const WindowState&)>& may_start) = 0;
  virtual void release(int64_t permit) = 0;
  // No start before `until`; `hold` makes it a hold (606) too. Only ever extends.
  virtual void pause_until(const std::string& key, TimePoint until, bool hold) = 0;
};

// Where a Client keeps its counts. Without a budget ledger it keeps the day in its own
// memory; without a window ledger its rate window is its process's alone (the fast path
// when one process owns the database).
struct Ledgers {
  BudgetLedger* budget = nullptr;
  WindowLedger* windows = nullptr;
};

}  // namespace sg::marketo
