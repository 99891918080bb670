#include "marketo/memory_budget_ledger.h"

namespace sg::marketo {

void MemoryBudgetLedger::change(const std::string& key, const std::function<bool(BudgetDay&)>& change) {
  std::lock_guard lock(mu_);
  BudgetDay day = days_[key];
  if (change(day)) days_[key] = std::move(day);
}

BudgetDay MemoryBudgetLedger::read(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = days_.find(key);
  return it == days_.end() ? BudgetDay{} : it->second;
}

std::vector<BudgetDay> MemoryBudgetLedger::days() {
  std::lock_guard lock(mu_);
  std::vector<BudgetDay> all;
  for (const auto& [key, day] : days_) all.push_back(day);
  return all;
}

}  // namespace sg::marketo
