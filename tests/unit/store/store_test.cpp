// The store on both engines: round trips, leases, sealed secrets, paging; and SQLite's own
// migration history.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "fakes/engine_store.h"
#include "store/sqlite_migrations.h"
#include "store/sqlite_db.h"
#include "store/team_changes.h"

namespace sg::store {
namespace {

class StoreTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    if (!db.available()) GTEST_SKIP() << sg::test::EngineStore::kUnavailable;
    store = db.open();
    team = store->teams().create("Acme", now);
    store->users().create({"us_1", team.id, "Ann@Acme.com", Role::Admin, std::nullopt}, now);
  }

  EmailRecord email(const std::string& id, TimePoint created) {
    EmailRecord e;
    e.id = id;
    e.team_id = team.id;
    e.user_id = "us_1";
    e.from = "ann@acme.com";
    e.to = {"Bob@X.com"};
    e.subject = "Hi";
    e.message_id = "<" + id + "@test>";
    e.created_at = e.next_attempt_at = created;
    return e;
  }

  sg::test::EngineStore db{GetParam()};
  std::unique_ptr<Store> store;
  TimePoint now = from_unix_millis(1'800'000'000'000);
  Team team;
};

SG_INSTANTIATE_ON_BOTH_ENGINES(StoreTest);

// What only SQLite has: its file on disk and its history of migrations.
using SqliteStoreTest = StoreTest;
INSTANTIATE_TEST_SUITE_P(Engines, SqliteStoreTest, ::testing::Values(Engine::sqlite), sg::test::engine_name);

TEST_P(StoreTest, UsersAreFoundCaseInsensitivelyAndByTokenHash) {
  ASSERT_TRUE(store->users().find_by_email("ann@acme.com"));
  EXPECT_EQ("Ann@Acme.com", store->users().find_by_email("ann@acme.com")->email);
  store->users().add_token({"tk_1", "us_1", "laptop", now}, "hash1");
  auto u = store->users().find_by_token_hash("hash1");
  ASSERT_TRUE(u);
  EXPECT_EQ(Role::Admin, u->role);
  EXPECT_FALSE(store->users().find_by_token_hash("other"));
}

TEST_P(StoreTest, TokensAreListedAndRemovedByIdWithoutTheirHash) {
  store->users().add_token({"tk_2", "us_1", "ci", now + Millis(1)}, "hash2");
  store->users().add_token({"tk_1", "us_1", "laptop", now}, "hash1");
  auto tokens = store->users().tokens("us_1");
  ASSERT_EQ(2u, tokens.size());
  EXPECT_EQ("tk_1", tokens[0].id) << "oldest first";
  EXPECT_EQ("laptop", tokens[0].name);
  EXPECT_EQ(now, tokens[0].created_at);
  ASSERT_TRUE(store->users().find_token("tk_2"));
  store->users().remove_token("tk_2");
  EXPECT_FALSE(store->users().find_token("tk_2"));
  EXPECT_FALSE(store->users().find_by_token_hash("hash2"));
  EXPECT_TRUE(store->users().find_by_token_hash("hash1"));
}

TEST_P(StoreTest, ARemovedUserIsInvisibleAndItsAddressFree) {
  store->users().add_token({"tk_1", "us_1", "laptop", now}, "hash1");
  store->users().add_session("shash", {"us_1", "csrf", now + Millis(60000)}, now);
  store->users().remove("us_1", now);
  EXPECT_FALSE(store->users().find_by_id("us_1"));
  EXPECT_FALSE(store->users().find_by_email("ann@acme.com"));
  EXPECT_FALSE(store->users().find_by_token_hash("hash1"));
  EXPECT_FALSE(store->users().find_session("shash", now));
  EXPECT_TRUE(store->users().list(team.id).empty());
  EXPECT_EQ(0, store->users().count_admins(team.id));
  store->users().create({"us_9", team.id, "ann@acme.com", Role::User, std::nullopt}, now);
  EXPECT_EQ("us_9", store->users().find_by_email("ann@acme.com")->id) << "the address can be given again";
}

