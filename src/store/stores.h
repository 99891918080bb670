// One repository interface per aggregate, implemented once in SQL over the engine seam
// (db.h) for SQLite and PostgreSQL alike. Methods throw
// StoreError only when the database itself fails; "absent" is an empty optional.
// All implementations are thread-safe.
#pragma once

#include <exception>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "core/leadership.h"
#include "marketo/limits_ledger.h"
#include "store/records.h"

namespace sg::store {

class TeamChanges;  // store/team_changes.h

class TeamStore {
 public:
  virtual ~TeamStore() = default;
  virtual std::optional<Team> find_by_name(const std::string& name) = 0;
  virtual Team create(const std::string& name, TimePoint now) = 0;
};

// Removed users are invisible to every read; their rows stay for the emails they sent.
class UserStore {
 public:
  virtual ~UserStore() = default;
  virtual std::optional<User> find_by_email(const std::string& email_key) = 0;
  virtual std::optional<User> find_by_token_hash(const std::string& token_hash) = 0;
  virtual void create(const User& user, TimePoint now) = 0;
  virtual std::optional<User> find_by_id(const std::string& id) = 0;
  // The team's users in address order.
  virtual std::vector<User> list(const std::string& team_id) = 0;
  virtual void set_password_hash(const std::string& user_id, const std::string& hash) = 0;
  virtual void set_role(const std::string& user_id, Role role) = 0;
  virtual int count_admins(const std::string& team_id) = 0;
  // Marks the user removed, frees its address for a new account, and deletes its tokens and sessions.
  virtual void remove(const std::string& user_id, TimePoint now) = 0;
  virtual std::optional<Team> team_of(const std::string& user_id) = 0;

  virtual void add_token(const ApiToken& token, const std::string& token_hash) = 0;
  virtual std::optional<ApiToken> find_token(const std::string& token_id) = 0;
  // The user's tokens, oldest first.
  virtual std::vector<ApiToken> tokens(const std::string& user_id) = 0;
  virtual void remove_token(const std::string& token_id) = 0;

