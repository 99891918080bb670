// Accounts over a real SQLite store and a fake clock: users and API tokens, password
// sign-in with its throttle, and web sessions.
#include "settings/accounts.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "crypto/secret_key.h"
#include "crypto/tokens.h"
#include "fakes/fake_clock.h"
#include "fakes/temp_store.h"

namespace sg::settings {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

const std::string kPassword = "correct horse battery";

class AccountsTest : public ::testing::Test {
 protected:
  AccountsTest() { accounts = std::make_unique<Accounts>(stores(), clock, Millis(hours(1))); }
  AccountsStores stores() { return {store->users(), store->teams(), *store}; }

  CreatedUser created(NewUser user) {
    auto u = accounts->add_user(user);
    EXPECT_TRUE(u) << (u ? "" : u.error().message);
    return u.value();
  }
  CreatedUser ann() { return created({"Acme", "Ann@Acme.com", Role::Admin, kPassword}); }

  // `n` failed sign-ins for `email` from one client.
  void fail_from(const std::string& email, int n, const std::string& client) {
    for (int i = 0; i < n; ++i) {
      auto r = accounts->sign_in(email, "wrong password", client);
      ASSERT_FALSE(r);
      ASSERT_EQ("unauthorized", r.error().code) << "attempt " << i + 1;
    }
  }
  // `n` failed sign-ins for `email`, each from its own client so only the account counts.
  void fail_from_many_clients(const std::string& email, int n, const std::string& prefix = "10.0.0.") {
    for (int i = 0; i < n; ++i) {
      auto r = accounts->sign_in(email, "wrong password", prefix + std::to_string(i + 1));
      ASSERT_FALSE(r);
      ASSERT_EQ("unauthorized", r.error().code) << "attempt " << i + 1;
    }
  }