TEST_P(StoreTest, SettingsDefaultOffAndRoundTrip) {
  auto s = store->settings().get(team.id);
  EXPECT_FALSE(s.marketo_check_enabled);
  EXPECT_EQ(FailPolicy::Block, s.on_check_unavailable);
  store->settings().put(team.id, {true, FailPolicy::Send}, now);
  s = store->settings().get(team.id);
  EXPECT_TRUE(s.marketo_check_enabled);
  EXPECT_EQ(FailPolicy::Send, s.on_check_unavailable);
}

TEST_P(SqliteStoreTest, ClientSecretIsSealedAtRest) {
  store->connections().put(team.id, {"https://r/rest", "https://r/identity", "cid", "s3cr3t-value", now});
  auto c = store->connections().get(team.id);
  ASSERT_TRUE(c);
  EXPECT_EQ("s3cr3t-value", c->client_secret);
  store.reset();  // flush the WAL into the main file
  std::string bytes;
  for (const auto& entry : std::filesystem::directory_iterator(db.sqlite_file().dir())) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    bytes += ss.str();
  }
  EXPECT_EQ(std::string::npos, bytes.find("s3cr3t-value"));
  EXPECT_NE(std::string::npos, bytes.find("cid"));
}

TEST_P(StoreTest, ConnectionRemoval) {
  EXPECT_FALSE(store->connections().remove(team.id));
  store->connections().put(team.id, {"https://r/rest", "https://r/identity", "cid", "s", now});
  EXPECT_EQ("https://r/rest", store->connections().rest_endpoint(team.id));
  EXPECT_TRUE(store->connections().remove(team.id));
  EXPECT_FALSE(store->connections().get(team.id));
  EXPECT_FALSE(store->connections().rest_endpoint(team.id));
}

TEST_P(StoreTest, EmailRoundTrip) {
  auto e = email("em_1", now);
  e.cc = {"c@x.com"};
  e.bcc = {"d@x.com"};
  e.html = "<p>é</p>";
  store->emails().insert(e);
  auto got = store->emails().find(team.id, "em_1");
  ASSERT_TRUE(got);
  EXPECT_EQ(e.to, got->to);
  EXPECT_EQ(e.cc, got->cc);
  EXPECT_EQ(e.bcc, got->bcc);
  EXPECT_EQ(e.html, got->html);
  EXPECT_EQ(EmailStatus::Queued, got->status);
  EXPECT_FALSE(store->emails().find("tm_other", "em_1"));
}

TEST_P(StoreTest, ClaimLeasesDueEmailsUntilTheLeaseRunsOut) {
  store->emails().insert(email("em_due", now));
  store->emails().insert(email("em_later", now + Millis(60000)));
  auto first = store->emails().claim_due(now, Millis(5000), 10, "cl_a");
  ASSERT_EQ(1u, first.size());
  EXPECT_EQ("em_due", first[0].id);
  EXPECT_TRUE(store->emails().claim_due(now + Millis(1000), Millis(5000), 10, "cl_b").empty());
  // The worker died: once the lease expires the email is due again.
  auto again = store->emails().claim_due(now + Millis(5000), Millis(5000), 10, "cl_b");
  ASSERT_EQ(1u, again.size());
  EXPECT_EQ("em_due", again[0].id);
}

TEST_P(StoreTest, ARenewedLeaseKeepsItsEmailsFromOtherClaims) {
  store->emails().insert(email("em_1", now));
  store->emails().insert(email("em_2", now));
  ASSERT_EQ(2u, store->emails().claim_due(now, Millis(5000), 10, "cl_a").size());
  EXPECT_EQ(2, store->emails().extend_claims("cl_a", now + Millis(9000)));
  EXPECT_TRUE(store->emails().claim_due(now + Millis(6000), Millis(5000), 10, "cl_b").empty());
  auto taken = store->emails().claim_due(now + Millis(9000), Millis(5000), 10, "cl_b");
  EXPECT_EQ(2u, taken.size()) << "not renewed again: the leases ran out";
}

