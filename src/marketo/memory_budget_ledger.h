// The daily budget's ledger in this process's memory: a process alone with its counts,
// which a restart begins afresh (tests, and a Client given no store). Thread-safe.
#pragma once

#include <map>
#include <mutex>

#include "marketo/limits_ledger.h"

namespace sg::marketo {

class MemoryBudgetLedger final : public BudgetLedger {
 public:
  void change(const std::string& key, const std::function<bool(BudgetDay&)>& change) override;
  BudgetDay read(const std::string& key) override;
  std::vector<BudgetDay> days() override;

 private:
  std::mutex mu_;
  std::map<std::string, BudgetDay> days_;  // GUARDED_BY(mu_)
};

}  // namespace sg::marketo