  sg::test::TempStore db_file;
  crypto::SecretKey key = crypto::SecretKey::from_bytes({});
  std::unique_ptr<store::Store> store = db_file.open(key);
  sg::test::FakeClock clock;
  std::unique_ptr<Accounts> accounts;
};

// --- users and tokens ---

TEST_F(AccountsTest, AddUserCreatesTheTeamOnceAndAnApiToken) {
  CreatedUser first = ann();
  EXPECT_TRUE(first.team_created);
  EXPECT_EQ(0u, first.user_id.rfind("us_", 0));
  EXPECT_EQ(0u, first.api_token.rfind("sgt_", 0));

  CreatedUser second = created({"Acme", "bob@acme.com", Role::User, std::nullopt});
  EXPECT_FALSE(second.team_created);
  EXPECT_EQ(first.team_id, second.team_id);

  auto user = store->users().find_by_email("ann@acme.com");
  ASSERT_TRUE(user);
  EXPECT_EQ("Ann@Acme.com", user->email);
  EXPECT_EQ(Role::Admin, user->role);
  ASSERT_TRUE(user->password_hash);
  EXPECT_NE(kPassword, *user->password_hash) << "only a hash is stored";
}

TEST_F(AccountsTest, AddUserRefusesARepeatedAddressAndBadInput) {
  ann();
  auto again = accounts->add_user({"Initech", "ANN@acme.com", Role::User, std::nullopt});
  ASSERT_FALSE(again);
  EXPECT_EQ("user_exists", again.error().code);
  EXPECT_FALSE(store->teams().find_by_name("Initech")) << "nothing is created";

  auto bad_email = accounts->add_user({"Acme", "not an address", Role::User, std::nullopt});
  ASSERT_FALSE(bad_email);
  EXPECT_EQ("email", bad_email.error().field);
  auto short_password = accounts->add_user({"Acme", "cy@acme.com", Role::User, std::string("1234567")});
  ASSERT_FALSE(short_password);
  EXPECT_EQ("password", short_password.error().field);
  auto no_team = accounts->add_user({"", "cy@acme.com", Role::User, std::nullopt});
  ASSERT_FALSE(no_team);
  EXPECT_EQ("team", no_team.error().field);
}

TEST_F(AccountsTest, TokensAuthenticateTheirUser) {
  CreatedUser u = ann();
  auto caller = accounts->authenticate(u.api_token);
  ASSERT_TRUE(caller);
  EXPECT_EQ(u.user_id, caller->user_id);
  EXPECT_EQ(u.team_id, caller->team_id);
  EXPECT_EQ("Ann@Acme.com", caller->email);
  EXPECT_TRUE(caller->admin);

  auto issued = accounts->issue_token("ann@ACME.com", "laptop");
  ASSERT_TRUE(issued);
  EXPECT_NE(u.api_token, issued->value);
  EXPECT_EQ("laptop", issued->info.name);
  EXPECT_TRUE(accounts->authenticate(issued->value));
  EXPECT_TRUE(accounts->authenticate(u.api_token)) << "an earlier token keeps working";
}

TEST_F(AccountsTest, UnknownOrMalformedTokensAuthenticateNobody) {
  CreatedUser u = ann();
  EXPECT_FALSE(accounts->authenticate(""));
  EXPECT_FALSE(accounts->authenticate("sgt_not-a-real-token"));
  EXPECT_FALSE(accounts->authenticate(u.api_token.substr(4))) << "without its prefix";
  EXPECT_FALSE(accounts->authenticate(u.api_token + "x"));
}

TEST_F(AccountsTest, AMemberTokenIsNotAnAdmin) {
  ann();
  CreatedUser bob = created({"Acme", "bob@acme.com", Role::User, std::nullopt});
  auto caller = accounts->authenticate(bob.api_token);
  ASSERT_TRUE(caller);
  EXPECT_FALSE(caller->admin);
}

TEST_F(AccountsTest, IssueTokenForAnUnknownUserIsNotFound) {
  auto issued = accounts->issue_token("nobody@acme.com", "cli");
  ASSERT_FALSE(issued);
  EXPECT_EQ("not_found", issued.error().code);
}

// --- sign-in ---

TEST_F(AccountsTest, SignInWithTheRightPasswordStartsASession) {
  CreatedUser u = ann();
  auto s = accounts->sign_in("ann@acme.COM", kPassword, "10.0.0.1");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(u.user_id, s->caller.user_id);
  EXPECT_EQ(u.team_id, s->caller.team_id);
  EXPECT_EQ("Ann@Acme.com", s->caller.email);
  EXPECT_TRUE(s->caller.admin);
  EXPECT_EQ("Acme", s->team_name);
  EXPECT_EQ(0u, s->session_token.rfind("sgs_", 0));
  EXPECT_FALSE(s->csrf_token.empty());
  EXPECT_NE(s->session_token, s->csrf_token);
  EXPECT_EQ(clock.now() + hours(1), s->expires_at);

  auto live = accounts->session(s->session_token);
  ASSERT_TRUE(live);
  EXPECT_EQ(u.user_id, live->caller.user_id);
  EXPECT_TRUE(live->caller.admin);
  EXPECT_EQ("Acme", live->team_name);
  EXPECT_EQ("", live->session_token) << "the cookie's token is never given out again";
  EXPECT_EQ(s->csrf_token, live->csrf_token);
  EXPECT_EQ(s->expires_at, live->expires_at);
}

TEST_F(AccountsTest, EachSignInIsItsOwnSession) {
  ann();
  auto a = accounts->sign_in("ann@acme.com", kPassword, "10.0.0.1");
  auto b = accounts->sign_in("ann@acme.com", kPassword, "10.0.0.2");
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_NE(a->session_token, b->session_token);
  EXPECT_NE(a->csrf_token, b->csrf_token);
}

TEST_F(AccountsTest, AWrongPasswordAndAnUnknownUserGetTheSameError) {
  ann();
  created({"Acme", "api-only@acme.com", Role::User, std::nullopt});
  auto wrong = accounts->sign_in("ann@acme.com", "wrong password", "10.0.0.1");
  auto unknown = accounts->sign_in("nobody@acme.com", kPassword, "10.0.0.2");
  auto no_password = accounts->sign_in("api-only@acme.com", "no such user", "10.0.0.3");
  for (const auto* r : {&wrong, &unknown, &no_password}) {
    ASSERT_FALSE(*r);
    EXPECT_EQ("unauthorized", r->error().code);
    EXPECT_EQ("the email or password is not right", r->error().message);
    EXPECT_EQ("", r->error().field);
    EXPECT_EQ(0, r->error().retry_after_seconds);
  }
}

TEST_F(AccountsTest, AFailedSignInStartsNoSession) {
  ann();
  ASSERT_FALSE(accounts->sign_in("ann@acme.com", "wrong password", "10.0.0.1"));
  EXPECT_FALSE(accounts->session("sgs_anything"));
}

// --- the throttle ---

TEST_F(AccountsTest, TheFifthFailureFromOneClientLocksThatClientOutOfTheAccount) {
  ann();
  fail_from("ann@acme.com", 5, "203.0.113.9");
  auto locked = accounts->sign_in("Ann@acme.com", kPassword, "203.0.113.9");
  ASSERT_FALSE(locked);
  EXPECT_EQ("rate_limited", locked.error().code);
  EXPECT_EQ(30, locked.error().retry_after_seconds);
  EXPECT_EQ("too many failed sign-ins; try again in 30 s", locked.error().message);

  clock.advance(seconds(10) + Millis(500));
  auto later = accounts->sign_in("ann@acme.com", kPassword, "203.0.113.9");
  ASSERT_FALSE(later);
  EXPECT_EQ(20, later.error().retry_after_seconds) << "19.5 s left, rounded up";

  clock.advance(Millis(19500));
  EXPECT_TRUE(accounts->sign_in("ann@acme.com", kPassword, "203.0.113.9"));
}

TEST_F(AccountsTest, AnAttackerLockingThemselvesOutDoesNotLockOutTheOwner) {
  // Given an attacker who used up their guesses at Ann's account, when Ann signs in from
  // her own address, then she gets in: the lock holds the attacker's address, not the account.
  ann();
  fail_from("ann@acme.com", 5, "203.0.113.9");
  ASSERT_EQ("rate_limited", accounts->sign_in("ann@acme.com", kPassword, "203.0.113.9").error().code);
  auto owner = accounts->sign_in("ann@acme.com", kPassword, "198.51.100.7");
  ASSERT_TRUE(owner) << owner.error().message;
  EXPECT_TRUE(clock.sleeps().empty()) << "five failures do not slow the account down yet";
}

TEST_F(AccountsTest, AnAccountGuessedFromManyClientsIsSlowedDownButNeverLocked) {
  ann();
  fail_from_many_clients("ann@acme.com", 10);
  ASSERT_TRUE(clock.sleeps().empty()) << "the first ten failures cost no wait";
  auto guess = accounts->sign_in("ann@acme.com", "wrong password", "10.0.9.1");
  ASSERT_FALSE(guess);
  EXPECT_EQ("unauthorized", guess.error().code);
  EXPECT_EQ(std::vector<Millis>{Millis(1000)}, clock.sleeps()) << "each further attempt waits a second";

  auto owner = accounts->sign_in("ann@acme.com", kPassword, "198.51.100.7");
  ASSERT_TRUE(owner) << "the right password still gets in: " << owner.error().message;
  EXPECT_EQ(2u, clock.sleeps().size());
  ASSERT_FALSE(accounts->sign_in("ann@acme.com", "wrong password", "10.0.9.2"));
  EXPECT_EQ(2u, clock.sleeps().size()) << "the owner's success ends the slowdown";
}

TEST_F(AccountsTest, AnUnknownAccountIsLockedLikeAKnownOne) {
  fail_from("nobody@acme.com", 5, "10.0.1.1");
  auto locked = accounts->sign_in("nobody@acme.com", "x", "10.0.1.1");
  ASSERT_FALSE(locked);
  EXPECT_EQ("rate_limited", locked.error().code) << "no telling known from unknown addresses";
}

TEST_F(AccountsTest, TheWaitGrowsWithEachFailureAfterALock) {
  ann();
  fail_from("ann@acme.com", 5, "10.0.2.1");
  std::vector<int> waits;
  for (int i = 0; i < 3; ++i) {
    auto locked = accounts->sign_in("ann@acme.com", "wrong password", "10.0.2.1");
    ASSERT_FALSE(locked);
    ASSERT_EQ("rate_limited", locked.error().code);
    waits.push_back(locked.error().retry_after_seconds);
    clock.advance(seconds(locked.error().retry_after_seconds));
    auto failed = accounts->sign_in("ann@acme.com", "wrong password", "10.0.2.1");
    ASSERT_FALSE(failed);
    ASSERT_EQ("unauthorized", failed.error().code);
  }
  EXPECT_EQ((std::vector<int>{30, 60, 120}), waits);
}

TEST_F(AccountsTest, ParallelGuessesCannotOutrunTheThrottle) {
  // Given 30 wrong guesses racing from one client, then at most the five the design allows
  // are checked; the others are refused before any hashing.
  ann();
  std::atomic<int> unauthorized{0}, limited{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 30; ++i)
    threads.emplace_back([&] {
      auto r = accounts->sign_in("ann@acme.com", "wrong password", "203.0.113.9");
      if (!r && r.error().code == "unauthorized") ++unauthorized;
      if (!r && r.error().code == "rate_limited") ++limited;
    });
  for (auto& t : threads) t.join();
  // Fewer than five when a checked guess outwaits the hash slots on a loaded machine: that
  // refusal is rate_limited too.
  EXPECT_LE(unauthorized.load(), 5);
  EXPECT_GE(unauthorized.load(), 1);
  EXPECT_EQ(30, unauthorized.load() + limited.load());
}

TEST_F(AccountsTest, FiveFailuresFromOneClientLockThatClientForEveryAccount) {
  ann();
  for (const char* who : {"a@x.com", "b@x.com", "c@x.com", "d@x.com", "e@x.com"})
    ASSERT_EQ("unauthorized", accounts->sign_in(who, "guess", "203.0.113.9").error().code);
  auto locked = accounts->sign_in("ann@acme.com", kPassword, "203.0.113.9");
  ASSERT_FALSE(locked);
  EXPECT_EQ("rate_limited", locked.error().code);
  EXPECT_EQ(30, locked.error().retry_after_seconds);
  EXPECT_TRUE(accounts->sign_in("ann@acme.com", kPassword, "198.51.100.7")) << "another client is not held up";
}

TEST_F(AccountsTest, ASuccessClearsTheAccountsFailuresFromThatClient) {
  ann();
  fail_from("ann@acme.com", 4, "10.0.1.1");
  ASSERT_TRUE(accounts->sign_in("ann@acme.com", kPassword, "10.0.1.1"));
  fail_from("ann@acme.com", 4, "10.0.3.1");
  auto fifth = accounts->sign_in("ann@acme.com", "wrong password", "10.0.1.1");
  ASSERT_FALSE(fifth);
  EXPECT_EQ("unauthorized", fifth.error().code) << "four failures since the success, not nine";
}

TEST_F(AccountsTest, ASuccessDoesNotClearTheClientsFailures) {
  ann();
  for (const char* who : {"a@x.com", "b@x.com", "c@x.com", "d@x.com"})
    ASSERT_EQ("unauthorized", accounts->sign_in(who, "guess", "203.0.113.9").error().code);
  ASSERT_TRUE(accounts->sign_in("ann@acme.com", kPassword, "203.0.113.9"));
  ASSERT_EQ("unauthorized", accounts->sign_in("e@x.com", "guess", "203.0.113.9").error().code);
  auto locked = accounts->sign_in("ann@acme.com", kPassword, "203.0.113.9");
  ASSERT_FALSE(locked);
  EXPECT_EQ("rate_limited", locked.error().code);
}

// --- sessions ---

TEST_F(AccountsTest, ASessionEndsWhenItExpires) {
  ann();
  auto s = accounts->sign_in("ann@acme.com", kPassword, "10.0.0.1");
  ASSERT_TRUE(s);
  clock.advance(hours(1) - Millis(1));
  EXPECT_TRUE(accounts->session(s->session_token));
  clock.advance(Millis(1));
  EXPECT_FALSE(accounts->session(s->session_token));
}

TEST_F(AccountsTest, SignOutEndsOnlyThatSession) {
  ann();
  auto a = accounts->sign_in("ann@acme.com", kPassword, "10.0.0.1");
  auto b = accounts->sign_in("ann@acme.com", kPassword, "10.0.0.2");
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  accounts->sign_out(a->session_token);
  EXPECT_FALSE(accounts->session(a->session_token));
  EXPECT_TRUE(accounts->session(b->session_token));
  accounts->sign_out(a->session_token);  // again: harmless
}

TEST_F(AccountsTest, OnlySessionTokensOpenASession) {
  CreatedUser u = ann();
  auto s = accounts->sign_in("ann@acme.com", kPassword, "10.0.0.1");
  ASSERT_TRUE(s);
  EXPECT_FALSE(accounts->session(""));
  EXPECT_FALSE(accounts->session(s->csrf_token));
  EXPECT_FALSE(accounts->session(u.api_token));
  EXPECT_FALSE(accounts->session("sgs_" + s->session_token.substr(4, 10)));
  EXPECT_FALSE(accounts->authenticate(s->session_token)) << "a cookie is not an API token";
}

// --- passwords ---

TEST_F(AccountsTest, SetPasswordReplacesTheOldOne) {
  ann();
  ASSERT_TRUE(accounts->set_password("ANN@acme.com", "a brand new one"));
  EXPECT_EQ("unauthorized", accounts->sign_in("ann@acme.com", kPassword, "10.0.0.1").error().code);
  EXPECT_TRUE(accounts->sign_in("ann@acme.com", "a brand new one", "10.0.0.2"));
}

TEST_F(AccountsTest, SetPasswordGivesAnApiOnlyUserASignIn) {
  created({"Acme", "bob@acme.com", Role::User, std::nullopt});
  ASSERT_TRUE(accounts->set_password("bob@acme.com", "bobs password"));
  auto s = accounts->sign_in("bob@acme.com", "bobs password", "10.0.0.1");
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->caller.admin);
}

