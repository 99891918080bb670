// The audit log in SQLite: who changed what, when.
#include "store/sqlite_repos.h"

namespace sg::store {

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

}  // namespace sg::store
