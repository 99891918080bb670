// Campaigns, their steps and enrollments in SQL.
#include "store/sql_repos.h"
#include "store/time_columns.h"

namespace sg::store {
namespace {

constexpr const char* kEnrollmentColumns =
    "id, campaign_id, team_id, email, vars_json, state, reason, next_step, next_due_at, created_at, enrolled_by";

Enrollment read_enrollment(Stmt& s) {
  Enrollment e;
  e.id = s.text(0);
  e.campaign_id = s.text(1);
  e.team_id = s.text(2);
  e.email = s.text(3);
  e.vars_json = s.text(4);
  e.state = parse_enrollment_state(s.text(5)).value_or(EnrollmentState::Stopped);
  e.reason = s.opt_text(6).value_or("");
  e.next_step = s.integer(7);
  if (auto due = s.opt_integer(8)) e.next_due_at = from_unix_millis(*due);
  e.created_at = from_unix_millis(s.integer(9));
  e.enrolled_by = s.opt_text(10);
  return e;
}

}  // namespace

std::string_view to_string(EnrollmentState s) {
  switch (s) {
    case EnrollmentState::Active: return "active";
    case EnrollmentState::Finished: return "finished";
    case EnrollmentState::Stopped: return "stopped";
  }
  return "stopped";
}

std::optional<EnrollmentState> parse_enrollment_state(std::string_view text) {
  if (text == "active") return EnrollmentState::Active;
  if (text == "finished") return EnrollmentState::Finished;
  if (text == "stopped") return EnrollmentState::Stopped;
  return std::nullopt;
}

void SqlCampaigns::create(const Campaign& c) {
  db_.transaction([&] {
    auto conn = db_.connect();
    conn.prepare("INSERT INTO campaigns (id, team_id, user_id, from_email, name, created_at) VALUES (?, ?, ?, ?, ?, ?)")
        .bind_all(c.id, c.team_id, c.user_id, c.from_email, c.name, to_unix_millis(c.created_at))
        .run();
    auto step = conn.prepare("INSERT INTO campaign_steps (campaign_id, step_index, delay_seconds, subject, "
                              "text_body, html_body) VALUES (?, ?, ?, ?, ?, ?)");
    for (size_t i = 0; i < c.steps.size(); ++i) {
      const auto& s = c.steps[i];
      step.bind_all(c.id, static_cast<int64_t>(i), s.delay_seconds, s.subject, s.text, s.html).run();
      step.reset();
    }
  });
}

std::vector<CampaignStep> SqlCampaigns::steps_of(Conn& conn, const std::string& campaign_id) {
  auto s = conn.prepare("SELECT delay_seconds, subject, text_body, html_body FROM campaign_steps "
                        "WHERE campaign_id = ? ORDER BY step_index");
  s.bind(campaign_id);
  std::vector<CampaignStep> out;
  while (s.step()) out.push_back({s.integer(0), s.text(1), s.text(2), s.text(3)});
  return out;
}

std::optional<Campaign> SqlCampaigns::find(const std::string& team_id, const std::string& id) {
  auto conn = db_.connect();
  Campaign c;
  {
    auto s = conn.prepare("SELECT id, team_id, user_id, from_email, name, created_at FROM campaigns "
                          "WHERE team_id = ? AND id = ?");
    s.bind_all(team_id, id);
    if (!s.step()) return std::nullopt;
    c = {s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), {}, from_unix_millis(s.integer(5))};
  }
  c.steps = steps_of(conn, c.id);
  return c;
}

std::vector<Campaign> SqlCampaigns::list(const std::string& team_id) {
  auto conn = db_.connect();
  std::vector<Campaign> out;
  {
    auto s = conn.prepare("SELECT id, team_id, user_id, from_email, name, created_at FROM campaigns "
                          "WHERE team_id = ? ORDER BY created_at DESC, id DESC");
    s.bind(team_id);
    while (s.step())
      out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), {}, from_unix_millis(s.integer(5))});
  }
  for (auto& c : out) c.steps = steps_of(conn, c.id);
  return out;
}

void SqlCampaigns::add_enrollment(const Enrollment& e) {
  auto conn = db_.connect();
  conn.prepare(std::string("INSERT INTO enrollments (") + kEnrollmentColumns +
              ", email_key, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, lower(?), ?)")
      .bind_all(e.id, e.campaign_id, e.team_id, e.email, e.vars_json, std::string(to_string(e.state)),
                e.reason.empty() ? std::nullopt : std::optional(e.reason), e.next_step, opt_ms(e.next_due_at),
                to_unix_millis(e.created_at), e.enrolled_by, e.email, to_unix_millis(e.created_at))
      .run();
}