TEST_F(AccountsTest, SetPasswordRefusesAShortPasswordOrAnUnknownUser) {
  ann();
  Status short_one = accounts->set_password("ann@acme.com", "1234567");
  ASSERT_FALSE(short_one);
  EXPECT_EQ("invalid_request", short_one.error().code);
  EXPECT_EQ("password", short_one.error().field);
  EXPECT_TRUE(accounts->sign_in("ann@acme.com", kPassword, "10.0.0.1")) << "unchanged";

  Status unknown = accounts->set_password("nobody@acme.com", "long enough");
  ASSERT_FALSE(unknown);
  EXPECT_EQ("not_found", unknown.error().code);
}

TEST_F(AccountsTest, SetPasswordEndsEverySessionOfThatUser) {
  ann();
  created({"Acme", "bob@acme.com", Role::User, kPassword});
  auto a = accounts->sign_in("ann@acme.com", kPassword, "10.0.0.1");
  auto b = accounts->sign_in("bob@acme.com", kPassword, "10.0.0.1");
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  ASSERT_TRUE(accounts->set_password("ann@acme.com", "a brand new one"));
  EXPECT_FALSE(accounts->session(a->session_token)) << "whoever knew the old password is signed out";
  EXPECT_TRUE(accounts->session(b->session_token)) << "other users keep theirs";
}

