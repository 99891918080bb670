// Write-backs, the activity feed's position and the unsubscribe mirror in SQL.
#include "store/sql_repos.h"
#include "store/time_columns.h"

namespace sg::store {
namespace {
// Locks the team's connection row until the transaction ends: a move to another instance
// (which forgets what the old one taught) waits for the write, or the write sees the move.
constexpr Sql kStillConnected{"SELECT 1 FROM marketo_connections WHERE team_id = ? AND rest_endpoint = ?",
                              "SELECT 1 FROM marketo_connections WHERE team_id = ? AND rest_endpoint = ? FOR SHARE"};

bool still_connected(Conn& conn, const std::string& team_id, const std::string& rest_endpoint) {
  return conn.prepare(kStillConnected).bind_all(team_id, rest_endpoint).step();
}
}  // namespace

void SqlMarketoSync::enqueue_writeback(const std::string& team_id, const std::string& email,
                                       const std::string& reason, TimePoint now) {
  auto conn = db_.connect();
  conn.prepare("INSERT INTO marketo_writebacks (team_id, email, reason, next_attempt_at, created_at) "
               "VALUES (?, ?, ?, ?, ?)")
      .bind_all(team_id, email, reason, to_unix_millis(now), to_unix_millis(now))
      .run();
}

std::vector<WriteBack> SqlMarketoSync::due_writebacks(TimePoint now, int limit) {
  auto conn = db_.connect();
  auto s = conn.prepare("SELECT id, team_id, email, reason, attempts FROM marketo_writebacks "
                        "WHERE done_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?");
  s.bind_all(to_unix_millis(now), limit);
  std::vector<WriteBack> out;
  while (s.step()) out.push_back({s.integer(0), s.text(1), s.text(2), s.text(3), static_cast<int>(s.integer(4))});
  return out;
}

void SqlMarketoSync::finish_writeback(int64_t id, const std::string& outcome, TimePoint now) {
  auto conn = db_.connect();
  conn.prepare("UPDATE marketo_writebacks SET done_at = ?, outcome = ? WHERE id = ?")
      .bind_all(to_unix_millis(now), outcome, id)
      .run();
}

void SqlMarketoSync::retry_writeback(int64_t id, int attempts, TimePoint next_attempt_at, const std::string& error) {
  auto conn = db_.connect();
  conn.prepare("UPDATE marketo_writebacks SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?")
      .bind_all(attempts, to_unix_millis(next_attempt_at), error, id)
      .run();
}

SyncState SqlMarketoSync::sync_state(const std::string& team_id) {
  auto conn = db_.connect();
  auto s = conn.prepare("SELECT paging_token, last_success_at, last_error, last_error_at, confirmed_at, restarted_at, "
                        "restart_reason, following_since, warning FROM marketo_sync WHERE team_id = ?");
  s.bind(team_id);
  if (!s.step()) return {};
  return {s.opt_text(0),
          opt_time(s.opt_integer(1)),
          s.opt_text(2).value_or(""),
          opt_time(s.opt_integer(3)),
          opt_time(s.opt_integer(4)),
          opt_time(s.opt_integer(5)),
          s.opt_text(6).value_or(""),
          opt_time(s.opt_integer(7)),
          s.opt_text(8).value_or("")};
}

void SqlMarketoSync::put_sync_state(const std::string& team_id, const std::string& learned_from,
                                   const SyncState& v) {
  auto text_or_null = [](const std::string& t) { return t.empty() ? std::nullopt : std::optional(t); };
  db_.transaction([&] {
    auto conn = db_.connect();
    if (!still_connected(conn, team_id, learned_from)) return;
    conn.prepare("INSERT INTO marketo_sync (team_id, paging_token, last_success_at, last_error, last_error_at, "
                 "confirmed_at, restarted_at, restart_reason, following_since, warning) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                 "ON CONFLICT(team_id) DO UPDATE SET paging_token = excluded.paging_token, "
                 "last_success_at = excluded.last_success_at, last_error = excluded.last_error, "
                 "last_error_at = excluded.last_error_at, confirmed_at = excluded.confirmed_at, "
                 "restarted_at = excluded.restarted_at, restart_reason = excluded.restart_reason, "
                 "following_since = excluded.following_since, warning = excluded.warning")
        .bind_all(team_id, v.paging_token, opt_ms(v.last_success_at), text_or_null(v.last_error),
                  opt_ms(v.last_error_at), opt_ms(v.confirmed_at), opt_ms(v.restarted_at),
                  text_or_null(v.restart_reason), opt_ms(v.following_since), text_or_null(v.warning))
        .run();
    changes_.changed(db_, team_id);
  });
}

std::vector<std::string> SqlMarketoSync::teams_to_sync() {
  auto conn = db_.connect();
  auto s = conn.prepare("SELECT c.team_id FROM marketo_connections c JOIN team_settings t ON t.team_id = c.team_id "
                        "WHERE t.marketo_check_enabled = 1");
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

void SqlMarketoSync::mirror(const std::string& team_id, const std::string& learned_from, const MirrorNews& news,
                            TimePoint seen_at) {
  if (news.empty()) return;  // nothing to write: no write lock
  db_.transaction([&] {
    auto conn = db_.connect();
    if (!still_connected(conn, team_id, learned_from)) return;
    // An answer asked before the stored one was learned is older news and is dropped; at
    // the same millisecond an unsubscribe wins (fail closed).
    auto s = conn.prepare(
        "INSERT INTO marketo_mirror (team_id, email_key, unsubscribed, seen_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(team_id, email_key) DO UPDATE SET unsubscribed = excluded.unsubscribed, "
        "seen_at = excluded.seen_at WHERE marketo_mirror.seen_at < excluded.seen_at OR "
        "(marketo_mirror.seen_at = excluded.seen_at AND excluded.unsubscribed = 1)");
    std::vector<std::string> keys;
    for (const auto& [key, unsubscribed] : news) {
      s.bind_all(team_id, key, unsubscribed, to_unix_millis(seen_at)).run();
      s.reset();
      keys.push_back(key);
    }
    changes_.changed(db_, team_id, std::move(keys));
  });
}

std::unordered_map<std::string, MirrorEntry> SqlMarketoSync::mirrored(const std::string& team_id,
                                                                        const std::vector<std::string>& email_keys) {
  auto conn = db_.connect();
  auto s = conn.prepare("SELECT unsubscribed, seen_at FROM marketo_mirror WHERE team_id = ? AND email_key = ?");
  std::unordered_map<std::string, MirrorEntry> out;
  for (const auto& key : email_keys) {
    s.bind_all(team_id, key);
    if (s.step()) out[key] = MirrorEntry{s.integer(0) != 0, from_unix_millis(s.integer(1))};
    s.reset();
  }
  return out;
}

void SqlMarketoSync::forget_instance(const std::string& team_id) {
  auto conn = db_.connect();
  for (const char* table : {"marketo_mirror", "marketo_sync", "marketo_seed"})
    conn.prepare(std::string("DELETE FROM ") + table + " WHERE team_id = ?").bind_all(team_id).run();
  changes_.changed(db_, team_id);
}

void SqlMarketoSync::request_sync(const std::string& team_id, bool forget) {
  auto conn = db_.connect();
  conn.prepare("INSERT INTO sync_requests (team_id, forget) VALUES (?1, ?2) ON CONFLICT (team_id) DO UPDATE "
               "SET forget = CASE WHEN ?2 = 1 THEN 1 ELSE sync_requests.forget END")
      .bind_all(team_id, forget ? 1 : 0)
      .run();
}

bool SqlMarketoSync::sync_requested() {
  auto conn = db_.connect();
  return conn.prepare("SELECT 1 FROM sync_requests LIMIT 1").step();
}

std::vector<SyncRequest> SqlMarketoSync::take_sync_requests() {
  // One statement: a request made meanwhile is either taken now or kept for the next call.
  auto conn = db_.connect();
  auto s = conn.prepare("DELETE FROM sync_requests RETURNING team_id, forget");
  std::vector<SyncRequest> out;
  while (s.step()) out.push_back({s.text(0), s.integer(1) != 0});
  return out;
}

}  // namespace sg::store
