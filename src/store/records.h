// Plain records the stores read and write. No behaviour, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/email_status.h"
#include "core/workflow.h"
#include "store/send_source.h"

namespace sg::store {

struct Team {
  std::string id;
  std::string name;
};

struct User {
  std::string id;
  std::string team_id;
  std::string email;
  Role role = Role::User;
  std::optional<std::string> password_hash;
};

struct UnsubscribeSettings {
  bool marketo_check_enabled = false;
  FailPolicy on_check_unavailable = FailPolicy::Block;
  bool mirror_authoritative = false;  // trust the synced mirror for addresses it saw recently
};

struct MarketoConnection {
  std::string rest_endpoint;
  std::string identity_endpoint;
  std::string client_id;
  std::string client_secret;  // plaintext in memory only; sealed at rest
  TimePoint verified_at;
};

struct EmailRecord {
  std::string id;
  std::string team_id;
  std::string user_id;
  Workflow workflow = Workflow::Individual;
  Source source = Source::Api;
  std::string from;
  std::vector<std::string> to, cc, bcc;
  std::string subject;
  std::string text;
  std::string html;
  EmailStatus status = EmailStatus::Queued;
  std::string reason;
  std::string message_id;
  TimePoint created_at;
  std::optional<TimePoint> sent_at;
  std::optional<TimePoint> held_since;
  TimePoint next_attempt_at;
  int attempts = 0;
  std::vector<std::string> delivered;  // recipients already handed to the relay
  bool unverified = false;             // went out without every source's answer (policy "send")
  bool silent = false;                 // hidden from the sender: only admins see it
  std::optional<std::string> bulk_id;        // set for select & send and group emails
  std::optional<std::string> enrollment_id;  // set for campaign emails
  std::optional<int64_t> step_index;         // the campaign step, from 0
  bool submitted = false;  // read only: a message submitted over SMTP is kept for it (put_submitted_message)
};

struct EmailFilter {
  std::string team_id;
  std::optional<std::string> user_id;  // set for non-admins: only their own emails
  std::optional<EmailStatus> status;
  std::optional<Workflow> workflow;
  int limit = 50;
  std::optional<std::pair<int64_t, std::string>> after;  // (created_at ms, id) of the last row seen
  bool include_silent_drops = true;  // false hides silent emails (admins only see them)
};

// A team's Marketo webhook: the id in its URL and the hash of its secret (never the secret).
struct MarketoWebhook {
  std::string team_id;
  std::string hook_id;
  std::string secret_hash;
  TimePoint created_at;
  std::optional<TimePoint> last_call_at;
};

struct AuditEntry {
  std::string team_id;
  std::optional<std::string> actor_user_id;
  std::optional<std::string> actor_email;
  std::string action;
  std::optional<std::string> before_json;
  std::optional<std::string> after_json;
  TimePoint at;
};

struct CampaignStep {
  int64_t delay_seconds = 0;  // from the previous step's send (from enrollment for the first)
  std::string subject, text, html;
};

struct Campaign {
  std::string id;
  std::string team_id;
  std::string user_id;
  std::string from_email;  // the creating user's address: campaign emails are sent as them
  std::string name;
  std::vector<CampaignStep> steps;
  TimePoint created_at;
};

enum class EnrollmentState { Active, Finished, Stopped };

struct Enrollment {
  std::string id;
  std::string campaign_id;
  std::string team_id;
  std::string email;
  std::string vars_json;  // {"name": "value", ...}
  EnrollmentState state = EnrollmentState::Active;
  std::string reason;
  int64_t next_step = 0;
  std::optional<TimePoint> next_due_at;  // empty while a step's email is on its way
  TimePoint created_at;
  std::optional<std::string> enrolled_by;  // the user id; empty for enrollments older than it
};

std::string_view to_string(EnrollmentState s);
std::optional<EnrollmentState> parse_enrollment_state(std::string_view text);

struct Suppression {
  std::string email;
  std::string email_key;
  std::string source;  // one_click, manual, import, marketo
  std::string reason;
  std::optional<std::string> created_by;  // the admin's email, when a person added it
  TimePoint created_at;
};

struct WriteBack {
  int64_t id = 0;
  std::string team_id;
  std::string email;
  std::string reason;
  int attempts = 0;
};

struct SyncRequest {
  std::string team_id;
  bool forget = false;  // its connection changed: what was learned of the old one goes
};

struct SyncState {
  std::optional<std::string> paging_token;
  std::optional<TimePoint> last_success_at;
  std::string last_error;
  std::optional<TimePoint> last_error_at;
  std::optional<TimePoint> confirmed_at;  // when the feed was last read to its end
  // The last time Marketo refused the paging token and the feed took a new one from
  // confirmed_at, and Marketo's words for it.
  std::optional<TimePoint> restarted_at;
  std::string restart_reason;
  // Since when the feed has been read without a gap: its first paging token's start
  // (restarts and re-reads resume from a point already read).
  std::optional<TimePoint> following_since;
  // What the feed could not do as it should at its last pass, though it went on (e.g. the
  // unsubscribed field's id is unknown: changes are matched by display name); empty if none.
  std::string warning;