// --- team administration ---

class TeamAdminTest : public AccountsTest {
 protected:
  TeamAdminTest() {
    admin = accounts->authenticate(ann().api_token).value();
    bob_created = created({"Acme", "bob@acme.com", Role::User, kPassword});
    bob = accounts->authenticate(bob_created.api_token).value();
    gus = accounts->authenticate(created({"Globex", "gus@globex.com", Role::Admin, std::nullopt}).api_token).value();
  }
  Caller admin, bob, gus;
  CreatedUser bob_created;
};

TEST_F(TeamAdminTest, AnAdminListsTheTeamsMembersOnly) {
  auto members = accounts->members(admin);
  ASSERT_TRUE(members);
  ASSERT_EQ(2u, members->size());
  EXPECT_EQ("Ann@Acme.com", (*members)[0].email);
  EXPECT_EQ("bob@acme.com", (*members)[1].email);
  EXPECT_EQ("forbidden", accounts->members(bob).error().code);
}

TEST_F(TeamAdminTest, RolesChangeButTheLastAdminStays) {
  auto promoted = accounts->set_role(admin, bob.user_id, Role::Admin);
  ASSERT_TRUE(promoted);
  EXPECT_EQ(Role::Admin, promoted->role);
  EXPECT_TRUE(accounts->authenticate(bob_created.api_token)->admin) << "the new role applies at once";
  ASSERT_TRUE(accounts->set_role(admin, admin.user_id, Role::User)) << "another admin remains";
  Caller bob_now = accounts->authenticate(bob_created.api_token).value();
  auto last = accounts->set_role(bob_now, bob.user_id, Role::User);
  ASSERT_FALSE(last);
  EXPECT_EQ("last_admin", last.error().code);
  EXPECT_EQ("last_admin", accounts->set_role("bob@acme.com", Role::User).error().code) << "the command line too";
}

