#include "marketo/crowded_addresses.h"

namespace sg::marketo {

void CrowdedAddresses::add(const std::string& instance, const std::vector<std::string>& keys, TimePoint now) {
  std::lock_guard lock(mu_);
  std::erase_if(until_, [&](const auto& entry) { return entry.second <= now; });
  for (const std::string& key : keys) until_[{instance, key}] = now + remember_for_;
}

std::vector<std::string> CrowdedAddresses::among(const std::string& instance, const std::vector<std::string>& keys,
                                                 TimePoint now) const {
  std::vector<std::string> out;
  std::lock_guard lock(mu_);
  for (const std::string& key : keys) {
    auto it = until_.find({instance, key});
    if (it != until_.end() && it->second > now) out.push_back(key);
  }
  return out;
}

}  // namespace sg::marketo
