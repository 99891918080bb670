// MarketoWebhooks over a real SQLite store: the secret is shown once and stored hashed,
// rotation replaces it, and a call touches only the team of the hook its secret opens.
#include "settings/marketo_webhooks.h"

#include <gtest/gtest.h>

#include "crypto/secret_key.h"
#include "crypto/tokens.h"
#include "fakes/fake_clock.h"
#include "fakes/temp_store.h"

namespace sg::settings {
namespace {

class WebhooksTest : public ::testing::Test {
 protected:
  WebhooksTest() {
    for (const char* name : {"Acme", "Initech"}) {
      auto team = store->teams().create(name, clock.now());
      store->connections().put(team.id, {"https://1-abc.mktorest.com/rest", "https://1-abc.mktorest.com/identity",
                                         "id", "secret", clock.now()});
      admins.push_back({"us_" + team.id, team.id, std::string("admin@") + name + ".com", true});
    }
    WebhookHooks hooks;
    hooks.heard = [this](const std::string& team, const std::string& key, bool unsubscribed) {
      heard.push_back(team + " " + key + (unsubscribed ? " true" : " false"));
    };
    hooks.called = [this](const std::string& team) { called.push_back(team); };
    webhooks = std::make_unique<MarketoWebhooks>(
        MarketoWebhooksStores{store->webhooks(), store->connections(), store->marketo_sync(), store->audit(), *store},
        clock, hooks);
  }

  NewWebhook create(const Caller& c) {
    auto made = webhooks->create(c);
    EXPECT_TRUE(made) << (made ? "" : made.error().message);
    return made.value();
  }
  std::optional<store::MirrorEntry> mirrored(const std::string& team, const std::string& key) {
    auto m = store->marketo_sync().mirrored(team, {key});
    if (!m.count(key)) return std::nullopt;
    return m.at(key);
  }

  test::TempStore db_file;
  crypto::SecretKey key = crypto::SecretKey::from_bytes({});
  std::unique_ptr<store::Store> store = db_file.open(key);
  test::FakeClock clock;
  std::vector<Caller> admins;
  std::vector<std::string> heard, called;
  std::unique_ptr<MarketoWebhooks> webhooks;
};

TEST_F(WebhooksTest, TheSecretIsShownOnceAndStoredOnlyAsItsHash) {
  auto made = create(admins[0]);
  EXPECT_TRUE(made.hook_id.starts_with("wh_"));
  EXPECT_GE(made.secret.size(), 40u);
  auto stored = store->webhooks().of_team(admins[0].team_id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(made.hook_id, stored->hook_id);
  EXPECT_EQ(crypto::token_hash(made.secret), stored->secret_hash);
  EXPECT_EQ(std::string::npos, stored->secret_hash.find(made.secret));
  EXPECT_TRUE(webhooks->authenticate(made.hook_id, made.secret));
}

TEST_F(WebhooksTest, RotatingReplacesIdAndSecret) {
  auto first = create(admins[0]);
  auto second = create(admins[0]);
  EXPECT_NE(first.hook_id, second.hook_id);
  EXPECT_NE(first.secret, second.secret);
  EXPECT_FALSE(webhooks->authenticate(first.hook_id, first.secret));
  EXPECT_FALSE(webhooks->authenticate(second.hook_id, first.secret));
  EXPECT_TRUE(webhooks->authenticate(second.hook_id, second.secret));
  auto log = store->audit().recent(admins[0].team_id, 10);
  ASSERT_EQ(2u, log.size());
  EXPECT_EQ("integrations.marketo.webhook.rotated", log[0].action);
  EXPECT_EQ("integrations.marketo.webhook.created", log[1].action);
}

TEST_F(WebhooksTest, WrongMissingOrOtherTeamsSecretIsUnauthorized) {
  auto acme = create(admins[0]);
  auto initech = create(admins[1]);
  for (auto secret : {std::optional<std::string>(), std::optional<std::string>(""),
                      std::optional<std::string>(acme.secret + "x"), std::optional<std::string>(initech.secret)}) {
    auto r = webhooks->authenticate(acme.hook_id, secret);
    ASSERT_FALSE(r);
    EXPECT_EQ("unauthorized", r.error().code);
  }
  EXPECT_FALSE(webhooks->authenticate("wh_unknown", acme.secret));
}

TEST_F(WebhooksTest, OnlyAdminsOfAConnectedTeamSetItUp) {
  Caller member = admins[0];
  member.admin = false;
  EXPECT_EQ("forbidden", webhooks->create(member).error().code);
  EXPECT_EQ("forbidden", webhooks->remove(member).error().code);
  store->connections().remove(admins[0].team_id);
  EXPECT_EQ("marketo_not_connected", webhooks->create(admins[0]).error().code);
  EXPECT_FALSE(store->webhooks().of_team(admins[0].team_id));
}

TEST_F(WebhooksTest, DeletingStopsTheSecretAndIsLogged) {
  auto made = create(admins[0]);
  ASSERT_TRUE(webhooks->remove(admins[0]));
  EXPECT_FALSE(webhooks->authenticate(made.hook_id, made.secret));
  EXPECT_EQ("not_found", webhooks->remove(admins[0]).error().code);
  EXPECT_EQ("integrations.marketo.webhook.deleted", store->audit().recent(admins[0].team_id, 1)[0].action);
}

TEST_F(WebhooksTest, AnUnsubscribeIsMirroredAtOnceForTheHooksTeamOnly) {
  auto made = create(admins[0]);
  auto hook = webhooks->authenticate(made.hook_id, made.secret);
  ASSERT_TRUE(hook);
  clock.advance(Millis(5000));
  webhooks->receive(*hook, {"ann@x.com", true, 7});
  auto m = mirrored(admins[0].team_id, "ann@x.com");
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->unsubscribed);
  EXPECT_FALSE(mirrored(admins[1].team_id, "ann@x.com"));
  EXPECT_EQ(clock.now(), store->webhooks().of_team(admins[0].team_id)->last_call_at);
  EXPECT_EQ((std::vector<std::string>{admins[0].team_id + " ann@x.com true"}), heard);
  EXPECT_EQ((std::vector<std::string>{admins[0].team_id}), called);
}

TEST_F(WebhooksTest, NotUnsubscribedNeverClearsTheMirror) {
  auto made = create(admins[0]);
  auto hook = webhooks->authenticate(made.hook_id, made.secret);
  webhooks->receive(*hook, {"ann@x.com", true, std::nullopt});
  webhooks->receive(*hook, {"ann@x.com", false, std::nullopt});
  EXPECT_TRUE(mirrored(admins[0].team_id, "ann@x.com")->unsubscribed);
  webhooks->receive(*hook, {"bob@x.com", false, std::nullopt});
  EXPECT_FALSE(mirrored(admins[0].team_id, "bob@x.com")) << "a 'false' is never recorded as a trusted answer";
  EXPECT_EQ(admins[0].team_id + " bob@x.com false", heard.back());
}

}  // namespace
}  // namespace sg::settings