TEST_F(TeamAdminTest, OnlyAdminsManageOthersAndOnlyInTheirTeam) {
  EXPECT_EQ("forbidden", accounts->set_role(bob, admin.user_id, Role::User).error().code);
  EXPECT_EQ("forbidden", accounts->set_role(bob, bob.user_id, Role::Admin).error().code) << "no self-promotion";
  EXPECT_EQ("forbidden", accounts->remove_user(bob, admin.user_id).error().code);
  EXPECT_EQ("not_found", accounts->set_role(gus, bob.user_id, Role::Admin).error().code);
  EXPECT_EQ("not_found", accounts->remove_user(gus, bob.user_id).error().code);
  EXPECT_EQ("not_found", accounts->remove_user(admin, "us_nobody").error().code);
  EXPECT_FALSE(accounts->authenticate(bob_created.api_token)->admin) << "nothing changed";
}

TEST_F(TeamAdminTest, RemovingAUserEndsItsTokensAndSessionsAndFreesItsAddress) {
  auto session = accounts->sign_in("bob@acme.com", kPassword, "10.0.0.1");
  ASSERT_TRUE(session);
  ASSERT_TRUE(accounts->remove_user(admin, bob.user_id));
  EXPECT_FALSE(accounts->authenticate(bob_created.api_token));
  EXPECT_FALSE(accounts->session(session->session_token));
  EXPECT_EQ("unauthorized", accounts->sign_in("bob@acme.com", kPassword, "10.0.0.2").error().code);
  EXPECT_EQ(1u, accounts->members(admin)->size());
  EXPECT_TRUE(accounts->add_user({"Acme", "bob@acme.com", Role::User, std::nullopt})) << "the address can return";
  EXPECT_EQ("last_admin", accounts->remove_user(admin, admin.user_id).error().code);
  EXPECT_EQ("last_admin", accounts->remove_user("ann@acme.com").error().code);
}

