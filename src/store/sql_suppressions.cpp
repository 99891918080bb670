// The local suppression list in SQL.
#include "store/sql_repos.h"

#include <cctype>

namespace sg::store {
namespace {

constexpr const char* kSuppressionColumns = "email, email_key, source, COALESCE(reason, ''), created_by, created_at";

Suppression read_suppression(Stmt& s) {
  return {s.text(0), s.text(1), s.text(2), s.text(3), s.opt_text(4), from_unix_millis(s.integer(5))};
}

}  // namespace

std::vector<std::string> SqlSuppressions::suppressed_among(
    const std::string& team_id, const std::vector<std::string>& email_keys) {
  auto conn = db_.connect();
  auto s = conn.prepare("SELECT 1 FROM suppressions WHERE team_id = ? AND email_key = ?");
  std::vector<std::string> out;
  for (const auto& key : email_keys) {
    s.bind_all(team_id, key);
    if (s.step()) out.push_back(key);
    s.reset();
  }
  return out;
}

bool SqlSuppressions::add(const std::string& team_id, const std::string& email,
                          const std::string& source, const std::string& reason,
                          const std::optional<std::string>& created_by, TimePoint now) {
  auto conn = db_.connect();
  auto s = conn.prepare("INSERT INTO suppressions (team_id, email_key, email, source, reason, created_by, "
                        "created_at) VALUES (?, lower(?), ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
  s.bind_all(team_id, email, email, source, reason, created_by, to_unix_millis(now)).run();
  if (s.changes() == 0) return false;
  changes_.changed(db_, team_id);
  return true;
}

std::optional<Suppression> SqlSuppressions::find(const std::string& team_id, const std::string& email_key) {
  auto conn = db_.connect();
  auto s = conn.prepare(std::string("SELECT ") + kSuppressionColumns +
                       " FROM suppressions WHERE team_id = ? AND email_key = ?");
  s.bind_all(team_id, email_key);
  if (!s.step()) return std::nullopt;
  return read_suppression(s);
}

bool SqlSuppressions::remove(const std::string& team_id, const std::string& email_key) {
  auto conn = db_.connect();
  auto s = conn.prepare("DELETE FROM suppressions WHERE team_id = ? AND email_key = ?");
  s.bind_all(team_id, email_key).run();
  if (s.changes() == 0) return false;
  changes_.changed(db_, team_id);
  return true;
}

std::vector<Suppression> SqlSuppressions::list(const std::string& team_id, const std::string& search,
                                               const std::string& after_key, int limit) {
  auto conn = db_.connect();
  // A substring test rather than LIKE: a search for "a_b" must not treat "_" as a wildcard.
  static const std::string select = std::string("SELECT ") + kSuppressionColumns +
                                    " FROM suppressions WHERE team_id = ? AND email_key > ? AND (? = '' OR ";
  static const std::string order = " > 0) ORDER BY email_key LIMIT ?";
  static const std::string sqlite = select + "instr(email_key, ?)" + order;
  static const std::string postgresql = select + "strpos(email_key, ?)" + order;
  auto s = conn.prepare(Sql{sqlite, postgresql});
  std::string needle = search;
  for (char& c : needle) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  s.bind_all(team_id, after_key, needle, needle, limit);
  std::vector<Suppression> out;
  while (s.step()) out.push_back(read_suppression(s));
  return out;
}

}  // namespace sg::store
