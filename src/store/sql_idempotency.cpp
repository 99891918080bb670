// Idempotency keys in SQL: the stored answer to a repeated request.
#include "store/sql_repos.h"

namespace sg::store {

std::optional<StoredResponse> SqlIdempotency::find(const std::string& user_id,
                                                   const std::string& key) {
  auto conn = db_.connect();
  auto s = conn.prepare(
      "SELECT request_hash, status_code, response_json FROM idempotency_keys WHERE user_id = ? AND key = ?");
  s.bind_all(user_id, key);
  if (!s.step()) return std::nullopt;
  return StoredResponse{s.text(0), static_cast<int>(s.integer(1)), s.text(2)};
}

void SqlIdempotency::put(const std::string& user_id, const std::string& key,
                         const StoredResponse& r, TimePoint now) {
  auto conn = db_.connect();
  conn.prepare("INSERT INTO idempotency_keys (user_id, key, request_hash, status_code, response_json, "
               "created_at) VALUES (?, ?, ?, ?, ?, ?)")
      .bind_all(user_id, key, r.request_hash, r.status_code, r.body_json, to_unix_millis(now))
      .run();
}

}  // namespace sg::store