TEST_F(TeamAdminTest, TokensAreListedWithoutValuesAndRevokedById) {
  auto issued = accounts->create_token(bob, "ci");
  ASSERT_TRUE(issued);
  EXPECT_EQ(bob.user_id, issued->info.user_id);
  auto mine = accounts->tokens(bob, std::nullopt);
  ASSERT_TRUE(mine);
  ASSERT_EQ(2u, mine->size());
  EXPECT_EQ("initial", (*mine)[0].name);
  EXPECT_EQ("ci", (*mine)[1].name);
  EXPECT_EQ("invalid_request", accounts->create_token(bob, "").error().code);

  ASSERT_TRUE(accounts->revoke_token(bob, issued->info.id));
  EXPECT_FALSE(accounts->authenticate(issued->value));
  EXPECT_TRUE(accounts->authenticate(bob_created.api_token)) << "only that token";
  EXPECT_EQ("not_found", accounts->revoke_token(bob, issued->info.id).error().code);
}

TEST_F(TeamAdminTest, AdminsSeeAndRevokeTheirMembersTokensNoOneElseDoes) {
  auto admins_view = accounts->tokens(admin, bob.user_id);
  ASSERT_TRUE(admins_view);
  ASSERT_EQ(1u, admins_view->size());
  std::string bobs = (*admins_view)[0].id;
  EXPECT_EQ("forbidden", accounts->tokens(bob, admin.user_id).error().code);
  EXPECT_EQ("not_found", accounts->tokens(gus, bob.user_id).error().code);
  std::string anns = accounts->tokens(admin, std::nullopt)->at(0).id;
  EXPECT_EQ("not_found", accounts->revoke_token(bob, anns).error().code);
  EXPECT_EQ("not_found", accounts->revoke_token(gus, bobs).error().code);
  EXPECT_TRUE(accounts->authenticate(bob_created.api_token));
  ASSERT_TRUE(accounts->revoke_token(admin, bobs));
  EXPECT_FALSE(accounts->authenticate(bob_created.api_token));
}

