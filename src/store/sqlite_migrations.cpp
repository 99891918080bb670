#include "store/sqlite_migrations.h"

#include <array>
#include <string_view>

namespace sg::store {
namespace {

// Append only: a released migration never changes. Times are Unix milliseconds.
constexpr std::array<std::string_view, 19> kMigrations{R"sql(
CREATE TABLE teams (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL REFERENCES teams(id),
  email TEXT NOT NULL,
  email_key TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('admin', 'user')),
  password_hash TEXT,
  created_at INTEGER NOT NULL
);
CREATE TABLE api_tokens (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL
);
CREATE TABLE team_settings (
  team_id TEXT PRIMARY KEY REFERENCES teams(id),
  marketo_check_enabled INTEGER NOT NULL DEFAULT 0,
  on_check_unavailable TEXT NOT NULL DEFAULT 'block',
  updated_at INTEGER NOT NULL
);
CREATE TABLE marketo_connections (
  team_id TEXT PRIMARY KEY REFERENCES teams(id),
  rest_endpoint TEXT NOT NULL,
  identity_endpoint TEXT NOT NULL,
  client_id TEXT NOT NULL,
  client_secret_sealed BLOB NOT NULL,
  verified_at INTEGER NOT NULL
);
CREATE TABLE emails (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL REFERENCES teams(id),
  user_id TEXT NOT NULL REFERENCES users(id),
  workflow TEXT NOT NULL,
  source TEXT NOT NULL,
  from_addr TEXT NOT NULL,
  to_json TEXT NOT NULL,
  cc_json TEXT NOT NULL,
  bcc_json TEXT NOT NULL,
  subject TEXT NOT NULL,
  text_body TEXT NOT NULL,
  html_body TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT,
  message_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  sent_at INTEGER,
  held_since INTEGER,
  next_attempt_at INTEGER NOT NULL,
  claimed_until INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  delivered_json TEXT NOT NULL DEFAULT '[]',
  unverified INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX emails_due ON emails(status, next_attempt_at) WHERE status IN ('queued', 'held');
CREATE INDEX emails_team_list ON emails(team_id, created_at DESC, id DESC);
CREATE INDEX emails_user_list ON emails(user_id, created_at DESC, id DESC);
CREATE TABLE idempotency_keys (
  user_id TEXT NOT NULL REFERENCES users(id),
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status_code INTEGER NOT NULL,
  response_json TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, key)
);
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  team_id TEXT NOT NULL REFERENCES teams(id),
  actor_user_id TEXT,
  actor_email TEXT,
  action TEXT NOT NULL,
  before_json TEXT,
  after_json TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX audit_team ON audit_log(team_id, id DESC);
CREATE TABLE suppressions (
  team_id TEXT NOT NULL REFERENCES teams(id),
  email_key TEXT NOT NULL,
  email TEXT NOT NULL,
  source TEXT NOT NULL,
  reason TEXT,
  created_by TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (team_id, email_key)
);
)sql", R"sql(
CREATE TABLE bulk_sends (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL REFERENCES teams(id),
  user_id TEXT NOT NULL REFERENCES users(id),
  mode TEXT NOT NULL,
  source TEXT NOT NULL,
  recipient_count INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
ALTER TABLE emails ADD COLUMN bulk_id TEXT;
ALTER TABLE emails ADD COLUMN enrollment_id TEXT;
ALTER TABLE emails ADD COLUMN step_index INTEGER;
CREATE TABLE campaigns (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL REFERENCES teams(id),
  user_id TEXT NOT NULL REFERENCES users(id),
  from_email TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE campaign_steps (
  campaign_id TEXT NOT NULL REFERENCES campaigns(id),
  step_index INTEGER NOT NULL,
  delay_seconds INTEGER NOT NULL,
  subject TEXT NOT NULL,
  text_body TEXT NOT NULL,
  html_body TEXT NOT NULL,
  PRIMARY KEY (campaign_id, step_index)
);
CREATE TABLE enrollments (
  id TEXT PRIMARY KEY,
  campaign_id TEXT NOT NULL REFERENCES campaigns(id),
  team_id TEXT NOT NULL REFERENCES teams(id),
  email TEXT NOT NULL,
  email_key TEXT NOT NULL,
  vars_json TEXT NOT NULL,
  state TEXT NOT NULL,
  reason TEXT,
  next_step INTEGER NOT NULL DEFAULT 0,
  next_due_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX enrollments_due ON enrollments(next_due_at) WHERE state = 'active' AND next_due_at IS NOT NULL;
CREATE INDEX enrollments_campaign ON enrollments(campaign_id, created_at);
CREATE INDEX enrollments_address ON enrollments(team_id, email_key) WHERE state = 'active';
)sql", R"sql(
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expires_at);
CREATE INDEX emails_stats ON emails(team_id, status, created_at);
)sql", R"sql(
ALTER TABLE team_settings ADD COLUMN mirror_authoritative INTEGER NOT NULL DEFAULT 0;
CREATE TABLE marketo_writebacks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  team_id TEXT NOT NULL REFERENCES teams(id),
  email TEXT NOT NULL,
  reason TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  outcome TEXT,
  created_at INTEGER NOT NULL,
  done_at INTEGER
);
CREATE INDEX writebacks_due ON marketo_writebacks(next_attempt_at) WHERE done_at IS NULL;
CREATE TABLE marketo_sync (
  team_id TEXT PRIMARY KEY REFERENCES teams(id),
  paging_token TEXT,
  last_success_at INTEGER,
  last_error TEXT,
  last_error_at INTEGER
);
CREATE TABLE marketo_mirror (
  team_id TEXT NOT NULL REFERENCES teams(id),
  email_key TEXT NOT NULL,
  unsubscribed INTEGER NOT NULL,
  seen_at INTEGER NOT NULL,
  PRIMARY KEY (team_id, email_key)
);
)sql", R"sql(
-- Who enrolled each person (a user id; no foreign key, so the record outlives the user).
ALTER TABLE enrollments ADD COLUMN enrolled_by TEXT;
)sql", R"sql(
-- Revocable credentials: users can be removed, tokens have an id and a name.
ALTER TABLE users ADD COLUMN removed_at INTEGER;
ALTER TABLE api_tokens ADD COLUMN id TEXT;
ALTER TABLE api_tokens ADD COLUMN name TEXT NOT NULL DEFAULT 'token';
UPDATE api_tokens SET id = 'tk_' || lower(hex(randomblob(16)));
CREATE UNIQUE INDEX api_tokens_id ON api_tokens(id);
CREATE INDEX api_tokens_user ON api_tokens(user_id, created_at);
CREATE INDEX sessions_user ON sessions(user_id);
)sql", R"sql(
-- Whether an email is hidden from its sender (only admins see it), stored rather than
-- worked out again by every query: so far, a group email's silently dropped recipient.
ALTER TABLE emails ADD COLUMN silent INTEGER NOT NULL DEFAULT 0;
UPDATE emails SET silent = 1 WHERE workflow = 'group' AND status = 'suppressed';
)sql", R"sql(
-- A team's Marketo webhook: its public id in the URL and the hash of its secret.
CREATE TABLE marketo_webhooks (
  team_id TEXT PRIMARY KEY REFERENCES teams(id),
  hook_id TEXT NOT NULL UNIQUE,
  secret_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_call_at INTEGER
);
)sql", R"sql(
-- Where each team's one-off seed of its mirror from a bulk export stands.
CREATE TABLE marketo_seed (
  team_id TEXT PRIMARY KEY REFERENCES teams(id),
  instance TEXT NOT NULL,
  phase TEXT NOT NULL,
  export_id TEXT,
  polls INTEGER NOT NULL DEFAULT 0,
  window_end INTEGER,
  empty_windows INTEGER NOT NULL DEFAULT 0,
  addresses INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  next_step_at INTEGER,
  started_at INTEGER,
  finished_at INTEGER,
  last_error TEXT
);
)sql", R"sql(
-- The activity feed's last confirmed page, from where a refused paging token is replaced,
-- and when and why that last happened (shown in the sync status).
ALTER TABLE marketo_sync ADD COLUMN confirmed_at INTEGER;
ALTER TABLE marketo_sync ADD COLUMN restarted_at INTEGER;
ALTER TABLE marketo_sync ADD COLUMN restart_reason TEXT;
)sql", R"sql(
-- Since when the activity feed has been followed without a gap: a mirror seeded after it
-- started knows every unsubscribed address.
ALTER TABLE marketo_sync ADD COLUMN following_since INTEGER;
)sql", R"sql(
-- Why the activity feed reads less surely than it should (the unsubscribed field's id is
-- unknown, so changes are matched by display name), shown in the sync status.
ALTER TABLE marketo_sync ADD COLUMN warning TEXT;
)sql", R"sql(
-- Relay credentials: SMTP logins a team's admins make for Salesforce Email Relay (or
-- another system) to send as any member. The password is kept only as its hash.
CREATE TABLE relay_credentials (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL REFERENCES teams(id),
  name TEXT NOT NULL,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX relay_credentials_team ON relay_credentials(team_id, created_at);
)sql", R"sql(
-- A message submitted over SMTP, kept as written (without Bcc:) for delivery: beside its
-- email rather than in it, so that listing emails never reads whole messages.
CREATE TABLE submitted_messages (
  email_id TEXT PRIMARY KEY REFERENCES emails(id) ON DELETE CASCADE,
  mime BLOB NOT NULL
);
)sql", R"sql(
-- Marketo's limits, kept for every instance on the database: Sendguard's day of calls per
-- limits key (it outlives a restart), and the rate window: pauses, call starts within the
-- window and the permits of calls in flight, each expiring in case its instance dies.
CREATE TABLE marketo_budget_days (
  limits_key TEXT PRIMARY KEY,
  day_ends INTEGER NOT NULL DEFAULT 0,
  calls INTEGER NOT NULL DEFAULT 0,
  background_calls INTEGER NOT NULL DEFAULT 0,
  other_calls INTEGER NOT NULL DEFAULT 0,
  warned INTEGER NOT NULL DEFAULT 0,
  calls_by_kind TEXT NOT NULL DEFAULT '{}',
  usage_read_at INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE marketo_call_windows (
  limits_key TEXT PRIMARY KEY,
  paused_until INTEGER NOT NULL DEFAULT 0,
  held_until INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE marketo_call_starts (
  limits_key TEXT NOT NULL,
  started_at INTEGER NOT NULL
);
CREATE INDEX marketo_call_starts_key ON marketo_call_starts(limits_key, started_at);
CREATE TABLE marketo_call_permits (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  limits_key TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX marketo_call_permits_key ON marketo_call_permits(limits_key, expires_at);
)sql", R"sql(
-- Which claim holds an email's lease, so that its worker renews its own leases and never
-- one another worker took over after the lease ran out.
ALTER TABLE emails ADD COLUMN claim_token TEXT;
CREATE INDEX emails_claim ON emails(claim_token) WHERE claimed_until > 0;
-- A nudge or a changed connection heard by any instance, for the one that syncs.
CREATE TABLE sync_requests (
  team_id TEXT PRIMARY KEY,
  forget INTEGER NOT NULL DEFAULT 0
);
)sql", R"sql(
-- The emails log filtered by status, in its order: without it the filter walked the team's
-- whole log, newest first, to find the few queued or failed emails.
CREATE INDEX emails_status_list ON emails(team_id, status, created_at DESC, id DESC);
)sql", R"sql(
-- emails_status_list leads with the same columns and serves the dashboard's counts as well;
-- every email written kept both up to date.
DROP INDEX emails_stats;
)sql", R"sql(
-- Until when Marketo said the instance's daily quota is spent (607), for every instance of
-- Sendguard and past a restart: kept in memory, each process asked again and drew a 607.
ALTER TABLE marketo_budget_days ADD COLUMN quota_spent_until INTEGER NOT NULL DEFAULT 0;
)sql"};

}  // namespace

std::span<const std::string_view> sqlite_migrations() { return kMigrations; }

std::string_view migration_sql(int version) { return kMigrations.at(static_cast<size_t>(version - 1)); }

}  // namespace sg::store