TEST_P(StoreTest, ALeaseIsRenewedOnlyForTheEmailsItsClaimStillHolds) {
  store->emails().insert(email("em_sent", now));
  store->emails().insert(email("em_back", now));
  store->emails().insert(email("em_lost", now));
  store->emails().insert(email("em_kept", now));
  ASSERT_EQ(4u, store->emails().claim_due(now, Millis(5000), 10, "cl_a").size());
  auto sent = email("em_sent", now);
  sent.status = EmailStatus::Sent;
  sent.sent_at = now;
  EXPECT_TRUE(store->emails().update_delivery(sent, "cl_a"));
  store->emails().release_claim("em_back", "cl_a");
  // Another claim, once cl_a ran out, took the two still queued; then the first one
  // renews (a worker paused longer than its lease) and frees what it thinks is its own.
  store->emails().extend_claims("cl_a", now + Millis(1000));  // only em_lost and em_kept
  auto other = store->emails().claim_due(now + Millis(5000), Millis(5000), 10, "cl_b");
  ASSERT_EQ(3u, other.size());  // em_back, em_lost, em_kept
  EXPECT_EQ(0, store->emails().extend_claims("cl_a", now + Millis(60000)));
  store->emails().release_claim("em_lost", "cl_a");
  EXPECT_TRUE(store->emails().claim_due(now + Millis(6000), Millis(5000), 10, "cl_c").empty())
      << "cl_b's leases are neither renewed nor freed by cl_a";
  EXPECT_EQ(3, store->emails().extend_claims("cl_b", now + Millis(20000)));
}

TEST_P(StoreTest, FinalEmailsAreNeverClaimed) {
  auto e = email("em_1", now);
  store->emails().insert(e);
  ASSERT_EQ(1u, store->emails().claim_due(now, Millis(5000), 10, "cl_a").size());
  e.status = EmailStatus::Sent;
  e.sent_at = now;
  ASSERT_TRUE(store->emails().update_delivery(e, "cl_a"));
  EXPECT_TRUE(store->emails().claim_due(now + Millis(1000), Millis(5000), 10, "cl_b").empty());
}

TEST_P(StoreTest, ABatchWhoseLeaseWasTakenOverCannotUndoTheNewHoldersOutcome) {
  auto e = email("em_1", now);
  store->emails().insert(e);
  ASSERT_EQ(1u, store->emails().claim_due(now, Millis(5000), 10, "cl_a").size());
  // cl_a stalled past its lease; cl_b took the email over and sent it.
  ASSERT_EQ(1u, store->emails().claim_due(now + Millis(5000), Millis(5000), 10, "cl_b").size());
  auto sent = e;
  sent.status = EmailStatus::Sent;
  sent.sent_at = now + Millis(5100);
  ASSERT_TRUE(store->emails().update_delivery(sent, "cl_b"));
  // cl_a wakes up and records a retry: the email must stay sent, not go back to the queue.
  auto retry = e;
  retry.reason = "smtp_retrying: 421";
  retry.attempts = 1;
  retry.next_attempt_at = now + Millis(6000);
  EXPECT_FALSE(store->emails().update_delivery(retry, "cl_a"));
  auto got = store->emails().find(team.id, "em_1");
  EXPECT_EQ(EmailStatus::Sent, got->status);
  EXPECT_EQ(0, got->attempts);
  EXPECT_TRUE(store->emails().claim_due(now + Millis(60000), Millis(5000), 10, "cl_c").empty());
}

TEST_P(StoreTest, DeliveredRecipientsSurvive) {
  store->emails().insert(email("em_1", now));
  store->emails().mark_delivered("em_1", {"Bob@X.com"});
  EXPECT_EQ((std::vector<std::string>{"Bob@X.com"}), store->emails().find(team.id, "em_1")->delivered);
}

TEST_P(StoreTest, ListPagesNewestFirstWithFilters) {
  for (int i = 0; i < 5; ++i) store->emails().insert(email("em_" + std::to_string(i), now + Millis(i)));
  auto blocked = email("em_blocked", now + Millis(10));
  blocked.status = EmailStatus::Blocked;
  store->emails().insert(blocked);

  EmailFilter f{team.id, std::nullopt, EmailStatus::Queued, std::nullopt, 2, std::nullopt};
  auto page1 = store->emails().list(f);
  ASSERT_EQ(2u, page1.size());
  EXPECT_EQ("em_4", page1[0].id);
  EXPECT_EQ("em_3", page1[1].id);
  f.after = std::pair{to_unix_millis(page1[1].created_at), page1[1].id};
  auto page2 = store->emails().list(f);
  ASSERT_EQ(2u, page2.size());
  EXPECT_EQ("em_2", page2[0].id);

  EmailFilter only_blocked{team.id, std::nullopt, EmailStatus::Blocked, std::nullopt, 10, std::nullopt};
  ASSERT_EQ(1u, store->emails().list(only_blocked).size());
  EmailFilter other_user{team.id, std::string("us_2"), std::nullopt, std::nullopt, 10, std::nullopt};
  EXPECT_TRUE(store->emails().list(other_user).empty());
}

