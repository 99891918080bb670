#include "sending/idempotency.h"

namespace sg::sending {

Result<IdempotencyKey> IdempotencyKey::open(store::IdempotencyStore& store, std::string user_id,
                                            const std::optional<std::string>& key, IdempotencyScope scope,
                                            const std::function<std::string()>& digest) {
  if (!key) return IdempotencyKey(store, std::move(user_id), std::nullopt, scope.noun, "");
  if (key->empty() || key->size() > 255)
    return Error::invalid("idempotency_key", "idempotency_key must be 1 to 255 characters");
  return IdempotencyKey(store, std::move(user_id), std::string(scope.prefix) + *key, scope.noun, digest());
}

std::optional<Result<store::StoredResponse>> IdempotencyKey::earlier() const {
  auto seen = twin();
  if (!seen) return std::nullopt;
  if (seen->request_hash != digest_)
    return Error::make(errc::idempotency_key_reused,
                       "this idempotency_key was already used for a different " + std::string(noun_));
  return *seen;
}

std::optional<store::StoredResponse> IdempotencyKey::twin() const {
  if (!stored_key_) return std::nullopt;
  return store_.find(user_id_, *stored_key_);
}

void IdempotencyKey::put(const store::StoredResponse& answer, TimePoint now) const {
  if (stored_key_) store_.put(user_id_, *stored_key_, answer, now);
}

}  // namespace sg::sending
