// The repositories behind the Store interfaces, written once in SQL over the engine seam;
// each borrows the shared Db, which must outlive it. Internal to the store module.
#pragma once

#include "crypto/secret_key.h"
#include "store/db.h"
#include "store/stores.h"
#include "store/team_changes.h"

namespace sg::store {

class SqlTeams final : public TeamStore {
 public:
  explicit SqlTeams(Db& db) : db_(db) {}
  std::optional<Team> find_by_name(const std::string& name) override;
  Team create(const std::string& name, TimePoint now) override;
 private:
  Db& db_;
};

class SqlUsers final : public UserStore {
 public:
  explicit SqlUsers(Db& db) : db_(db) {}
  std::optional<User> find_by_email(const std::string& email_key) override;
  std::optional<User> find_by_token_hash(const std::string& token_hash) override;
  void create(const User& user, TimePoint now) override;
  std::optional<User> find_by_id(const std::string& id) override;
  std::vector<User> list(const std::string& team_id) override;
  void set_password_hash(const std::string& user_id, const std::string& hash) override;
  void set_role(const std::string& user_id, Role role) override;
  int count_admins(const std::string& team_id) override;
  void remove(const std::string& user_id, TimePoint now) override;
  std::optional<Team> team_of(const std::string& user_id) override;
  void add_token(const ApiToken& token, const std::string& token_hash) override;
  std::optional<ApiToken> find_token(const std::string& token_id) override;
  std::vector<ApiToken> tokens(const std::string& user_id) override;
  void remove_token(const std::string& token_id) override;
  void add_session(const std::string& token_hash, const Session& session, TimePoint now) override;
  std::optional<Session> find_session(const std::string& token_hash, TimePoint now) override;
  void remove_session(const std::string& token_hash) override;
  void remove_sessions_of(const std::string& user_id) override;
 private:
  Db& db_;
};

class SqlSettings final : public SettingsStore {
 public:
  explicit SqlSettings(Db& db) : db_(db) {}
  UnsubscribeSettings get(const std::string& team_id) override;
  void put(const std::string& team_id, const UnsubscribeSettings& s, TimePoint now) override;
 private:
  Db& db_;
};

class SqlConnections final : public ConnectionStore {
 public:
  SqlConnections(Db& db, const crypto::SecretKey& key) : db_(db), key_(key) {}
  std::optional<MarketoConnection> get(const std::string& team_id) override;
  std::optional<std::string> rest_endpoint(const std::string& team_id) override;
  void put(const std::string& team_id, const MarketoConnection& c) override;
  bool remove(const std::string& team_id) override;
 private:
  Db& db_;
  const crypto::SecretKey key_;
};

class SqlEmails final : public EmailStore {
 public:
  explicit SqlEmails(Db& db) : db_(db) {}
  void insert(const EmailRecord& email) override;
  std::optional<EmailRecord> find(const std::string& team_id, const std::string& id) override;
  std::vector<EmailRecord> list(const EmailFilter& filter) override;
  std::vector<EmailRecord> claim_due(TimePoint now, Millis lease, int limit, const std::string& claim) override;
  int extend_claims(const std::string& claim, TimePoint until) override;
  bool update_delivery(const EmailRecord& email, const std::string& claim) override;
  int release_all_claims() override;
  void release_claim(const std::string& id, const std::string& claim) override;
  void mark_delivered(const std::string& id, const std::vector<std::string>& delivered) override;
  std::vector<std::pair<std::string, int64_t>> count_by_status() override;
  void insert_bulk(const std::string& id, const std::string& team_id, const std::string& user_id,
                   Workflow mode, Source source, int64_t recipients, TimePoint now) override;
  std::vector<BlockStat> block_stats(const std::string& team_id, TimePoint since) override;
  void put_submitted_message(const std::string& email_id, const std::string& mime) override;
  std::optional<std::string> submitted_message(const std::string& email_id) override;
 private:
  Db& db_;
};

class SqlIdempotency final : public IdempotencyStore {
 public:
  explicit SqlIdempotency(Db& db) : db_(db) {}
  std::optional<StoredResponse> find(const std::string& user_id, const std::string& key) override;
  void put(const std::string& user_id, const std::string& key, const StoredResponse& r,
           TimePoint now) override;
 private:
  Db& db_;
};

class SqlAudit final : public AuditStore {
 public:
  explicit SqlAudit(Db& db) : db_(db) {}
  void append(const AuditEntry& entry) override;
  std::vector<AuditEntry> recent(const std::string& team_id, int limit) override;
 private:
  Db& db_;
};

class SqlSuppressions final : public SuppressionStore {
 public:
  SqlSuppressions(Db& db, TeamChanges& changes) : db_(db), changes_(changes) {}
  std::vector<std::string> suppressed_among(const std::string& team_id,
                                            const std::vector<std::string>& email_keys) override;
  bool add(const std::string& team_id, const std::string& email, const std::string& source,
           const std::string& reason, const std::optional<std::string>& created_by,
           TimePoint now) override;
  std::optional<Suppression> find(const std::string& team_id, const std::string& email_key) override;
  bool remove(const std::string& team_id, const std::string& email_key) override;
  std::vector<Suppression> list(const std::string& team_id, const std::string& search,
                                const std::string& after_key, int limit) override;
 private:
  Db& db_;
  TeamChanges& changes_;
};

class SqlCampaigns final : public CampaignStore {
 public:
  explicit SqlCampaigns(Db& db) : db_(db) {}
  void create(const Campaign& campaign) override;
  std::optional<Campaign> find(const std::string& team_id, const std::string& id) override;
  std::vector<Campaign> list(const std::string& team_id) override;
  void add_enrollment(const Enrollment& enrollment) override;
  std::optional<Enrollment> find_enrollment(const std::string& id) override;
  std::vector<Enrollment> enrollments(const std::string& campaign_id) override;
  std::vector<std::string> active_among(const std::string& campaign_id,
                                        const std::vector<std::string>& email_keys) override;
  std::vector<Enrollment> due(TimePoint now, int limit) override;
  bool advance_due(const Enrollment& enrollment, TimePoint now) override;
  bool finish_step(const Enrollment& enrollment, int64_t sent_step, TimePoint now) override;
  int stop_for_address(const std::string& team_id, const std::string& email_key,
                       const std::string& reason, TimePoint now) override;
  int stop_suppressed(const std::string& team_id, TimePoint now) override;
 private:
  static std::vector<CampaignStep> steps_of(Conn& conn, const std::string& campaign_id);
  Db& db_;
};

class SqlMarketoSync final : public MarketoSyncStore {
 public:
  SqlMarketoSync(Db& db, TeamChanges& changes) : db_(db), changes_(changes) {}
  void enqueue_writeback(const std::string& team_id, const std::string& email, const std::string& reason,
                         TimePoint now) override;
  std::vector<WriteBack> due_writebacks(TimePoint now, int limit) override;
  void finish_writeback(int64_t id, const std::string& outcome, TimePoint now) override;
  void retry_writeback(int64_t id, int attempts, TimePoint next_attempt_at, const std::string& error) override;
  SyncState sync_state(const std::string& team_id) override;
  void put_sync_state(const std::string& team_id, const std::string& learned_from, const SyncState& state) override;
  std::vector<std::string> teams_to_sync() override;
  void mirror(const std::string& team_id, const std::string& learned_from, const MirrorNews& news,
              TimePoint seen_at) override;
  std::unordered_map<std::string, MirrorEntry> mirrored(const std::string& team_id,
                                                       const std::vector<std::string>& email_keys) override;
  SeedState seed_state(const std::string& team_id) override;  // in sqlite_marketo_seed.cpp
  void put_seed_state(const std::string& team_id, const SeedState& state) override;
  void forget_instance(const std::string& team_id) override;
  void request_sync(const std::string& team_id, bool forget) override;
  bool sync_requested() override;
  std::vector<SyncRequest> take_sync_requests() override;
 private:
  Db& db_;
  TeamChanges& changes_;
};

class SqlWebhooks final : public WebhookStore {
 public:
  explicit SqlWebhooks(Db& db) : db_(db) {}
  void put(const MarketoWebhook& hook) override;
  std::optional<MarketoWebhook> of_team(const std::string& team_id) override;
  std::optional<MarketoWebhook> find(const std::string& hook_id) override;
  bool remove(const std::string& team_id) override;
  void called(const std::string& hook_id, TimePoint now) override;
 private:
  std::optional<MarketoWebhook> one(const char* where, const std::string& value);
  Db& db_;
};

class SqlRelayCredentials final : public RelayCredentialStore {
 public:
  explicit SqlRelayCredentials(Db& db) : db_(db) {}
  void add(const RelayCredential& credential, const std::string& password_hash) override;
  std::optional<RelayCredential> find(const std::string& id) override;
  std::optional<RelayLogin> find_by_username(const std::string& username) override;
  std::vector<RelayCredential> list(const std::string& team_id) override;
  bool remove(const std::string& id) override;
 private:
  Db& db_;
};

class SqlMarketoLimits final : public marketo::BudgetLedger, public marketo::WindowLedger {
 public:
  explicit SqlMarketoLimits(Db& db) : db_(db) {}
  void change(const std::string& key, const std::function<bool(marketo::BudgetDay&)>& change) override;
  marketo::BudgetDay read(const std::string& key) override;
  std::vector<marketo::BudgetDay> days() override;
  std::optional<int64_t> start_if(const std::string& key, TimePoint now, Millis window, TimePoint expires,
                                  const std::function<bool(const marketo::WindowState&)>& may_start) override;
  void release(int64_t permit) override;
  void pause_until(const std::string& key, TimePoint until, bool hold) override;
 private:
  Db& db_;
};

}  // namespace sg::store
