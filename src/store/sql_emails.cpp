// Emails and the outbox in SQL: insert, read, list with a keyset cursor, lease due ones.
#include "store/json_columns.h"
#include "store/sql_repos.h"
#include "store/time_columns.h"

namespace sg::store {
namespace {

constexpr const char* kColumns =
    "id, team_id, user_id, workflow, source, from_addr, to_json, cc_json, bcc_json, subject, "
    "text_body, html_body, status, reason, message_id, created_at, sent_at, held_since, "
    "next_attempt_at, attempts, delivered_json, unverified, bulk_id, enrollment_id, step_index, silent";
// What a read gives: the columns, and whether a submitted message is kept for the email, so
// that delivering one Sendguard built costs no second read.
const std::string kReadColumns = std::string(kColumns) +
    ", CASE WHEN EXISTS (SELECT 1 FROM submitted_messages m WHERE m.email_id = emails.id) THEN 1 ELSE 0 END";

EmailRecord read_email(Stmt& s) {
  EmailRecord e;
  e.id = s.text(0);
  e.team_id = s.text(1);
  e.user_id = s.text(2);
  e.workflow = parse_workflow(s.text(3)).value_or(Workflow::Individual);
  e.source = parse_source(s.text(4)).value_or(Source::Api);
  e.from = s.text(5);
  e.to = from_json_array(s.text(6));
  e.cc = from_json_array(s.text(7));
  e.bcc = from_json_array(s.text(8));
  e.subject = s.text(9);
  e.text = s.text(10);
  e.html = s.text(11);
  e.status = parse_email_status(s.text(12)).value_or(EmailStatus::Queued);
  e.reason = s.opt_text(13).value_or("");
  e.message_id = s.text(14);
  e.created_at = from_unix_millis(s.integer(15));
  e.sent_at = opt_time(s.opt_integer(16));
  e.held_since = opt_time(s.opt_integer(17));
  e.next_attempt_at = from_unix_millis(s.integer(18));
  e.attempts = static_cast<int>(s.integer(19));
  e.delivered = from_json_array(s.text(20));
  e.unverified = s.integer(21) != 0;
  e.bulk_id = s.opt_text(22);
  e.enrollment_id = s.opt_text(23);
  e.step_index = s.opt_integer(24);
  e.silent = s.integer(25) != 0;
  e.submitted = s.integer(26) != 0;
  return e;
}

std::optional<std::string> opt_reason(const std::string& reason) {
  if (reason.empty()) return std::nullopt;
  return reason;
}

}  // namespace

void SqlEmails::insert(const EmailRecord& e) {
  auto conn = db_.connect();
  conn.prepare(std::string("INSERT INTO emails (") + kColumns +
              ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .bind_all(e.id, e.team_id, e.user_id, std::string(to_string(e.workflow)),
                std::string(to_string(e.source)), e.from, to_json_array(e.to),
                to_json_array(e.cc), to_json_array(e.bcc), e.subject, e.text, e.html,
                std::string(to_string(e.status)), opt_reason(e.reason), e.message_id,
                to_unix_millis(e.created_at), opt_ms(e.sent_at), opt_ms(e.held_since),
                to_unix_millis(e.next_attempt_at), e.attempts, to_json_array(e.delivered),
                e.unverified, e.bulk_id, e.enrollment_id, e.step_index, e.silent)
      .run();
}

std::optional<EmailRecord> SqlEmails::find(const std::string& team_id, const std::string& id) {
  auto conn = db_.connect();
  auto s = conn.prepare("SELECT " + kReadColumns + " FROM emails WHERE team_id = ? AND id = ?");
  s.bind_all(team_id, id);
  if (!s.step()) return std::nullopt;
  return read_email(s);
}

std::vector<EmailRecord> SqlEmails::list(const EmailFilter& f) {
  // Only the filters asked for are in the statement, so that the planner can take the index
  // that serves them: a status filter written `(status = ? OR ? IS NULL)` matched no index
  // and walked the team's whole log. At most 16 texts, each prepared once per connection.
  std::string sql = "SELECT " + kReadColumns + " FROM emails WHERE team_id = ?";
  if (f.user_id) sql += " AND user_id = ?";
  if (f.status) sql += " AND status = ?";
  if (f.workflow) sql += " AND workflow = ?";
  if (f.after) sql += " AND (created_at < ? OR (created_at = ? AND id < ?))";
  if (!f.include_silent_drops) sql += " AND silent = 0";
  sql += " ORDER BY created_at DESC, id DESC LIMIT ?";
  auto conn = db_.connect();
  auto s = conn.prepare(sql);
  s.bind(f.team_id);
  if (f.user_id) s.bind(*f.user_id);
  if (f.status) s.bind(to_string(*f.status));
  if (f.workflow) s.bind(to_string(*f.workflow));
  if (f.after) s.bind(f.after->first).bind(f.after->first).bind(f.after->second);
  s.bind(f.limit);
  std::vector<EmailRecord> out;
  while (s.step()) out.push_back(read_email(s));
  return out;
}

std::vector<EmailRecord> SqlEmails::claim_due(TimePoint now, Millis lease, int limit, const std::string& token) {
  // On PostgreSQL several instances claim at once: each skips the rows another is leasing,
  // and the lease is tested again on the row itself, in case another claimed it meanwhile.
  static const std::string claim = std::string("UPDATE emails SET claimed_until = ?1, claim_token = ?4 "
                                               "WHERE claimed_until <= ?2 AND id IN ("
                                               "SELECT id FROM emails WHERE status IN ('queued', 'held') "
                                               "AND next_attempt_at <= ?2 AND claimed_until <= ?2 "
                                               "ORDER BY next_attempt_at LIMIT ?3");
  static const std::string returning = ") RETURNING " + kReadColumns;
  static const std::string sqlite = claim + returning;
  static const std::string postgresql = claim + " FOR UPDATE SKIP LOCKED" + returning;
  auto conn = db_.connect();
  auto s = conn.prepare(Sql{sqlite, postgresql});
  s.bind_all(to_unix_millis(now + lease), to_unix_millis(now), limit, token);
  std::vector<EmailRecord> out;
  while (s.step()) out.push_back(read_email(s));
  return out;
}

int SqlEmails::extend_claims(const std::string& claim, TimePoint until) {
  // A finished or given-back email has claimed_until 0; one claimed again has another token.
  auto conn = db_.connect();
  auto s = conn.prepare("UPDATE emails SET claimed_until = ? WHERE claim_token = ? AND claimed_until > 0");
  s.bind_all(to_unix_millis(until), claim);
  s.run();
  return s.changes();
}

bool SqlEmails::update_delivery(const EmailRecord& e, const std::string& claim) {
  auto conn = db_.connect();
  auto s = conn.prepare("UPDATE emails SET status = ?, reason = ?, sent_at = ?, held_since = ?, "
                        "next_attempt_at = ?, attempts = ?, delivered_json = ?, unverified = ?, silent = ?, "
                        "claimed_until = 0 WHERE id = ? AND claim_token = ?");
  s.bind_all(std::string(to_string(e.status)), opt_reason(e.reason), opt_ms(e.sent_at), opt_ms(e.held_since),
             to_unix_millis(e.next_attempt_at), e.attempts, to_json_array(e.delivered), e.unverified, e.silent,
             e.id, claim)
      .run();
  return s.changes() > 0;
}

int SqlEmails::release_all_claims() {
  auto conn = db_.connect();
  auto s = conn.prepare("UPDATE emails SET claimed_until = 0 WHERE claimed_until > 0 AND status IN ('queued', 'held')");
  s.run();
  return s.changes();
}

void SqlEmails::release_claim(const std::string& id, const std::string& claim) {
  auto conn = db_.connect();
  conn.prepare("UPDATE emails SET claimed_until = 0 WHERE id = ? AND claim_token = ?").bind_all(id, claim).run();
}

void SqlEmails::mark_delivered(const std::string& id, const std::vector<std::string>& delivered) {
  auto conn = db_.connect();
  conn.prepare("UPDATE emails SET delivered_json = ? WHERE id = ?")
      .bind_all(to_json_array(delivered), id)
      .run();
}

std::vector<std::pair<std::string, int64_t>> SqlEmails::count_by_status() {
  auto conn = db_.connect();
  auto s = conn.prepare("SELECT status, COUNT(*) FROM emails GROUP BY status");
  std::vector<std::pair<std::string, int64_t>> out;
  while (s.step()) out.emplace_back(s.text(0), s.integer(1));
  return out;
}

std::vector<BlockStat> SqlEmails::block_stats(const std::string& team_id, TimePoint since) {
  auto conn = db_.connect();
  // Counted per UTC day, named as YYYY-MM-DD.
  static const auto query = [](const std::string& day) {
    return "SELECT " + day + " AS day, status, workflow, COALESCE(reason, ''), COUNT(*) FROM emails "
           "WHERE team_id = ? AND created_at >= ? AND status IN ('blocked', 'failed', 'suppressed') "
           "GROUP BY day, status, workflow, 4 ORDER BY day";
  };
  static const std::string sqlite = query("strftime('%Y-%m-%d', created_at / 1000, 'unixepoch')");
  static const std::string postgresql = query("to_char(to_timestamp(created_at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')");
  auto s = conn.prepare(Sql{sqlite, postgresql});
  s.bind_all(team_id, to_unix_millis(since));
  std::vector<BlockStat> out;
  while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4)});
  return out;
}

void SqlEmails::insert_bulk(const std::string& id, const std::string& team_id,
                            const std::string& user_id, Workflow mode, Source source,
                            int64_t recipients, TimePoint now) {
  auto conn = db_.connect();
  conn.prepare("INSERT INTO bulk_sends (id, team_id, user_id, mode, source, recipient_count, created_at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)")
      .bind_all(id, team_id, user_id, std::string(to_string(mode)), std::string(to_string(source)),
                recipients, to_unix_millis(now))
      .run();
}

// A BLOB: an 8BITMIME message need not be UTF-8.
void SqlEmails::put_submitted_message(const std::string& email_id, const std::string& mime) {
  auto conn = db_.connect();
  conn.prepare("INSERT INTO submitted_messages (email_id, mime) VALUES (?, ?)").bind(email_id).bind_blob(mime).run();
}

std::optional<std::string> SqlEmails::submitted_message(const std::string& email_id) {
  auto conn = db_.connect();
  auto s = conn.prepare("SELECT mime FROM submitted_messages WHERE email_id = ?");
  s.bind(email_id);
  if (!s.step()) return std::nullopt;
  return s.blob(0);
}

}  // namespace sg::store