  virtual void add_session(const std::string& token_hash, const Session& session, TimePoint now) = 0;
  // The session when it exists and has not expired at `now`.
  virtual std::optional<Session> find_session(const std::string& token_hash, TimePoint now) = 0;
  virtual void remove_session(const std::string& token_hash) = 0;
  virtual void remove_sessions_of(const std::string& user_id) = 0;
};

class SettingsStore {
 public:
  virtual ~SettingsStore() = default;
  virtual UnsubscribeSettings get(const std::string& team_id) = 0;
  virtual void put(const std::string& team_id, const UnsubscribeSettings& s, TimePoint now) = 0;
};

class ConnectionStore {
 public:
  virtual ~ConnectionStore() = default;
  virtual std::optional<MarketoConnection> get(const std::string& team_id) = 0;
  // The instance the team is connected to, without unsealing its secret.
  virtual std::optional<std::string> rest_endpoint(const std::string& team_id) = 0;
  virtual void put(const std::string& team_id, const MarketoConnection& c) = 0;
  virtual bool remove(const std::string& team_id) = 0;
};

class EmailStore {
 public:
  virtual ~EmailStore() = default;
  virtual void insert(const EmailRecord& email) = 0;
  virtual std::optional<EmailRecord> find(const std::string& team_id, const std::string& id) = 0;
  virtual std::vector<EmailRecord> list(const EmailFilter& filter) = 0;
  // Leases up to `limit` due queued/held emails until now+lease under `claim` (a token
  // unique to this batch); an email whose lease ran out (its worker died) is due again.
  virtual std::vector<EmailRecord> claim_due(TimePoint now, Millis lease, int limit, const std::string& claim) = 0;
  // Renews until `until` the leases `claim` still holds (claimed, not yet finished or given
  // back); an email another claim took over once this lease ran out stays the other's.
  // Returns how many it renewed.
  virtual int extend_claims(const std::string& claim, TimePoint until) = 0;
  // Writes the mutable delivery fields (status, reason, sent_at, held_since,
  // next_attempt_at, attempts, delivered, unverified) and releases the lease, only while
  // `claim` still holds the email; false when another batch took it over once this one's
  // lease ran out (its outcome, say sent, must not be undone by a late queued or held).
  virtual bool update_delivery(const EmailRecord& email, const std::string& claim) = 0;
  // Frees every lease: at start, when this process owns the database alone (SQLite) and any
  // lease left behind belongs to a worker that died with the previous process.
  virtual int release_all_claims() = 0;
  // Gives one email leased under `claim` back to the queue untouched.
  virtual void release_claim(const std::string& id, const std::string& claim) = 0;
  // Records that one more recipient was handed to the relay (crash safety).
  virtual void mark_delivered(const std::string& id, const std::vector<std::string>& delivered) = 0;
  virtual std::vector<std::pair<std::string, int64_t>> count_by_status() = 0;
  // Blocked, failed and suppressed emails of a team since `since`, counted per day.
  virtual std::vector<BlockStat> block_stats(const std::string& team_id, TimePoint since) = 0;
  // The parent row of a select & send or group email's per-recipient emails.
  virtual void insert_bulk(const std::string& id, const std::string& team_id, const std::string& user_id,
                           Workflow mode, Source source, int64_t recipients, TimePoint now) = 0;
  // The message an email was submitted as over SMTP (its delivered copies keep it as
  // written); stored in the transaction inserting the email.
  virtual void put_submitted_message(const std::string& email_id, const std::string& mime) = 0;
  // Nothing for an email Sendguard builds itself.
  virtual std::optional<std::string> submitted_message(const std::string& email_id) = 0;
};

class IdempotencyStore {
 public:
  virtual ~IdempotencyStore() = default;
  virtual std::optional<StoredResponse> find(const std::string& user_id, const std::string& key) = 0;
  virtual void put(const std::string& user_id, const std::string& key, const StoredResponse& r,
                   TimePoint now) = 0;
};

class AuditStore {
 public:
  virtual ~AuditStore() = default;
  virtual void append(const AuditEntry& entry) = 0;
  virtual std::vector<AuditEntry> recent(const std::string& team_id, int limit) = 0;
};

class SuppressionStore {
 public:
  virtual ~SuppressionStore() = default;
  // The subset of `email_keys` on the team's local suppression list.
  virtual std::vector<std::string> suppressed_among(const std::string& team_id,
                                                    const std::vector<std::string>& email_keys) = 0;
  // Adds the address unless it is already listed (an existing entry is never replaced);
  // true when it was new.
  virtual bool add(const std::string& team_id, const std::string& email, const std::string& source,
                   const std::string& reason, const std::optional<std::string>& created_by,
                   TimePoint now) = 0;
  virtual std::optional<Suppression> find(const std::string& team_id, const std::string& email_key) = 0;
  virtual bool remove(const std::string& team_id, const std::string& email_key) = 0;
  // A page in address order after `after_key`, optionally only addresses containing `search`.
  virtual std::vector<Suppression> list(const std::string& team_id, const std::string& search,
                                        const std::string& after_key, int limit) = 0;
};

class CampaignStore {
 public:
  virtual ~CampaignStore() = default;
  virtual void create(const Campaign& campaign) = 0;
  virtual std::optional<Campaign> find(const std::string& team_id, const std::string& id) = 0;
  virtual std::vector<Campaign> list(const std::string& team_id) = 0;
  virtual void add_enrollment(const Enrollment& enrollment) = 0;
  virtual std::optional<Enrollment> find_enrollment(const std::string& id) = 0;
  virtual std::vector<Enrollment> enrollments(const std::string& campaign_id) = 0;
  // Active enrollments of the campaign for any of `email_keys` (to refuse double enrollment).
  virtual std::vector<std::string> active_among(const std::string& campaign_id,
                                                const std::vector<std::string>& email_keys) = 0;
  // Active enrollments whose next step is due at `now`, oldest due first.
  virtual std::vector<Enrollment> due(TimePoint now, int limit) = 0;
  // Writes the enrollment only while it is still active with its step `enrollment.next_step`
  // due; false when a stop or another scheduler changed it first (the row stays locked until
  // the transaction ends). The step is part of the test: a scheduler holding a stale read
  // must not send a step again after it was sent and the next one fell due.
  virtual bool advance_due(const Enrollment& enrollment, TimePoint now) = 0;
  // Writes the enrollment only while it is still active and waiting on the email of step
  // `sent_step`; false when a stop came first or that step's outcome was already taken.
  virtual bool finish_step(const Enrollment& enrollment, int64_t sent_step, TimePoint now) = 0;
  // Stops every active enrollment of the team for this address; returns how many.
  virtual int stop_for_address(const std::string& team_id, const std::string& email_key,
                               const std::string& reason, TimePoint now) = 0;
  // Stops every active enrollment of the team whose address is on its suppression list.
  virtual int stop_suppressed(const std::string& team_id, TimePoint now) = 0;
};

// What Sendguard keeps of Marketo: unsubscribes waiting to be written back, the activity
// feed's position per team, and the mirror of addresses' unsubscribe state.
class MarketoSyncStore {
 public:
  virtual ~MarketoSyncStore() = default;
  virtual void enqueue_writeback(const std::string& team_id, const std::string& email, const std::string& reason,
                                 TimePoint now) = 0;
  virtual std::vector<WriteBack> due_writebacks(TimePoint now, int limit) = 0;
  virtual void finish_writeback(int64_t id, const std::string& outcome, TimePoint now) = 0;
  virtual void retry_writeback(int64_t id, int attempts, TimePoint next_attempt_at, const std::string& error) = 0;
  virtual SyncState sync_state(const std::string& team_id) = 0;
  // `learned_from` (here and in `mirror`) is the REST endpoint of the connection the news
  // came from. It is written only while the team is still connected there: a feed pass or
  // a lookup under way when the team moved to another instance cannot put back what the
  // move forgot.
  virtual void put_sync_state(const std::string& team_id, const std::string& learned_from,
                              const SyncState& state) = 0;
  // Teams whose check is on and who have a connection: the ones worth following.
  virtual std::vector<std::string> teams_to_sync() = 0;
  // Records what Marketo said of the address when asked at `seen_at` (take the time before
  // asking), unless the stored state was learned later: a slow answer never overwrites
  // newer news (a webhook's unsubscribe). At the same time an unsubscribe wins.
  virtual void mirror(const std::string& team_id, const std::string& learned_from, const MirrorNews& news,
                      TimePoint seen_at) = 0;
  virtual std::unordered_map<std::string, MirrorEntry> mirrored(const std::string& team_id,
                                                               const std::vector<std::string>& email_keys) = 0;
  virtual SeedState seed_state(const std::string& team_id) = 0;  // not_started when never seeded
  virtual void put_seed_state(const std::string& team_id, const SeedState& state) = 0;
  // Drops what the team learned from its Marketo instance (the mirror, the feed's position
  // and the seed): it says nothing of another instance. Write-backs stay due.
  virtual void forget_instance(const std::string& team_id) = 0;
  // Asks the instance that syncs (any instance may be asked) to read the team's feed at
  // once and, when `forget`, to drop what it keeps in memory of the team's instance.
  virtual void request_sync(const std::string& team_id, bool forget) = 0;
  virtual bool sync_requested() = 0;  // whether a request waits, without taking it
  // Takes every request made since the last call, one per team (a forget wins).
  virtual std::vector<SyncRequest> take_sync_requests() = 0;
};

// Each team's Marketo webhook (at most one; creating another replaces it).
class WebhookStore {
 public:
  virtual ~WebhookStore() = default;
  virtual void put(const MarketoWebhook& hook) = 0;
  virtual std::optional<MarketoWebhook> of_team(const std::string& team_id) = 0;
  virtual std::optional<MarketoWebhook> find(const std::string& hook_id) = 0;
  virtual bool remove(const std::string& team_id) = 0;
  virtual void called(const std::string& hook_id, TimePoint now) = 0;
};

// Teams' relay credentials; a revoked one is deleted.
class RelayCredentialStore {
 public:
  virtual ~RelayCredentialStore() = default;
  virtual void add(const RelayCredential& credential, const std::string& password_hash) = 0;
  virtual std::optional<RelayCredential> find(const std::string& id) = 0;
  virtual std::optional<RelayLogin> find_by_username(const std::string& username) = 0;
  // The team's credentials, oldest first.
  virtual std::vector<RelayCredential> list(const std::string& team_id) = 0;
  virtual bool remove(const std::string& id) = 0;
};

// Atomic units of work across the repositories of one database: what a service writing to
// several of them at once takes beside them.
class Transactions {
 public:
  virtual ~Transactions() = default;
  // Runs `work` atomically and returns what it returns: every write in it lands, or none
  // does (on exception).
  template <class Work>
  auto transaction(Work&& work) -> std::invoke_result_t<Work&> {
    using Result = std::invoke_result_t<Work&>;
    if constexpr (std::is_void_v<Result>) {
      in_transaction(work);
    } else {
      std::optional<Result> result;
      in_transaction([&] { result.emplace(work()); });
      return std::move(*result);
    }
  }
  // Like transaction() for small writes made often by many threads at once (accepting an
  // email, recording a delivery): they share one commit. `work` may run on another
  // thread; see Db::group_commit.
  virtual void group_commit(const std::function<void()>& work) = 0;
  // Several such works handed in at once by one thread, each undone alone when it throws;
  // what each threw comes back in its place. See Db::group_commit_each.
  virtual std::vector<std::exception_ptr> group_commit_each(std::span<const std::function<void()>> works) = 0;
  // Whether group_commit shares commits between threads (SQLite's one writer), or runs each
  // work as a transaction of its own, side by side with the others' (PostgreSQL's pool).
  virtual bool groups_commits() const = 0;

