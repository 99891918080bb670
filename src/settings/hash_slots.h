// HashSlots: bounds how many password hashes run at once. Each argon2id hash holds 64 MB,
// so a burst of sign-ins must queue rather than exhaust memory; a caller waits at most
// `max_wait` for a slot and is then turned away. Thread-safe.
#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>
#include <utility>

#include "core/clock.h"

namespace sg::settings {

class HashSlots {
 public:
  // Holds one slot until destroyed.
  class Lease {
   public:
    explicit Lease(HashSlots& owner) : owner_(&owner) {}
    Lease(Lease&& other) noexcept : owner_(std::exchange(other.owner_, nullptr)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

   private:
    HashSlots* owner_;
  };

  HashSlots(int slots, Millis max_wait) : free_(slots), max_wait_(max_wait) {}
  // A slot, or nothing when none came free within max_wait.
  std::optional<Lease> acquire();

 private:
  std::mutex mu_;
  std::condition_variable freed_;
  int free_;  // GUARDED_BY(mu_)
  const Millis max_wait_;
};

}  // namespace sg::settings