TEST_F(TeamAdminTest, TheOperatorListsAndRevokesTokensByAddressAndId) {
  auto listed = accounts->tokens("BOB@acme.com");
  ASSERT_TRUE(listed);
  ASSERT_EQ(1u, listed->size());
  ASSERT_TRUE(accounts->revoke_token((*listed)[0].id));
  EXPECT_FALSE(accounts->authenticate(bob_created.api_token));
  EXPECT_EQ("not_found", accounts->revoke_token((*listed)[0].id).error().code);
  EXPECT_EQ("not_found", accounts->tokens("nobody@acme.com").error().code);
}

// Another process on the same database (the command line, another instance): its changes
// reach this one's cached callers only when they expire.
TEST_F(TeamAdminTest, ATokenRevokedElsewhereIsRefusedOnceItsCachedCallerExpires) {
  Accounts elsewhere(stores(), clock);
  auto listed = elsewhere.tokens("bob@acme.com");
  ASSERT_TRUE(listed);
  ASSERT_TRUE(elsewhere.revoke_token((*listed)[0].id));
  EXPECT_TRUE(accounts->authenticate(bob_created.api_token)) << "cached when the fixture authenticated";
  clock.advance(kCallerCacheTtl);
  EXPECT_FALSE(accounts->authenticate(bob_created.api_token));
}

TEST_F(TeamAdminTest, ARoleChangedOrUserRemovedElsewhereIsSeenOnceTheCachedCallerExpires) {
  Accounts elsewhere(stores(), clock);
  ASSERT_TRUE(elsewhere.set_role("bob@acme.com", Role::Admin));
  EXPECT_FALSE(accounts->authenticate(bob_created.api_token)->admin);
  clock.advance(kCallerCacheTtl);
  EXPECT_TRUE(accounts->authenticate(bob_created.api_token)->admin);

  ASSERT_TRUE(elsewhere.remove_user("bob@acme.com"));
  clock.advance(kCallerCacheTtl);
  EXPECT_FALSE(accounts->authenticate(bob_created.api_token));
}

TEST_F(TeamAdminTest, ChangesMadeInThisProcessAreSeenAtOnce) {
  ASSERT_TRUE(accounts->set_role(admin, bob.user_id, Role::Admin));
  EXPECT_TRUE(accounts->authenticate(bob_created.api_token)->admin) << "no wait for the cache";
  ASSERT_TRUE(accounts->remove_user(admin, bob.user_id));
  EXPECT_FALSE(accounts->authenticate(bob_created.api_token));
}

}  // namespace
}  // namespace sg::settings