 protected:
  virtual void in_transaction(const std::function<void()>& work) = 0;
};

// All repositories of one database, plus atomic units of work across them.
class Store : public Transactions {
 public:
  virtual TeamStore& teams() = 0;
  virtual UserStore& users() = 0;
  virtual SettingsStore& settings() = 0;
  virtual ConnectionStore& connections() = 0;
  virtual EmailStore& emails() = 0;
  virtual IdempotencyStore& idempotency() = 0;
  virtual AuditStore& audit() = 0;
  virtual SuppressionStore& suppressions() = 0;
  virtual CampaignStore& campaigns() = 0;
  virtual MarketoSyncStore& marketo_sync() = 0;
  virtual WebhookStore& webhooks() = 0;
  virtual RelayCredentialStore& relay_credentials() = 0;
  // Marketo's daily budget and rate window as every instance on the database spends them.
  virtual marketo::BudgetLedger& marketo_budget() = 0;
  virtual marketo::WindowLedger& marketo_windows() = 0;
  // Who hears that this process changed a team's suppression list or mirror.
  virtual TeamChanges& unsubscribe_changes() = 0;
  // True when the database answers a trivial query.
  virtual bool ping() = 0;
  // True when other instances may use the database at the same time: leases left in it
  // may belong to a live instance.
  virtual bool shared() const = 0;
  // Which of the instances sharing the database runs the work only one may run.
  virtual Leadership& leadership() = 0;
};

}  // namespace sg::store
