#include "marketo/daily_budget.h"

#include <algorithm>
#include <cassert>
#include <chrono>

#include "marketo/call_metrics.h"
#include "marketo/us_central.h"

namespace sg::marketo {

namespace {

constexpr auto kUsageEvery = std::chrono::hours{1};
constexpr int64_t kWarnPercent = 80;

// Reading the usage keeps the budget honest and costs at most 24 calls a day: it is not
// background work the reserve must be kept from.
bool is_background(std::string_view kind) { return kind != kLookupKind && kind != kUsageKind; }

}  // namespace

DailyBudget::DailyBudget(BudgetLedger& ledger, int64_t budget, int background_percent, int64_t quota)
    : ledger_(ledger),
      budget_(std::max<int64_t>(budget, 0)),
      background_percent_(std::clamp(background_percent, 0, 100)),
      quota_(std::max<int64_t>(quota, 0)) {}

TimePoint quota_resumes_at(TimePoint now) {
  if (now - last_us_central_midnight(now) < kResetUncertainty) return now + kQuotaRecheck;
  return next_us_central_midnight(now);
}

bool DailyBudget::roll_over(BudgetDay& day, TimePoint now) {
  if (day.ends > now) return false;
  BudgetDay next;
  next.ends = next_us_central_midnight(now);
  next.usage_read = day.usage_read;
  next.quota_spent_until = day.quota_spent_until;
  day = std::move(next);
  return true;
}

int64_t DailyBudget::budget_of(const BudgetDay& day) const {
  if (quota_ == 0) return budget_;
  // Every call of another integration is one fewer left in the quota: Sendguard yields it
  // rather than compete for it, and keeps to its own budget within what is left. At least
  // one call, so 0 never reads as "unlimited".
  const int64_t left_in_quota = quota_ - day.others;
  return std::max<int64_t>(budget_ == 0 ? left_in_quota : std::min(budget_, left_in_quota), 1);
}

int64_t DailyBudget::background_budget_of(const BudgetDay& day) const {
  const int64_t budget = budget_of(day);
  // At least one background call a day, so a tiny budget still lets the feed start.
  return budget == 0 ? 0 : std::clamp<int64_t>(budget * background_percent_ / 100, 1, budget);
}

bool DailyBudget::near_quota(const BudgetDay& day) const {
  return quota_ > 0 && (day.calls + day.others) * 100 >= quota_ * kWarnPercent;
}

DailyBudget::Spend DailyBudget::try_spend(const std::string& instance, std::string_view kind, TimePoint now) {
  Spend spend = Spend::refused;
  ledger_.change(instance, [&](BudgetDay& day) {
    const bool rolled = roll_over(day, now);
    const int64_t budget = budget_of(day);
    const int64_t background_budget = background_budget_of(day);
    const bool background = is_background(kind);
    if (budget > 0 && day.calls >= budget) {
      spend = Spend::refused;
      return rolled;
    }
    if (background && background_budget > 0 && day.background_calls >= background_budget) {
      spend = Spend::reserved;
      return rolled;
    }
    ++day.calls;
    if (background) ++day.background_calls;
    ++day.calls_by_kind[std::string(kind)];
    // Invariant: a day never counts more calls than its budget allows, nor more background
    // calls than their share.
    assert(budget == 0 || (day.calls <= budget && day.background_calls <= background_budget));
    spend = day.calls == budget ? Spend::last : Spend::spent;
    return true;
  });
  return spend;
}

Usage DailyBudget::usage(const std::string& instance, TimePoint now) const {
  BudgetDay day = ledger_.read(instance);
  if (day.ends <= now) day = BudgetDay{};  // no call yet today
  Usage usage;
  usage.budget = budget_of(day);
  usage.background_budget = background_budget_of(day);
  usage.quota = quota_;
  usage.day_ends = next_us_central_midnight(now);
  usage.calls_by_kind = day.calls_by_kind;
  usage.calls = day.calls;
  usage.background_calls = day.background_calls;
  usage.other_calls = day.others;
  usage.near_quota = near_quota(day);
  return usage;
}

bool DailyBudget::usage_due(const std::string& instance, TimePoint now) {
  bool due = false;
  ledger_.change(instance, [&](BudgetDay& day) {
    due = now - day.usage_read >= kUsageEvery;
    if (due) day.usage_read = now;
    return due;
  });
  return due;
}

void DailyBudget::note_instance_total(const std::string& instance, int64_t total, TimePoint now) {
  ledger_.change(instance, [&](BudgetDay& day) {
    roll_over(day, now);
    // Calls of ours still in flight may be counted here and not yet there, or the reverse:
    // a few calls either way, never a negative count.
    day.others = std::max<int64_t>(total - day.calls, 0);
    return true;
  });
}

bool DailyBudget::quota_warning_due(const std::string& instance, TimePoint now) {
  if (quota_ == 0) return false;  // nothing to warn of, and no need to lock the day to know it
  bool due = false;
  ledger_.change(instance, [&](BudgetDay& day) {
    const bool rolled = roll_over(day, now);
    due = !day.warned && near_quota(day);
    if (due) day.warned = true;
    return rolled || due;
  });
  return due;
}

int DailyBudget::quota_warnings(TimePoint now) const {
  const std::vector<BudgetDay> days = ledger_.days();
  return static_cast<int>(
      std::count_if(days.begin(), days.end(), [&](const BudgetDay& day) { return day.ends > now && near_quota(day); }));
}

void DailyBudget::stop_until(const std::string& instance, TimePoint until) {
  ledger_.change(instance, [&](BudgetDay& day) {
    if (day.quota_spent_until >= until) return false;
    day.quota_spent_until = until;
    return true;
  });
}

std::optional<TimePoint> DailyBudget::stopped_until(const std::string& instance, TimePoint now) const {
  const TimePoint until = ledger_.read(instance).quota_spent_until;
  if (until <= now) return std::nullopt;
  return until;
}

}  // namespace sg::marketo
