// Team settings and the Marketo connection in SQL; the client secret is sealed.
#include "store/sql_repos.h"

namespace sg::store {

UnsubscribeSettings SqlSettings::get(const std::string& team_id) {
  auto conn = db_.connect();
  auto s = conn.prepare(
      "SELECT marketo_check_enabled, on_check_unavailable, mirror_authoritative FROM team_settings WHERE team_id = ?");
  s.bind(team_id);
  if (!s.step()) return {};
  return {s.integer(0) != 0, parse_fail_policy(s.text(1)).value_or(FailPolicy::Block), s.integer(2) != 0};
}

void SqlSettings::put(const std::string& team_id, const UnsubscribeSettings& v, TimePoint now) {
  auto conn = db_.connect();
  conn.prepare(
         "INSERT INTO team_settings (team_id, marketo_check_enabled, on_check_unavailable, mirror_authoritative, "
         "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(team_id) DO UPDATE SET "
         "marketo_check_enabled = excluded.marketo_check_enabled, "
         "on_check_unavailable = excluded.on_check_unavailable, "
         "mirror_authoritative = excluded.mirror_authoritative, updated_at = excluded.updated_at")
      .bind_all(team_id, v.marketo_check_enabled, std::string(to_string(v.on_check_unavailable)),
                v.mirror_authoritative, to_unix_millis(now))
      .run();
}

std::optional<MarketoConnection> SqlConnections::get(const std::string& team_id) {
  auto conn = db_.connect();
  auto s = conn.prepare(
      "SELECT rest_endpoint, identity_endpoint, client_id, client_secret_sealed, verified_at "
      "FROM marketo_connections WHERE team_id = ?");
  s.bind(team_id);
  if (!s.step()) return std::nullopt;
  auto secret = key_.open(s.blob(3));
  if (!secret)
    throw StoreError("the stored Marketo client secret cannot be decrypted: was the secret key file replaced?");
  return MarketoConnection{s.text(0), s.text(1), s.text(2), *secret, from_unix_millis(s.integer(4))};
}

std::optional<std::string> SqlConnections::rest_endpoint(const std::string& team_id) {
  auto conn = db_.connect();
  auto s = conn.prepare("SELECT rest_endpoint FROM marketo_connections WHERE team_id = ?");
  s.bind(team_id);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

void SqlConnections::put(const std::string& team_id, const MarketoConnection& c) {
  auto conn = db_.connect();
  conn.prepare(
         "INSERT INTO marketo_connections (team_id, rest_endpoint, identity_endpoint, client_id, "
         "client_secret_sealed, verified_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(team_id) DO UPDATE SET "
         "rest_endpoint = excluded.rest_endpoint, identity_endpoint = excluded.identity_endpoint, "
         "client_id = excluded.client_id, client_secret_sealed = excluded.client_secret_sealed, "
         "verified_at = excluded.verified_at")
      .bind_all(team_id, c.rest_endpoint, c.identity_endpoint, c.client_id)
      .bind_blob(key_.seal(c.client_secret))
      .bind(to_unix_millis(c.verified_at))
      .run();
}

bool SqlConnections::remove(const std::string& team_id) {
  auto conn = db_.connect();
  auto s = conn.prepare("DELETE FROM marketo_connections WHERE team_id = ?");
  s.bind(team_id).run();
  return s.changes() > 0;
}

}  // namespace sg::store
