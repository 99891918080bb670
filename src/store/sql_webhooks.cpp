// Teams' Marketo webhooks in SQL.
#include "store/sql_repos.h"
#include "store/time_columns.h"

namespace sg::store {

void SqlWebhooks::put(const MarketoWebhook& h) {
  auto conn = db_.connect();
  conn.prepare("INSERT INTO marketo_webhooks (team_id, hook_id, secret_hash, created_at, last_call_at) "
               "VALUES (?, ?, ?, ?, ?) ON CONFLICT(team_id) DO UPDATE SET hook_id = excluded.hook_id, "
               "secret_hash = excluded.secret_hash, created_at = excluded.created_at, "
               "last_call_at = excluded.last_call_at")
      .bind_all(h.team_id, h.hook_id, h.secret_hash, to_unix_millis(h.created_at), opt_ms(h.last_call_at))
      .run();
}

std::optional<MarketoWebhook> SqlWebhooks::one(const char* where, const std::string& value) {
  auto conn = db_.connect();
  auto s = conn.prepare(std::string("SELECT team_id, hook_id, secret_hash, created_at, last_call_at "
                                    "FROM marketo_webhooks WHERE ") + where + " = ?");
  s.bind(value);
  if (!s.step()) return std::nullopt;
  return MarketoWebhook{s.text(0), s.text(1), s.text(2), from_unix_millis(s.integer(3)), opt_time(s.opt_integer(4))};
}

std::optional<MarketoWebhook> SqlWebhooks::of_team(const std::string& team_id) { return one("team_id", team_id); }

std::optional<MarketoWebhook> SqlWebhooks::find(const std::string& hook_id) { return one("hook_id", hook_id); }

bool SqlWebhooks::remove(const std::string& team_id) {
  auto conn = db_.connect();
  auto s = conn.prepare("DELETE FROM marketo_webhooks WHERE team_id = ?");
  s.bind(team_id).run();
  return s.changes() > 0;
}

void SqlWebhooks::called(const std::string& hook_id, TimePoint now) {
  auto conn = db_.connect();
  conn.prepare("UPDATE marketo_webhooks SET last_call_at = ? WHERE hook_id = ?")
      .bind_all(to_unix_millis(now), hook_id)
      .run();
}

}  // namespace sg::store
