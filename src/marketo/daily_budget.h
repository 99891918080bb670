// DailyBudget: Sendguard's own ceiling on REST calls per key (a Marketo instance and client
// id, see limits_key) per day, so that its share of the customer's quota leaves the rest
// to their other integrations. The day's budget is the configured one, capped by what the
// instance's quota has left once the calls of the customer's other integrations (read
// from Marketo's daily usage) are taken out. Background calls (every kind but lookups)
// may spend only a share of it, so the feed and write-backs cannot starve the check: the
// rest is the live lookups' reserve, and lookups may spend all of it. The day ends at
// midnight US Central, when Marketo resets the quota. Counts calls by kind for Usage.
// The counts live in a BudgetLedger: in the database, every instance sharing it spends one
// budget and a restart carries on with the day's count. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "marketo/limits_ledger.h"
#include "marketo/types.h"

namespace sg::marketo {

// When calls may resume after a 607 at `now`. Adobe documents the reset as "12:00AM CST"
// without saying whether it follows daylight time, so the reset computed here may come up
// to an hour before Marketo's: a 607 within kResetUncertainty of the computed reset is
// asked about again after kQuotaRecheck, not after a whole day. Pure.
inline constexpr Millis kResetUncertainty{2 * 3600 * 1000};
inline constexpr Millis kQuotaRecheck{3600 * 1000};
TimePoint quota_resumes_at(TimePoint now);

class DailyBudget {
 public:
  enum class Spend {
    spent,     // counted; calls remain
    last,      // counted, and it was the day's last one
    refused,   // not counted: the day's budget is spent
    reserved,  // not counted: a background call, and only the lookups' reserve is left
  };

  // budget and quota: 0 = unlimited; background_percent of the day's budget may go to
  // calls other than lookups. Borrows the ledger, which must outlive it.
  DailyBudget(BudgetLedger& ledger, int64_t budget, int background_percent, int64_t quota);

  // Counts one call of `kind` to `instance` at `now` unless the day's budget is spent.
  [[nodiscard]] Spend try_spend(const std::string& instance, std::string_view kind, TimePoint now);
  Usage usage(const std::string& instance, TimePoint now) const;

  // True at most once an hour per instance: time to read its daily usage again.
  [[nodiscard]] bool usage_due(const std::string& instance, TimePoint now);
  // Records the instance's calls today by every API user, as Marketo counts them; what
  // this budget did not count is the other integrations'.
  void note_instance_total(const std::string& instance, int64_t total, TimePoint now);
  // True once a day per instance, when all its clients' calls first reach 80 % of the quota.
  [[nodiscard]] bool quota_warning_due(const std::string& instance, TimePoint now);
  // Instances whose calls today reached 80 % of the quota.
  int quota_warnings(TimePoint now) const;
  // Marketo said the instance's quota is spent (607): no call to it before `until`, from
  // any process sharing the ledger, and none after a restart either. Only ever extends.
  void stop_until(const std::string& instance, TimePoint until);
  // The end of such a stop still in force at `now`, if any.
  std::optional<TimePoint> stopped_until(const std::string& instance, TimePoint now) const;

 private:
  // Starts a new day when the kept one has ended; true when it did.
  static bool roll_over(BudgetDay& day, TimePoint now);
  int64_t budget_of(const BudgetDay& day) const;
  int64_t background_budget_of(const BudgetDay& day) const;
  bool near_quota(const BudgetDay& day) const;

  BudgetLedger& ledger_;
  const int64_t budget_;
  const int background_percent_;
  const int64_t quota_;
};

}  // namespace sg::marketo
