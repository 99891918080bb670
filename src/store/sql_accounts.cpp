// Teams, users and API tokens in SQL.
#include "store/sql_repos.h"

#include "crypto/tokens.h"

namespace sg::store {
namespace {

constexpr const char* kUserColumns = "u.id, u.team_id, u.email, u.role, u.password_hash";
constexpr const char* kTokenColumns = "id, user_id, name, created_at";

User read_user(Stmt& s) {
  return User{s.text(0), s.text(1), s.text(2), parse_role(s.text(3)).value_or(Role::User),
              s.opt_text(4)};
}

ApiToken read_token(Stmt& s) { return ApiToken{s.text(0), s.text(1), s.text(2), from_unix_millis(s.integer(3))}; }

}  // namespace

std::optional<Team> SqlTeams::find_by_name(const std::string& name) {
  auto conn = db_.connect();
  auto s = conn.prepare("SELECT id, name FROM teams WHERE name = ?");
  s.bind(name);
  if (!s.step()) return std::nullopt;
  return Team{s.text(0), s.text(1)};
}

Team SqlTeams::create(const std::string& name, TimePoint now) {
  auto conn = db_.connect();
  Team team{crypto::random_id("tm_"), name};
  conn.prepare("INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)")
      .bind_all(team.id, team.name, to_unix_millis(now))
      .run();
  return team;
}

std::optional<User> SqlUsers::find_by_email(const std::string& email_key) {
  auto conn = db_.connect();
  auto s = conn.prepare(std::string("SELECT ") + kUserColumns + " FROM users u WHERE u.email_key = ? AND u.removed_at IS NULL");
  s.bind(email_key);
  if (!s.step()) return std::nullopt;
  return read_user(s);
}

std::optional<User> SqlUsers::find_by_token_hash(const std::string& token_hash) {
  auto conn = db_.connect();
  auto s = conn.prepare(std::string("SELECT ") + kUserColumns +
                       " FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND u.removed_at IS NULL");
  s.bind(token_hash);
  if (!s.step()) return std::nullopt;
  return read_user(s);
}

void SqlUsers::create(const User& user, TimePoint now) {
  auto conn = db_.connect();
  conn.prepare("INSERT INTO users (id, team_id, email, email_key, role, password_hash, created_at) "
               "VALUES (?, ?, ?, lower(?), ?, ?, ?)")
      .bind_all(user.id, user.team_id, user.email, user.email, std::string(to_string(user.role)),
                user.password_hash, to_unix_millis(now))
      .run();
}

std::vector<User> SqlUsers::list(const std::string& team_id) {
  auto conn = db_.connect();
  auto s = conn.prepare(std::string("SELECT ") + kUserColumns +
                       " FROM users u WHERE u.team_id = ? AND u.removed_at IS NULL ORDER BY u.email_key");
  s.bind(team_id);
  std::vector<User> out;
  while (s.step()) out.push_back(read_user(s));
  return out;
}

void SqlUsers::set_role(const std::string& user_id, Role role) {
  auto conn = db_.connect();
  conn.prepare("UPDATE users SET role = ? WHERE id = ?").bind_all(std::string(to_string(role)), user_id).run();
}

int SqlUsers::count_admins(const std::string& team_id) {
  auto conn = db_.connect();
  auto s = conn.prepare("SELECT COUNT(*) FROM users WHERE team_id = ? AND role = 'admin' AND removed_at IS NULL");
  s.bind(team_id);
  s.step();
  return static_cast<int>(s.integer(0));
}

void SqlUsers::remove(const std::string& user_id, TimePoint now) {
  db_.transaction([&] {
    auto conn = db_.connect();
    conn.prepare("DELETE FROM api_tokens WHERE user_id = ?").bind(user_id).run();
    conn.prepare("DELETE FROM sessions WHERE user_id = ?").bind(user_id).run();
    // The id cannot appear in an address (no colon in ids), so the freed key never collides with a live one.
    conn.prepare("UPDATE users SET removed_at = ?, email_key = 'removed:' || id WHERE id = ?")
        .bind_all(to_unix_millis(now), user_id)
        .run();
  });
}

void SqlUsers::add_token(const ApiToken& token, const std::string& token_hash) {
  auto conn = db_.connect();
  conn.prepare("INSERT INTO api_tokens (id, token_hash, user_id, name, created_at) VALUES (?, ?, ?, ?, ?)")
      .bind_all(token.id, token_hash, token.user_id, token.name, to_unix_millis(token.created_at))
      .run();
}

std::optional<ApiToken> SqlUsers::find_token(const std::string& token_id) {
  auto conn = db_.connect();
  auto s = conn.prepare(std::string("SELECT ") + kTokenColumns + " FROM api_tokens WHERE id = ?");
  s.bind(token_id);
  if (!s.step()) return std::nullopt;
  return read_token(s);
}

std::vector<ApiToken> SqlUsers::tokens(const std::string& user_id) {
  auto conn = db_.connect();
  // Tokens made in the same millisecond: in the order made on SQLite, by id on PostgreSQL.
  static const std::string select = std::string("SELECT ") + kTokenColumns +
                                    " FROM api_tokens WHERE user_id = ? ORDER BY created_at, ";
  static const std::string sqlite = select + "rowid", postgresql = select + "id";
  auto s = conn.prepare(Sql{sqlite, postgresql});
  s.bind(user_id);
  std::vector<ApiToken> out;
  while (s.step()) out.push_back(read_token(s));
  return out;
}

void SqlUsers::remove_token(const std::string& token_id) {
  auto conn = db_.connect();
  conn.prepare("DELETE FROM api_tokens WHERE id = ?").bind(token_id).run();
}

std::optional<User> SqlUsers::find_by_id(const std::string& id) {
  auto conn = db_.connect();
  auto s = conn.prepare(std::string("SELECT ") + kUserColumns + " FROM users u WHERE u.id = ? AND u.removed_at IS NULL");
  s.bind(id);
  if (!s.step()) return std::nullopt;
  return read_user(s);
}

void SqlUsers::set_password_hash(const std::string& user_id, const std::string& hash) {
  auto conn = db_.connect();
  conn.prepare("UPDATE users SET password_hash = ? WHERE id = ?").bind_all(hash, user_id).run();
}

std::optional<Team> SqlUsers::team_of(const std::string& user_id) {
  auto conn = db_.connect();
  auto s = conn.prepare("SELECT t.id, t.name FROM teams t JOIN users u ON u.team_id = t.id WHERE u.id = ?");
  s.bind(user_id);
  if (!s.step()) return std::nullopt;
  return Team{s.text(0), s.text(1)};
}

void SqlUsers::add_session(const std::string& token_hash, const Session& session, TimePoint now) {
  auto conn = db_.connect();
  // Expired sessions are swept here, where sessions are written anyway.
  conn.prepare("DELETE FROM sessions WHERE expires_at <= ?").bind(to_unix_millis(now)).run();
  conn.prepare("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)")
      .bind_all(token_hash, session.user_id, session.csrf_token, to_unix_millis(now),
                to_unix_millis(session.expires_at))
      .run();
}

std::optional<Session> SqlUsers::find_session(const std::string& token_hash, TimePoint now) {
  auto conn = db_.connect();
  auto s = conn.prepare("SELECT user_id, csrf_token, expires_at FROM sessions WHERE token_hash = ? AND expires_at > ?");
  s.bind_all(token_hash, to_unix_millis(now));
  if (!s.step()) return std::nullopt;
  return Session{s.text(0), s.text(1), from_unix_millis(s.integer(2))};
}

void SqlUsers::remove_session(const std::string& token_hash) {
  auto conn = db_.connect();
  conn.prepare("DELETE FROM sessions WHERE token_hash = ?").bind(token_hash).run();
}

void SqlUsers::remove_sessions_of(const std::string& user_id) {
  auto conn = db_.connect();
  conn.prepare("DELETE FROM sessions WHERE user_id = ?").bind(user_id).run();
}

}  // namespace sg::store
