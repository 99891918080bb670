// IdempotencyKey: a caller's idempotency key for one request. The first answer to a key is
// remembered, so a retry with the same key gets the same answer and sends nothing new; the
// same key on a different request is refused. Without a key every call does nothing.
// Borrows the store, which must outlive it; not thread-safe (one per request).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "store/stores.h"

namespace sg::sending {

// Single and bulk sends each have their own key space; `noun` names the request in the
// message refusing a reused key.
struct IdempotencyScope {
  std::string_view prefix;
  std::string_view noun;
};
inline constexpr IdempotencyScope kSingleSendKeys{"email:", "email"};
inline constexpr IdempotencyScope kBulkSendKeys{"bulk:", "send"};

class IdempotencyKey {
 public:
  // Refuses a key that is not 1 to 255 characters; `digest` (of everything the request
  // asks for) is computed only when there is a key.
  static Result<IdempotencyKey> open(store::IdempotencyStore& store, std::string user_id,
                                     const std::optional<std::string>& key, IdempotencyScope scope,
                                     const std::function<std::string()>& digest);

  const std::string& digest() const { return digest_; }
  // The first look: the answer remembered for the key, idempotency_key_reused when the key
  // was used for a different request, nullopt when the key is new.
  std::optional<Result<store::StoredResponse>> earlier() const;
  // Inside the transaction that records the request, since a concurrent twin may have won
  // the race after the first look: its answer, else nullopt.
  std::optional<store::StoredResponse> twin() const;
  // Inside that same transaction: remembers the answer to the key.
  void put(const store::StoredResponse& answer, TimePoint now) const;

 private:
  IdempotencyKey(store::IdempotencyStore& store, std::string user_id, std::optional<std::string> stored_key,
                 std::string_view noun, std::string digest)
      : store_(store), user_id_(std::move(user_id)), stored_key_(std::move(stored_key)), noun_(noun),
        digest_(std::move(digest)) {}

  store::IdempotencyStore& store_;
  std::string user_id_;
  std::optional<std::string> stored_key_;  // the scope's prefix and the caller's key; none without a key
  std::string_view noun_;
  std::string digest_;
};

}  // namespace sg::sending