TEST_P(StoreTest, TransactionRollsBackOnException) {
  EXPECT_THROW(store->transaction([&] {
                 store->emails().insert(email("em_1", now));
                 throw std::runtime_error("boom");
               }),
               std::runtime_error);
  EXPECT_FALSE(store->emails().find(team.id, "em_1"));
}

// Copies kept for fast checks drop a team's entries when told; told too early, a check
// could copy what the transaction is about to replace.
TEST_P(StoreTest, ChangesToWhatChecksReadAreHeardOnceTheirTransactionHasEnded) {
  std::vector<std::string> heard;
  std::vector<std::string> last_keys;
  store->unsubscribe_changes().listen([&](const std::string& team_id, const std::vector<std::string>& keys) {
    heard.push_back(team_id);
    last_keys = keys;
  });
  store->transaction([&] {
    EXPECT_TRUE(store->suppressions().add(team.id, "a@x.com", "manual", "", std::nullopt, now));
    EXPECT_TRUE(heard.empty());
  });
  EXPECT_EQ(std::vector<std::string>{team.id}, heard);
  EXPECT_FALSE(store->suppressions().add(team.id, "a@x.com", "manual", "", std::nullopt, now));
  EXPECT_EQ(1u, heard.size());  // nothing changed
  EXPECT_TRUE(store->suppressions().remove(team.id, "a@x.com"));
  EXPECT_EQ(2u, heard.size());  // outside a transaction: at once
  EXPECT_THROW(store->transaction([&] {
                 store->marketo_sync().forget_instance(team.id);
                 throw std::runtime_error("boom");
               }),
               std::runtime_error);
  EXPECT_EQ(3u, heard.size());  // rolled back, and still heard: dropping a copy is always safe
  EXPECT_TRUE(last_keys.empty());  // every address of the team

  const std::string rest = "https://r/rest";
  store->connections().put(team.id, {rest, "https://r/identity", "cid", "s", now});
  store->marketo_sync().mirror(team.id, rest, {{"ann@x.com", true}, {"bob@x.com", false}}, now);
  EXPECT_EQ(4u, heard.size());
  EXPECT_EQ((std::vector<std::string>{"ann@x.com", "bob@x.com"}), last_keys);  // only what the news named
}

// Works handed in together share a commit (on SQLite; PostgreSQL commits each on its own);
// one that fails, by throwing or by a database error, loses only its own writes and only
// its caller sees the error.
TEST_P(StoreTest, AGroupCommitUndoesOnlyTheWorkThatFailed) {
  constexpr int kOthers = 6;
  bool grouped = false;
  for (int round = 0; round < 20 && !grouped; ++round) {
    const std::string prefix = "em_r" + std::to_string(round) + "_";
    std::atomic<int> ready{0};
    std::atomic<bool> ran_elsewhere{false};
    std::vector<std::string> failures(kOthers);
    std::atomic<bool> holding{false};
    std::thread first([&] {
      store->group_commit([&] {
        store->emails().insert(email(prefix + "first", now));
        holding = true;
        // Holds the commit while the others line up behind it, to form the next group.
        while (ready.load() < kOthers) std::this_thread::yield();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      });
    });
    while (!holding.load()) std::this_thread::yield();
    std::vector<std::thread> others;
    for (int i = 0; i < kOthers; ++i) {
      others.emplace_back([&, i] {
        const auto caller = std::this_thread::get_id();
        ++ready;
        try {
          store->group_commit([&] {
            if (std::this_thread::get_id() != caller) ran_elsewhere = true;
            store->emails().insert(email(prefix + std::to_string(i), now));
            if (i == 2) store->emails().insert(email(prefix + "first", now));  // a duplicate id
            if (i == 4) throw std::runtime_error("changed my mind");
          });
        } catch (const std::exception& e) {
          failures[static_cast<size_t>(i)] = e.what();
        }
      });
    }
    first.join();
    for (auto& t : others) t.join();
    grouped = ran_elsewhere;

    EXPECT_TRUE(store->emails().find(team.id, prefix + "first"));
    for (int i = 0; i < kOthers; ++i) {
      const bool failed = i == 2 || i == 4;
      EXPECT_EQ(!failed, store->emails().find(team.id, prefix + std::to_string(i)).has_value()) << prefix << i;
      EXPECT_EQ(failed, !failures[static_cast<size_t>(i)].empty()) << prefix << i << ": " << failures[i];
    }
    EXPECT_EQ("changed my mind", failures[4]);
  }
  if (GetParam() == Engine::sqlite) EXPECT_TRUE(grouped) << "no work was ever committed by another caller's thread";
  else EXPECT_FALSE(grouped) << "PostgreSQL's pool commits each work on its caller's thread";
}

