// DailyBudget: Sendguard's own ceiling on REST calls per key (a Marketo instance and client
// id, see limits_key) per day, so that its share of the customer's quota leaves the rest
// to their other integrations. The day ends at midnight US Central, when Marketo resets
// the quota. Counts calls by kind for Usage. Thread-safe; in memory, so a restart begins
// the day's count afresh.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "marketo/types.h"

namespace sg::marketo {

class DailyBudget {
 public:
  enum class Spend {
    spent,    // counted; calls remain
    last,     // counted, and it was the day's last one
    refused,  // not counted: the day's budget is spent
  };

  explicit DailyBudget(int64_t budget);  // 0 = unlimited

  // Counts one call of `kind` to `instance` at `now` unless the day's budget is spent.
  [[nodiscard]] Spend try_spend(const std::string& instance, std::string_view kind, TimePoint now);
  Usage usage(const std::string& instance, TimePoint now) const;

 private:
  struct Day {
    TimePoint ends{};
    std::map<std::string, int64_t> calls_by_kind;
    int64_t calls = 0;
  };

  const int64_t budget_;
  mutable std::mutex mu_;
  std::map<std::string, Day> days_;  // GUARDED_BY(mu_); each instance's current day
};

}  // namespace sg::marketo
