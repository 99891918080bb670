// StoreRelayCredentials over a real SQLite store: admins only, each team sees only its
// own, the password is shown once and kept only as its hash, and a revoked credential
// stops logging in at once.
#include "settings/relay_credentials.h"

#include <gtest/gtest.h>

#include "crypto/secret_key.h"
#include "fakes/fake_clock.h"
#include "fakes/temp_store.h"
#include "store/sqlite_db.h"

namespace sg::settings {
namespace {

class RelayCredentialsTest : public ::testing::Test {
 protected:
  RelayCredentialsTest() {
    for (const char* name : {"Acme", "Initech"}) {
      auto team = store->teams().create(name, clock.now());
      admins.push_back({"us_a_" + team.id, team.id, std::string("admin@") + name + ".com", true});
    }
    user = {"us_u", admins[0].team_id, "user@acme.com", false};
  }

  IssuedRelayCredential create(const Caller& c, const std::string& name = "Salesforce") {
    auto made = relay.create(c, name);
    EXPECT_TRUE(made) << (made ? "" : made.error().message);
    return made.value();
  }

  test::TempStore db_file;
  crypto::SecretKey key = crypto::SecretKey::from_bytes({});
  std::unique_ptr<store::Store> store = db_file.open(key);
  test::FakeClock clock;
  StoreRelayCredentials relay{{store->relay_credentials(), store->teams(), store->audit(), *store}, clock};
  std::vector<Caller> admins;
  Caller user;
};

TEST_F(RelayCredentialsTest, CreatesAGeneratedUsernameAndAPasswordThatLogsIn) {
  auto made = create(admins[0]);
  EXPECT_TRUE(made.info.id.starts_with("rc_"));
  EXPECT_TRUE(made.info.username.starts_with("sgr_"));
  EXPECT_EQ(std::string::npos, made.info.username.find('@')) << "never mistaken for a person's address";
  EXPECT_TRUE(made.password.starts_with("sgrp_"));
  EXPECT_GE(made.password.size(), 45u);
  EXPECT_EQ("Salesforce", made.info.name);
  EXPECT_EQ(admins[0].team_id, made.info.team_id);
  EXPECT_EQ(clock.now(), made.info.created_at);

  auto verified = relay.verify(made.info.username, made.password);
  ASSERT_TRUE(verified);
  EXPECT_EQ(made.info.id, verified->id);
  EXPECT_EQ(admins[0].team_id, verified->team_id);
}

TEST_F(RelayCredentialsTest, EachCredentialIsUnique) {
  auto a = create(admins[0]);
  auto b = create(admins[0]);
  EXPECT_NE(a.info.id, b.info.id);
  EXPECT_NE(a.info.username, b.info.username);
  EXPECT_NE(a.password, b.password);
}

TEST_F(RelayCredentialsTest, WrongPasswordUnknownUsernameOrAnotherCredentialsPasswordFail) {
  auto a = create(admins[0]);
  auto b = create(admins[1]);
  EXPECT_FALSE(relay.verify(a.info.username, a.password + "x"));
  EXPECT_FALSE(relay.verify(a.info.username, ""));
  EXPECT_FALSE(relay.verify(a.info.username, b.password));
  EXPECT_FALSE(relay.verify("sgr_nosuchcredential", a.password));
  EXPECT_FALSE(relay.verify(admins[0].email, a.password));
}

TEST_F(RelayCredentialsTest, ThePasswordIsStoredOnlyAsItsHash) {
  auto made = create(admins[0]);
  store::SqliteDb raw(db_file.path());
  auto conn = raw.connect();
  auto s = conn.prepare("SELECT id, team_id, name, username, password_hash, created_at FROM relay_credentials");
  ASSERT_TRUE(s.step());
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(std::string::npos, s.text(i).find(made.password.substr(5))) << "column " << i;
  EXPECT_EQ(64u, s.text(4).size()) << "a hex hash";
  auto listed = relay.list(admins[0]);
  ASSERT_TRUE(listed);
  ASSERT_EQ(1u, listed->size());
  EXPECT_EQ(made.info.username, (*listed)[0].username);
}

TEST_F(RelayCredentialsTest, OnlyAdminsCreateListAndRevoke) {
  auto made = create(admins[0]);
  auto created = relay.create(user, "Salesforce");
  ASSERT_FALSE(created);
  EXPECT_EQ(errc::forbidden, created.error().code);
  auto listed = relay.list(user);
  ASSERT_FALSE(listed);
  EXPECT_EQ(errc::forbidden, listed.error().code);
  Status revoked = relay.revoke(user, made.info.id);
  ASSERT_FALSE(revoked);
  EXPECT_EQ(errc::forbidden, revoked.error().code);
  EXPECT_TRUE(relay.verify(made.info.username, made.password)) << "a refused revoke changes nothing";
}

TEST_F(RelayCredentialsTest, AnotherTeamsCredentialIsNotFoundAndNotListed) {
  auto acme = create(admins[0]);
  Status revoked = relay.revoke(admins[1], acme.info.id);
  ASSERT_FALSE(revoked);
  EXPECT_EQ(errc::not_found, revoked.error().code);
  EXPECT_TRUE(relay.verify(acme.info.username, acme.password));
  auto listed = relay.list(admins[1]);
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty());
}

TEST_F(RelayCredentialsTest, RevokedCredentialStopsLoggingInAtOnce) {
  auto made = create(admins[0]);
  ASSERT_TRUE(relay.revoke(admins[0], made.info.id));
  EXPECT_FALSE(relay.verify(made.info.username, made.password));
  auto listed = relay.list(admins[0]);
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty());
  Status again = relay.revoke(admins[0], made.info.id);
  ASSERT_FALSE(again);
  EXPECT_EQ(errc::not_found, again.error().code);
}