// Several works handed in at once (the outbox's outcomes): each that fails loses only its
// own writes and gets its own error back, in its place.
TEST_P(StoreTest, WorksHandedInTogetherFailEachOnItsOwn) {
  std::vector<std::function<void()>> works{
      [&] { store->emails().insert(email("em_0", now)); },
      [&] {
        store->emails().insert(email("em_1", now));
        store->emails().insert(email("em_0", now));  // a duplicate id
      },
      [&] {
        store->emails().insert(email("em_2", now));
        throw std::runtime_error("changed my mind");
      },
      [&] { store->emails().insert(email("em_3", now)); }};
  std::vector<std::exception_ptr> failures = store->group_commit_each(works);
  ASSERT_EQ(4u, failures.size());
  EXPECT_FALSE(failures[0]);
  EXPECT_TRUE(failures[1]);
  ASSERT_TRUE(failures[2]);
  EXPECT_THROW(std::rethrow_exception(failures[2]), std::runtime_error);
  EXPECT_FALSE(failures[3]);
  for (const auto& [id, kept] : {std::pair{"em_0", true}, {"em_1", false}, {"em_2", false}, {"em_3", true}})
    EXPECT_EQ(kept, store->emails().find(team.id, id).has_value()) << id;
}

TEST_P(StoreTest, ASubmittedMessageIsKeptByteForByteWithItsEmail) {
  const std::string mime("Subject: caf\xe9\r\n\r\nbinary \0 byte\r\n", 32);
  store->transaction([&] {
    store->emails().insert(email("em_1", now));
    store->emails().put_submitted_message("em_1", mime);
  });
  store->emails().insert(email("em_2", now));
  EXPECT_EQ(mime, store->emails().submitted_message("em_1"));
  EXPECT_FALSE(store->emails().submitted_message("em_2")) << "an email Sendguard builds has none";
  // Every read of an email says whether it has one.
  EXPECT_TRUE(store->emails().find(team.id, "em_1")->submitted);
  EXPECT_FALSE(store->emails().find(team.id, "em_2")->submitted);
  auto claimed = store->emails().claim_due(now, Millis{30000}, 10, "cl_1");
  ASSERT_EQ(2u, claimed.size());
  for (const auto& e : claimed) EXPECT_EQ(e.id == "em_1", e.submitted) << e.id;
}

TEST_P(StoreTest, ASubmittedMessageGoesWithItsEmailWhenTheTransactionFails) {
  EXPECT_THROW(store->transaction([&] {
                 store->emails().insert(email("em_1", now));
                 store->emails().put_submitted_message("em_1", "Subject: x\r\n\r\nx\r\n");
                 throw std::runtime_error("crash");
               }),
               std::runtime_error);
  EXPECT_FALSE(store->emails().find(team.id, "em_1"));
  EXPECT_FALSE(store->emails().submitted_message("em_1"));
}

TEST_P(StoreTest, IdempotencyKeysPerUser) {
  store->idempotency().put("us_1", "k1", {"hash", 1, "{}"}, now);
  auto got = store->idempotency().find("us_1", "k1");
  ASSERT_TRUE(got);
  EXPECT_EQ("hash", got->request_hash);
  EXPECT_FALSE(store->idempotency().find("us_2", "k1"));
}

