// Idempotency keys, the audit log and the local suppression list in SQLite.
#include "store/sqlite_repos.h"

namespace sg::store {

std::optional<StoredResponse> SqliteIdempotency::find(const std::string& user_id,
                                                      const std::string& key) {
  auto lock = db_.lock();
  auto s = db_.prepare(
      "SELECT request_hash, status_code, response_json FROM idempotency_keys WHERE user_id = ? AND key = ?");
  s.bind_all(user_id, key);
  if (!s.step()) return std::nullopt;
  return StoredResponse{s.text(0), static_cast<int>(s.integer(1)), s.text(2)};
}

void SqliteIdempotency::put(const std::string& user_id, const std::string& key,
                            const StoredResponse& r, TimePoint now) {
  auto lock = db_.lock();
  db_.prepare("INSERT INTO idempotency_keys (user_id, key, request_hash, status_code, response_json, "
              "created_at) VALUES (?, ?, ?, ?, ?, ?)")
      .bind_all(user_id, key, r.request_hash, r.status_code, r.body_json, to_unix_millis(now))
      .run();
}

void SqliteAudit::append(const AuditEntry& e) {
  auto lock = db_.lock();
  db_.prepare("INSERT INTO audit_log (team_id, actor_user_id, actor_email, action, before_json, "
              "after_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .bind_all(e.team_id, e.actor_user_id, e.actor_email, e.action, e.before_json, e.after_json,
                to_unix_millis(e.at))
      .run();
}

std::vector<AuditEntry> SqliteAudit::recent(const std::string& team_id, int limit) {
  auto lock = db_.lock();
  auto s = db_.prepare("SELECT team_id, actor_user_id, actor_email, action, before_json, after_json, "
                       "created_at FROM audit_log WHERE team_id = ? ORDER BY id DESC LIMIT ?");
  s.bind_all(team_id, limit);
  std::vector<AuditEntry> out;
  while (s.step())
    out.push_back({s.text(0), s.opt_text(1), s.opt_text(2), s.text(3), s.opt_text(4),
                   s.opt_text(5), from_unix_millis(s.integer(6))});
  return out;
}

std::vector<std::string> SqliteSuppressions::suppressed_among(
    const std::string& team_id, const std::vector<std::string>& email_keys) {
  auto lock = db_.lock();
  auto s = db_.prepare("SELECT 1 FROM suppressions WHERE team_id = ? AND email_key = ?");
  std::vector<std::string> out;
  for (const auto& key : email_keys) {
    s.bind_all(team_id, key);
    if (s.step()) out.push_back(key);
    s.reset();
  }
  return out;
}

bool SqliteSuppressions::add(const std::string& team_id, const std::string& email,
                             const std::string& source, const std::string& reason,
                             const std::optional<std::string>& created_by, TimePoint now) {
  auto lock = db_.lock();
  auto s = db_.prepare("INSERT INTO suppressions (team_id, email_key, email, source, reason, created_by, "
                       "created_at) VALUES (?, lower(?), ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
  s.bind_all(team_id, email, email, source, reason, created_by, to_unix_millis(now)).run();
  return s.changes() > 0;
}

namespace {
constexpr const char* kSuppressionColumns = "email, email_key, source, COALESCE(reason, ''), created_by, created_at";

Suppression read_suppression(Stmt& s) {
  return {s.text(0), s.text(1), s.text(2), s.text(3), s.opt_text(4), from_unix_millis(s.integer(5))};
}
}  // namespace

std::optional<Suppression> SqliteSuppressions::find(const std::string& team_id, const std::string& email_key) {
  auto lock = db_.lock();
  auto s = db_.prepare(std::string("SELECT ") + kSuppressionColumns +
                       " FROM suppressions WHERE team_id = ? AND email_key = ?");
  s.bind_all(team_id, email_key);
  if (!s.step()) return std::nullopt;
  return read_suppression(s);
}

bool SqliteSuppressions::remove(const std::string& team_id, const std::string& email_key) {
  auto lock = db_.lock();
  auto s = db_.prepare("DELETE FROM suppressions WHERE team_id = ? AND email_key = ?");
  s.bind_all(team_id, email_key).run();
  return s.changes() > 0;
}

std::vector<Suppression> SqliteSuppressions::list(const std::string& team_id, const std::string& search,
                                                  const std::string& after_key, int limit) {
  auto lock = db_.lock();
  // instr() rather than LIKE: a search for "a_b" must not treat "_" as a wildcard.
  auto s = db_.prepare(std::string("SELECT ") + kSuppressionColumns +
                       " FROM suppressions WHERE team_id = ? AND email_key > ? AND (? = '' OR instr(email_key, ?) > 0)"
                       " ORDER BY email_key LIMIT ?");
  std::string needle = search;
  for (char& c : needle) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  s.bind_all(team_id, after_key, needle, needle, limit);
  std::vector<Suppression> out;
  while (s.step()) out.push_back(read_suppression(s));
  return out;
}

}  // namespace sg::store