TEST_F(RelayCredentialsTest, CreateAndRevokeAreAuditLogged) {
  auto made = create(admins[0]);
  ASSERT_TRUE(relay.revoke(admins[0], made.info.id));
  auto log = store->audit().recent(admins[0].team_id, 10);
  ASSERT_EQ(2u, log.size());
  EXPECT_EQ("relay_credential.revoked", log[0].action);
  EXPECT_EQ("relay_credential.created", log[1].action);
  EXPECT_EQ(admins[0].email, log[1].actor_email.value_or(""));
  ASSERT_TRUE(log[1].after_json);
  EXPECT_NE(std::string::npos, log[1].after_json->find(made.info.username));
  EXPECT_EQ(std::string::npos, log[1].after_json->find(made.password));
  EXPECT_TRUE(log[0].before_json);
  EXPECT_FALSE(log[0].after_json);
}

TEST_F(RelayCredentialsTest, NamesAreValidated) {
  for (const std::string& bad : {std::string(""), std::string("  "), std::string(101, 'a'), std::string("Sales\nforce"),
                                std::string("tab\there"), std::string("del\x7f"), std::string("c1 \xc2\x85"),
                                std::string("bad \xff utf8")}) {
    auto made = relay.create(admins[0], bad);
    ASSERT_FALSE(made) << bad;
    EXPECT_EQ(errc::invalid_request, made.error().code) << bad;
    EXPECT_EQ("name", made.error().field) << bad;
  }
  EXPECT_TRUE(relay.create(admins[0], std::string(100, 'a')));
  EXPECT_TRUE(relay.create(admins[0], "Sälesförce — EMEA")) << "non-ASCII is fine";
  std::string hundred_chars;
  for (int i = 0; i < 100; ++i) hundred_chars += "é";
  EXPECT_TRUE(relay.create(admins[0], hundred_chars)) << "counted in characters, not bytes";
  auto listed = relay.list(admins[0]);
  ASSERT_TRUE(listed);
  EXPECT_EQ(3u, listed->size());
}

TEST_F(RelayCredentialsTest, OperatorFormsWorkByTeamName) {
  auto made = relay.create("Initech", "Salesforce");
  ASSERT_TRUE(made);
  EXPECT_EQ(admins[1].team_id, made->info.team_id);
  auto listed = relay.list("Initech");
  ASSERT_TRUE(listed);
  ASSERT_EQ(1u, listed->size());
  EXPECT_FALSE(relay.create("Nobody", "Salesforce"));
  EXPECT_EQ(errc::not_found, relay.list("Nobody").error().code);
  ASSERT_TRUE(relay.revoke(made->info.id));
  EXPECT_FALSE(relay.verify(made->info.username, made->password));
  EXPECT_EQ(errc::not_found, relay.revoke(made->info.id).error().code);
  auto log = store->audit().recent(admins[1].team_id, 10);
  ASSERT_EQ(2u, log.size());
  EXPECT_FALSE(log[0].actor_user_id) << "the operator has no user";
}

}  // namespace
}  // namespace sg::settings
