// The audit log in SQL: who changed what, when.
#include "store/sql_repos.h"

namespace sg::store {

void SqlAudit::append(const AuditEntry& e) {
  auto conn = db_.connect();
  conn.prepare("INSERT INTO audit_log (team_id, actor_user_id, actor_email, action, before_json, "
               "after_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .bind_all(e.team_id, e.actor_user_id, e.actor_email, e.action, e.before_json, e.after_json,
                to_unix_millis(e.at))
      .run();
}

std::vector<AuditEntry> SqlAudit::recent(const std::string& team_id, int limit) {
  auto conn = db_.connect();
  auto s = conn.prepare("SELECT team_id, actor_user_id, actor_email, action, before_json, after_json, "
                        "created_at FROM audit_log WHERE team_id = ? ORDER BY id DESC LIMIT ?");
  s.bind_all(team_id, limit);
  std::vector<AuditEntry> out;
  while (s.step())
    out.push_back({s.text(0), s.opt_text(1), s.opt_text(2), s.text(3), s.opt_text(4),
                   s.opt_text(5), from_unix_millis(s.integer(6))});
  return out;
}

}  // namespace sg::store
