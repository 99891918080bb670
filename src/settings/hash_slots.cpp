#include "settings/hash_slots.h"

namespace sg::settings {

std::optional<HashSlots::Lease> HashSlots::acquire() {
  std::unique_lock lock(mu_);
  if (!freed_.wait_for(lock, max_wait_, [this] { return free_ > 0; })) return std::nullopt;
  --free_;
  return std::optional<Lease>(std::in_place, *this);
}

HashSlots::Lease::~Lease() {
  if (!owner_) return;
  {
    std::lock_guard lock(owner_->mu_);
    ++owner_->free_;
  }
  owner_->freed_.notify_one();
}

}  // namespace sg::settings
