#include "store/sqlite_store.h"

#include "store/migrations.h"
#include "store/sqlite_repos.h"

namespace sg::store {
namespace {

class SqliteStore final : public Store {
 public:
  SqliteStore(const std::string& path, const crypto::SecretKey& key)
      : db_(path), teams_(db_), users_(db_), settings_(db_), connections_(db_, key), emails_(db_),
        idempotency_(db_), audit_(db_), suppressions_(db_), campaigns_(db_), marketo_sync_(db_),
        webhooks_(db_), relay_credentials_(db_) {
    migrate(db_);
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

  void transaction(const std::function<void()>& work) override {
    Transaction tx(db_);
    work();
    tx.commit();
  }

  bool ping() override {
    try {
      auto lock = db_.lock();
      auto s = db_.prepare("SELECT 1");
      return s.step();
    } catch (const StoreError&) {
      return false;
    }
  }

 private:
  SqliteDb db_;
  SqliteTeams teams_;
  SqliteUsers users_;
  SqliteSettings settings_;
  SqliteConnections connections_;
  SqliteEmails emails_;
  SqliteIdempotency idempotency_;
  SqliteAudit audit_;
  SqliteSuppressions suppressions_;
  SqliteCampaigns campaigns_;
  SqliteMarketoSync marketo_sync_;
  SqliteWebhooks webhooks_;
  SqliteRelayCredentials relay_credentials_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::string& path, const crypto::SecretKey& secrets_key) {
  return std::make_unique<SqliteStore>(path, secrets_key.derive("sendguard stored secrets v1"));
}

}  // namespace sg::store