TEST_P(StoreTest, SuppressionsMatchCaseInsensitively) {
  store->suppressions().add(team.id, "Gone@X.com", "manual", "asked", std::nullopt, now);
  EXPECT_EQ((std::vector<std::string>{"gone@x.com"}),
            store->suppressions().suppressed_among(team.id, {"ok@x.com", "gone@x.com"}));
  EXPECT_TRUE(store->suppressions().suppressed_among("tm_other", {"gone@x.com"}).empty());
}

TEST_P(StoreTest, TheMirrorKeepsTheNewestAnswerWhateverOrderTheyArriveIn) {
  // A lookup asked before a webhook's unsubscribe, answered after it, is older news.
  auto& sync = store->marketo_sync();
  const std::string rest = "https://r/rest";
  store->connections().put(team.id, {rest, "https://r/identity", "cid", "s", now});
  const TimePoint asked = now, webhook = now + Millis(50), later = now + Millis(100);
  sync.mirror(team.id, rest, {{"ann@x.com", true}}, webhook);
  sync.mirror(team.id, rest, {{"ann@x.com", false}}, asked);
  EXPECT_TRUE(sync.mirrored(team.id, {"ann@x.com"}).at("ann@x.com").unsubscribed);
  EXPECT_EQ(webhook, sync.mirrored(team.id, {"ann@x.com"}).at("ann@x.com").seen_at);
  sync.mirror(team.id, rest, {{"ann@x.com", false}}, webhook);
  EXPECT_TRUE(sync.mirrored(team.id, {"ann@x.com"}).at("ann@x.com").unsubscribed) << "a tie keeps the unsubscribe";
  sync.mirror(team.id, rest, {{"ann@x.com", false}}, later);
  EXPECT_FALSE(sync.mirrored(team.id, {"ann@x.com"}).at("ann@x.com").unsubscribed) << "a resubscribe learned later";
  sync.mirror(team.id, rest, {{"ann@x.com", true}}, later);
  EXPECT_TRUE(sync.mirrored(team.id, {"ann@x.com"}).at("ann@x.com").unsubscribed);
}

TEST_P(StoreTest, NewsFromAnInstanceTheTeamLeftIsNotWritten) {
  // A feed pass or a lookup still reading the old instance ends after the team moved on:
  // what it learned must not come back once the move has forgotten the old instance.
  auto& sync = store->marketo_sync();
  const std::string old_rest = "https://old/rest", new_rest = "https://new/rest";
  store->connections().put(team.id, {old_rest, "https://old/identity", "cid", "s", now});
  store::SyncState state;
  state.paging_token = "OLD";
  state.confirmed_at = now;
  sync.put_sync_state(team.id, old_rest, state);
  sync.mirror(team.id, old_rest, {{"ann@x.com", false}}, now);
  ASSERT_EQ("OLD", sync.sync_state(team.id).paging_token);

  store->transaction([&] {
    store->connections().put(team.id, {new_rest, "https://new/identity", "cid", "s", now});
    sync.forget_instance(team.id);
  });
  sync.put_sync_state(team.id, old_rest, state);
  sync.mirror(team.id, old_rest, {{"ann@x.com", false}, {"bob@y.com", true}}, now + Millis(1));
  EXPECT_FALSE(sync.sync_state(team.id).paging_token);
  EXPECT_TRUE(sync.mirrored(team.id, {"ann@x.com", "bob@y.com"}).empty());

  state.paging_token = "NEW";
  sync.put_sync_state(team.id, new_rest, state);
  sync.mirror(team.id, new_rest, {{"ann@x.com", true}}, now + Millis(2));
  EXPECT_EQ("NEW", sync.sync_state(team.id).paging_token);
  EXPECT_TRUE(sync.mirrored(team.id, {"ann@x.com"}).at("ann@x.com").unsubscribed);
}

