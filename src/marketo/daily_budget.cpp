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

DailyBudget::DailyBudget(int64_t budget, int background_percent, int64_t quota)
    : budget_(std::max<int64_t>(budget, 0)),
      background_percent_(std::clamp(background_percent, 0, 100)),
      quota_(std::max<int64_t>(quota, 0)) {}

DailyBudget::Day& DailyBudget::today(const std::string& instance, TimePoint now) {
  Day& day = days_[instance];
  if (day.ends <= now) day = Day{next_us_central_midnight(now), {}, 0, 0, 0, false};
  return day;
}

int64_t DailyBudget::budget_of(const Day& day) const {
  if (quota_ == 0) return budget_;
  // Every call of another integration is one fewer left in the quota: Sendguard yields it
  // rather than compete for it, and keeps to its own budget within what is left. At least
  // one call, so 0 never reads as "unlimited".
  const int64_t left_in_quota = quota_ - day.others;
  return std::max<int64_t>(budget_ == 0 ? left_in_quota : std::min(budget_, left_in_quota), 1);
}

int64_t DailyBudget::background_budget_of(const Day& day) const {
  const int64_t budget = budget_of(day);
  // At least one background call a day, so a tiny budget still lets the feed start.
  return budget == 0 ? 0 : std::clamp<int64_t>(budget * background_percent_ / 100, 1, budget);
}

bool DailyBudget::near_quota(const Day& day) const {
  return quota_ > 0 && (day.calls + day.others) * 100 >= quota_ * kWarnPercent;
}

DailyBudget::Spend DailyBudget::try_spend(const std::string& instance, std::string_view kind, TimePoint now) {
  std::lock_guard lock(mu_);
  Day& day = today(instance, now);
  const int64_t budget = budget_of(day);
  const int64_t background_budget = background_budget_of(day);
  if (budget > 0 && day.calls >= budget) return Spend::refused;
  const bool background = is_background(kind);
  if (background && background_budget > 0 && day.background_calls >= background_budget) return Spend::reserved;
  ++day.calls;
  if (background) ++day.background_calls;
  ++day.calls_by_kind[std::string(kind)];
  // Invariant: a day never counts more calls than its budget allows, nor more background
  // calls than their share.
  assert(budget == 0 || (day.calls <= budget && day.background_calls <= background_budget));
  return day.calls == budget ? Spend::last : Spend::spent;
}

Usage DailyBudget::usage(const std::string& instance, TimePoint now) const {
  std::lock_guard lock(mu_);
  auto it = days_.find(instance);
  const Day day = it == days_.end() || it->second.ends <= now ? Day{} : it->second;  // no call yet today
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
  std::lock_guard lock(mu_);
  auto [it, first] = usage_read_.try_emplace(instance, now);
  if (!first && now - it->second < kUsageEvery) return false;
  it->second = now;
  return true;
}

void DailyBudget::note_instance_total(const std::string& instance, int64_t total, TimePoint now) {
  std::lock_guard lock(mu_);
  Day& day = today(instance, now);
  // Calls of ours still in flight may be counted here and not yet there, or the reverse:
  // a few calls either way, never a negative count.
  day.others = std::max<int64_t>(total - day.calls, 0);
}

bool DailyBudget::quota_warning_due(const std::string& instance, TimePoint now) {
  std::lock_guard lock(mu_);
  Day& day = today(instance, now);
  if (day.warned || !near_quota(day)) return false;
  day.warned = true;
  return true;
}

int DailyBudget::quota_warnings(TimePoint now) const {
  std::lock_guard lock(mu_);
  return static_cast<int>(std::count_if(days_.begin(), days_.end(), [&](const auto& entry) {
    return entry.second.ends > now && near_quota(entry.second);
  }));
}

}  // namespace sg::marketo
