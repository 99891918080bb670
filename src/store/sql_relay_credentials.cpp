// Teams' relay credentials in SQL.
#include "store/sql_repos.h"

namespace sg::store {
namespace {

constexpr const char* kColumns = "id, team_id, name, username, created_at";

RelayCredential read_credential(Stmt& s) {
  return RelayCredential{s.text(0), s.text(1), s.text(2), s.text(3), from_unix_millis(s.integer(4))};
}

}  // namespace

void SqlRelayCredentials::add(const RelayCredential& c, const std::string& password_hash) {
  auto conn = db_.connect();
  conn.prepare("INSERT INTO relay_credentials (id, team_id, name, username, password_hash, created_at) "
               "VALUES (?, ?, ?, ?, ?, ?)")
      .bind_all(c.id, c.team_id, c.name, c.username, password_hash, to_unix_millis(c.created_at))
      .run();
}

std::optional<RelayCredential> SqlRelayCredentials::find(const std::string& id) {
  auto conn = db_.connect();
  auto s = conn.prepare(std::string("SELECT ") + kColumns + " FROM relay_credentials WHERE id = ?");
  s.bind(id);
  if (!s.step()) return std::nullopt;
  return read_credential(s);
}

std::optional<RelayLogin> SqlRelayCredentials::find_by_username(const std::string& username) {
  auto conn = db_.connect();
  auto s = conn.prepare(std::string("SELECT ") + kColumns + ", password_hash FROM relay_credentials WHERE username = ?");
  s.bind(username);
  if (!s.step()) return std::nullopt;
  return RelayLogin{read_credential(s), s.text(5)};
}

std::vector<RelayCredential> SqlRelayCredentials::list(const std::string& team_id) {
  auto conn = db_.connect();
  // Credentials made in the same millisecond: in the order made on SQLite, by id on PostgreSQL.
  static const std::string select =
      std::string("SELECT ") + kColumns + " FROM relay_credentials WHERE team_id = ? ORDER BY created_at, ";
  static const std::string sqlite = select + "rowid", postgresql = select + "id";
  auto s = conn.prepare(Sql{sqlite, postgresql});
  s.bind(team_id);
  std::vector<RelayCredential> out;
  while (s.step()) out.push_back(read_credential(s));
  return out;
}

bool SqlRelayCredentials::remove(const std::string& id) {
  auto conn = db_.connect();
  auto s = conn.prepare("DELETE FROM relay_credentials WHERE id = ?");
  s.bind(id).run();
  return s.changes() > 0;
}

}  // namespace sg::store