  // The latest sync attempt failed: the copy may be missing changes since the last success.
  bool failing() const { return last_error_at && (!last_success_at || *last_error_at > *last_success_at); }
  // The feed was read to its end since its latest failure (or never failed): a success
  // stopped by the page limit still leaves unread what the failure may have hidden.
  bool confirmed_since_failure() const {
    return !last_error_at || (confirmed_at && *confirmed_at > *last_error_at);
  }
};

// The one-off copy of Marketo's unsubscribed addresses into a team's mirror (see
// mirror/mirror_seed.h): where it is, so that a restart resumes it.
enum class SeedPhase { not_started, running, done, failed };
inline constexpr std::string_view kSeedPhaseNames[] = {"not_started", "running", "done", "failed"};
inline std::string_view seed_phase_name(SeedPhase phase) { return kSeedPhaseNames[static_cast<int>(phase)]; }

struct SeedState {
  std::string instance;  // the REST endpoint being (or last) seeded; another one starts afresh
  SeedPhase phase = SeedPhase::not_started;
  std::optional<std::string> export_id;   // the export job being waited on
  int polls = 0;                          // status reads of that job so far
  std::optional<TimePoint> window_end;    // the createdAt range being exported ends here
  int empty_windows = 0;                  // windows in a row that held no lead
  int64_t addresses = 0;                  // unsubscribed addresses recorded so far
  int failures = 0;                       // failed attempts in a row
  std::optional<TimePoint> next_step_at;  // no call before then (poll interval, retry backoff)
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> finished_at;
  std::string last_error;
};

struct MirrorEntry {
  bool unsubscribed = false;
  TimePoint seen_at;
};

// What Marketo said of addresses: each email key with true when it is unsubscribed.
using MirrorNews = std::vector<std::pair<std::string, bool>>;

// An API token as it may be shown: never its value or hash.
struct ApiToken {
  std::string id;
  std::string user_id;
  std::string name;
  TimePoint created_at;
};

// A login a team admin made for a system that submits mail over SMTP as any member (e.g.
// Salesforce Email Relay). Its password is never kept; see RelayLogin.
struct RelayCredential {
  std::string id;
  std::string team_id;
  std::string name;
  std::string username;
  TimePoint created_at;
};

// A relay credential with the hash of its password, for checking a login only.
struct RelayLogin {
  RelayCredential credential;
  std::string password_hash;
};

struct Session {
  std::string user_id;
  std::string csrf_token;
  TimePoint expires_at;
};

// One row of the dashboard: emails of one day, status, workflow and reason.
struct BlockStat {
  std::string day;  // YYYY-MM-DD (UTC)
  std::string status, workflow, reason;
  int64_t count = 0;
};

struct StoredResponse {
  std::string request_hash;
  int status_code = 0;
  std::string body_json;
};

}  // namespace sg::store