std::optional<Enrollment> SqlCampaigns::find_enrollment(const std::string& id) {
  auto conn = db_.connect();
  auto s = conn.prepare(std::string("SELECT ") + kEnrollmentColumns + " FROM enrollments WHERE id = ?");
  s.bind(id);
  if (!s.step()) return std::nullopt;
  return read_enrollment(s);
}

std::vector<Enrollment> SqlCampaigns::enrollments(const std::string& campaign_id) {
  auto conn = db_.connect();
  auto s = conn.prepare(std::string("SELECT ") + kEnrollmentColumns +
                       " FROM enrollments WHERE campaign_id = ? ORDER BY created_at, id");
  s.bind(campaign_id);
  std::vector<Enrollment> out;
  while (s.step()) out.push_back(read_enrollment(s));
  return out;
}

std::vector<std::string> SqlCampaigns::active_among(const std::string& campaign_id,
                                                    const std::vector<std::string>& email_keys) {
  auto conn = db_.connect();
  auto s = conn.prepare("SELECT 1 FROM enrollments WHERE campaign_id = ? AND email_key = ? AND state = 'active'");
  std::vector<std::string> out;
  for (const auto& key : email_keys) {
    s.bind_all(campaign_id, key);
    if (s.step()) out.push_back(key);
    s.reset();
  }
  return out;
}

std::vector<Enrollment> SqlCampaigns::due(TimePoint now, int limit) {
  auto conn = db_.connect();
  auto s = conn.prepare(std::string("SELECT ") + kEnrollmentColumns +
                       " FROM enrollments WHERE state = 'active' AND next_due_at IS NOT NULL"
                       " AND next_due_at <= ? ORDER BY next_due_at LIMIT ?");
  s.bind_all(to_unix_millis(now), limit);
  std::vector<Enrollment> out;
  while (s.step()) out.push_back(read_enrollment(s));
  return out;
}

namespace {

constexpr const char* kUpdate =
    "UPDATE enrollments SET state = ?1, reason = ?2, next_step = ?3, next_due_at = ?4, updated_at = ?5 WHERE id = ?6 "
    "AND state = 'active' AND next_step = ?7";

bool write_enrollment(Db& db, const std::string& sql, const Enrollment& e, int64_t step, TimePoint now) {
  auto conn = db.connect();
  auto s = conn.prepare(sql);
  s.bind_all(std::string(to_string(e.state)), e.reason.empty() ? std::nullopt : std::optional(e.reason), e.next_step,
             opt_ms(e.next_due_at), to_unix_millis(now), e.id, step)
      .run();
  return s.changes() > 0;
}

}  // namespace

bool SqlCampaigns::advance_due(const Enrollment& e, TimePoint now) {
  static const std::string sql = std::string(kUpdate) + " AND next_due_at IS NOT NULL";
  return write_enrollment(db_, sql, e, e.next_step, now);
}

bool SqlCampaigns::finish_step(const Enrollment& e, int64_t sent_step, TimePoint now) {
  static const std::string sql = std::string(kUpdate) + " AND next_due_at IS NULL";
  return write_enrollment(db_, sql, e, sent_step, now);
}

int SqlCampaigns::stop_for_address(const std::string& team_id, const std::string& email_key,
                                   const std::string& reason, TimePoint now) {
  auto conn = db_.connect();
  auto s = conn.prepare("UPDATE enrollments SET state = 'stopped', reason = ?, next_due_at = NULL, updated_at = ? "
                        "WHERE team_id = ? AND email_key = ? AND state = 'active'");
  s.bind_all(reason, to_unix_millis(now), team_id, email_key).run();
  return s.changes();
}

int SqlCampaigns::stop_suppressed(const std::string& team_id, TimePoint now) {
  auto conn = db_.connect();
  auto s = conn.prepare(
      "UPDATE enrollments SET state = 'stopped', reason = 'suppressed', next_due_at = NULL, updated_at = ?1 "
      "WHERE team_id = ?2 AND state = 'active' AND email_key IN "
      "(SELECT email_key FROM suppressions WHERE team_id = ?2)");
  s.bind_all(to_unix_millis(now), team_id).run();
  return s.changes();
}

}  // namespace sg::store
