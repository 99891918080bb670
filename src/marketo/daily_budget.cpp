#include "marketo/daily_budget.h"

#include <cassert>

#include "marketo/us_central.h"

namespace sg::marketo {

DailyBudget::DailyBudget(int64_t budget) : budget_(budget > 0 ? budget : 0) {}

DailyBudget::Spend DailyBudget::try_spend(const std::string& instance, std::string_view kind, TimePoint now) {
  std::lock_guard lock(mu_);
  Day& day = days_[instance];
  if (day.ends <= now) day = Day{next_us_central_midnight(now), {}, 0};
  if (budget_ > 0 && day.calls >= budget_) return Spend::refused;
  ++day.calls;
  ++day.calls_by_kind[std::string(kind)];
  // Invariant: a day never counts more calls than the budget allows.
  assert(budget_ == 0 || day.calls <= budget_);
  return day.calls == budget_ ? Spend::last : Spend::spent;
}

Usage DailyBudget::usage(const std::string& instance, TimePoint now) const {
  std::lock_guard lock(mu_);
  Usage usage;
  usage.budget = budget_;
  usage.day_ends = next_us_central_midnight(now);
  auto it = days_.find(instance);
  if (it == days_.end() || it->second.ends <= now) return usage;  // no call yet today
  usage.calls_by_kind = it->second.calls_by_kind;
  usage.calls = it->second.calls;
  return usage;
}

}  // namespace sg::marketo