TEST_P(StoreTest, SyncRequestsAreTakenOncePerTeamAndAForgetWins) {
  auto& sync = store->marketo_sync();
  EXPECT_TRUE(sync.take_sync_requests().empty());
  EXPECT_FALSE(sync.sync_requested());
  sync.request_sync("tm_a", false);
  EXPECT_TRUE(sync.sync_requested());
  sync.request_sync("tm_b", true);
  sync.request_sync("tm_b", false);  // a nudge after a forget keeps the forget
  sync.request_sync("tm_a", false);
  auto taken = sync.take_sync_requests();
  std::sort(taken.begin(), taken.end(), [](const auto& l, const auto& r) { return l.team_id < r.team_id; });
  ASSERT_EQ(2u, taken.size());
  EXPECT_EQ("tm_a", taken[0].team_id);
  EXPECT_FALSE(taken[0].forget);
  EXPECT_EQ("tm_b", taken[1].team_id);
  EXPECT_TRUE(taken[1].forget);
  EXPECT_TRUE(sync.take_sync_requests().empty()) << "taken once";
  EXPECT_FALSE(sync.sync_requested());
}

TEST_P(SqliteStoreTest, EveryMigrationIsStrict) {
  // A migration runs once per version; one finding its table already there means the
  // schema is not what its version says, and must stop rather than pass unnoticed.
  store.reset();
  SqliteDb raw(db.sqlite_file().path());
  auto conn = raw.connect();
  EXPECT_ANY_THROW(conn.exec(std::string(migration_sql(8)))) << "marketo_webhooks exists already";
}

TEST_P(StoreTest, ReopeningKeepsDataAndSchema) {
  store->emails().insert(email("em_1", now));
  store = db.open();
  EXPECT_TRUE(store->emails().find(team.id, "em_1"));
  EXPECT_TRUE(store->ping());
}

TEST_P(StoreTest, SilentEmailsAreListedOnlyWithSilentDrops) {
  auto shown = email("em_shown", now);
  auto silent = email("em_silent", now + Millis(1));
  silent.workflow = Workflow::Group;
  silent.status = EmailStatus::Suppressed;
  silent.silent = true;
  store->emails().insert(shown);
  store->emails().insert(silent);
  EXPECT_TRUE(store->emails().find(team.id, "em_silent")->silent);
  EXPECT_FALSE(store->emails().find(team.id, "em_shown")->silent);

  EmailFilter all{team.id, std::nullopt, std::nullopt, std::nullopt, 10, std::nullopt};
  EXPECT_EQ(2u, store->emails().list(all).size());
  all.include_silent_drops = false;
  auto listed = store->emails().list(all);
  ASSERT_EQ(1u, listed.size());
  EXPECT_EQ("em_shown", listed[0].id);
}

TEST_P(StoreTest, SilenceIsWrittenByUpdateDelivery) {
  auto e = email("em_1", now);
  e.workflow = Workflow::Group;
  store->emails().insert(e);
  ASSERT_EQ(1u, store->emails().claim_due(now, Millis(5000), 10, "cl_a").size());
  e.status = EmailStatus::Suppressed;
  e.silent = true;
  ASSERT_TRUE(store->emails().update_delivery(e, "cl_a"));
  EXPECT_TRUE(store->emails().find(team.id, "em_1")->silent);
}

TEST_P(SqliteStoreTest, MigrationMarksEarlierGroupDropsSilent) {
  // Given emails recorded before the column existed: migration 7 (which adds it) is
  // undone by hand, then replayed.
  auto dropped = email("em_dropped", now);
  dropped.workflow = Workflow::Group;
  dropped.status = EmailStatus::Suppressed;
  auto group_sent = email("em_group_sent", now);
  group_sent.workflow = Workflow::Group;
  group_sent.status = EmailStatus::Sent;
  auto failed = email("em_failed", now);
  failed.workflow = Workflow::SelectAndSend;
  failed.status = EmailStatus::Failed;
  for (const auto& e : {dropped, group_sent, failed}) store->emails().insert(e);
  store.reset();
  {
    SqliteDb raw(db.sqlite_file().path());
    auto conn = raw.connect();
    conn.exec("ALTER TABLE emails DROP COLUMN silent");
    conn.exec(std::string(migration_sql(7)));
  }
  store = db.open();
  EXPECT_TRUE(store->emails().find(team.id, "em_dropped")->silent);
  EXPECT_FALSE(store->emails().find(team.id, "em_group_sent")->silent);
  EXPECT_FALSE(store->emails().find(team.id, "em_failed")->silent);
}

}  // namespace
}  // namespace sg::store
