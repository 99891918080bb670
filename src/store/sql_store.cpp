#include "store/open_store.h"

#include "store/migrations.h"
#include "store/sql_repos.h"
#include "store/sqlite_db.h"
#include "store/sqlite_migrations.h"
#include "store/postgres_db.h"
#include "store/postgres_migrations.h"

namespace sg::store {
namespace {

class SqlStore final : public Store {
 public:
  SqlStore(std::unique_ptr<Db> db, const crypto::SecretKey& key)
      : db_(std::move(db)), teams_(*db_), users_(*db_), settings_(*db_), connections_(*db_, key), emails_(*db_),
        idempotency_(*db_), audit_(*db_), suppressions_(*db_, changes_), campaigns_(*db_),
        marketo_sync_(*db_, changes_),
        webhooks_(*db_), relay_credentials_(*db_), marketo_limits_(*db_) {
    migrate(*db_, db_->engine() == Engine::sqlite ? sqlite_migrations() : postgres_migrations());
  }

  TeamStore& teams() override { return teams_; }
  UserStore& users() override { return users_; }
  SettingsStore& settings() override { return settings_; }
  ConnectionStore& connections() override { return connections_; }
  EmailStore& emails() override { return emails_; }
  IdempotencyStore& idempotency() override { return idempotency_; }
  AuditStore& audit() override { return audit_; }
  SuppressionStore& suppressions() override { return suppressions_; }
  CampaignStore& campaigns() override { return campaigns_; }
  MarketoSyncStore& marketo_sync() override { return marketo_sync_; }
  WebhookStore& webhooks() override { return webhooks_; }
  RelayCredentialStore& relay_credentials() override { return relay_credentials_; }
  marketo::BudgetLedger& marketo_budget() override { return marketo_limits_; }
  marketo::WindowLedger& marketo_windows() override { return marketo_limits_; }
  TeamChanges& unsubscribe_changes() override { return changes_; }

  void in_transaction(const std::function<void()>& work) override { db_->transaction(work); }
  void group_commit(const std::function<void()>& work) override { db_->group_commit(work); }
  std::vector<std::exception_ptr> group_commit_each(std::span<const std::function<void()>> works) override {
    return db_->group_commit_each(works);
  }
  bool groups_commits() const override { return db_->engine() == Engine::sqlite; }

  bool shared() const override { return db_->shared(); }
  Leadership& leadership() override { return db_->leadership(); }

  bool ping() override {
    try {
      auto conn = db_->connect();
      return conn.prepare("SELECT 1").step();
    } catch (const StoreError&) {
      return false;
    }
  }

 private:
  std::unique_ptr<Db> db_;
  TeamChanges changes_;  // before the repositories that tell it
  SqlTeams teams_;
  SqlUsers users_;
  SqlSettings settings_;
  SqlConnections connections_;
  SqlEmails emails_;
  SqlIdempotency idempotency_;
  SqlAudit audit_;
  SqlSuppressions suppressions_;
  SqlCampaigns campaigns_;
  SqlMarketoSync marketo_sync_;
  SqlWebhooks webhooks_;
  SqlRelayCredentials relay_credentials_;
  SqlMarketoLimits marketo_limits_;
};

}  // namespace

std::unique_ptr<Store> open_store(std::unique_ptr<Db> db, const crypto::SecretKey& secrets_key) {
  return std::make_unique<SqlStore>(std::move(db), secrets_key.derive("sendguard stored secrets v1"));
}

std::unique_ptr<Store> open_sqlite_store(const std::string& path, int readers, const crypto::SecretKey& secrets_key) {
  return open_store(std::make_unique<SqliteDb>(path, readers), secrets_key);
}

std::unique_ptr<Store> open_postgres_store(const std::string& url, int pool_size,
                                           const crypto::SecretKey& secrets_key) {
  return open_store(open_postgres(url, pool_size), secrets_key);
}

}  // namespace sg::store
