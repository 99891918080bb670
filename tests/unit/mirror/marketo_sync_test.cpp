// MarketoSync with a real marketo::Client on a scripted HTTP fake and a real SQLite
// store: following the activity feed into the mirror (paging token, confirmed activity
// types, lead lookups, the feed's position and health), and writing one-click
// unsubscribes back to Marketo with retries.
#include "mirror/marketo_sync.h"

#include <chrono>
#include <future>
#include <thread>

#include "marketo/call_metrics.h"
#include "mirror/marketo_harness.h"
#include "mirror/marketo_source.h"
#include "net/url_encode.h"
#include "store/sqlite_db.h"

namespace sg::mirror::test {
namespace {

using marketo::test::activities_json;
using marketo::test::activity_json;
using marketo::test::change_json;
using marketo::test::describe_json;
using marketo::test::error_json;
using marketo::test::ok;
using marketo::test::success_json;
namespace paths = marketo::test;

const std::string kReason = "One-click unsubscribe from sales email";

// This instance numbers the two activity types differently from the usual 9 and 13.
std::string types_json() {
  return success_json(R"({"id":109,"name":"Unsubscribe Email"},{"id":113,"name":"Change Data Value"},)"
                      R"({"id":12,"name":"New Lead"})");
}

std::string lead(long long id, const std::string& email, bool unsubscribed) {
  return R"({"id":)" + std::to_string(id) + R"(,"email":")" + email + R"(","unsubscribed":)" +
         (unsubscribed ? "true" : "false") + "}";
}

class MarketoSyncTest : public MarketoHarness {
 protected:
  MarketoSyncTest() { http.script(paths::kDescribePath, {ok(describe_json(48, "Unsubscribed"))}); }

  // The feed of a team whose check is on: a token, the types, then two pages.
  void script_feed() {
    http.script(paths::kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"PT0"})")});
    http.script(paths::kActivityTypesPath, {ok(types_json())});
    http.script("nextPageToken=PT0",
                {ok(activities_json(activity_json(1, 501, 109, "Q1.Email") + "," +
                                        activity_json(2, 502, 113, "Unsubscribed") + "," +
                                        activity_json(3, 503, 113, "Job Title"),
                                    "PT1", true))});
    http.script("nextPageToken=PT1", {ok(activities_json(activity_json(4, 504, 113, "unsubscribed"), "PT2", false))});
    http.script("filterValues=501,502", {ok(success_json(lead(501, "Ann@X.com", true) + "," + lead(502, "bob@y.com", false)))});
    http.script("filterValues=504", {ok(success_json(lead(504, "cy@z.com", true)))});
    // The addresses are then asked by email, over every lead that has them.
    http.script("filterValues=ann%40x.com,bob%40y.com", {ok(success_json(lead(501, "Ann@X.com", true) + "," + lead(502, "bob@y.com", false)))});
    http.script("filterValues=cy%40z.com", {ok(success_json(lead(504, "cy@z.com", true)))});
  }

  std::unordered_map<std::string, store::MirrorEntry> mirrored(const std::vector<std::string>& keys) {
    return store->marketo_sync().mirrored(caller.team_id, keys);
  }
  store::SyncState state() { return store->marketo_sync().sync_state(caller.team_id); }
  std::vector<std::string> urls(std::string_view part) {
    std::vector<std::string> out;
    for (const auto& r : http.requests_to(part)) out.push_back(r.url);
    return out;
  }

  // Write-backs only: the team's check is off, so its feed is not followed.
  void check_off() { store->settings().put(caller.team_id, {false, FailPolicy::Block}, clock.now()); }

  struct WriteBackRow {
    int attempts = 0;
    int64_t next_attempt_at = 0;
    std::optional<std::string> last_error, outcome;
    std::optional<int64_t> done_at;
  };
  // A write-back as the database holds it (the store has no reader for finished ones).
  std::vector<WriteBackRow> writebacks() {
    store::SqliteDb db(db_file.path());
    auto conn = db.connect();
    auto s = conn.prepare("SELECT attempts, next_attempt_at, last_error, outcome, done_at FROM marketo_writebacks "
                        "ORDER BY id");
    std::vector<WriteBackRow> out;
    while (s.step())
      out.push_back({static_cast<int>(s.integer(0)), s.integer(1), s.opt_text(2), s.opt_text(3), s.opt_integer(4)});
    return out;
  }

  MirrorStores stores() { return {store->connections(), store->marketo_sync()}; }

  MarketoSync sync{stores(), client, clock, SyncOptions{}};
};

// --- the activity feed ---

TEST_F(MarketoSyncTest, RunOnceFollowsTheFeedIntoTheMirror) {
  // Given a team with the check on and a connection, then one run gets a paging token
  // from a minute back, confirms the type ids, reads both pages, resolves the leads of
  // the unsubscribe changes only, and records each lead's state now.
  script_feed();
  sync.run_once();

  EXPECT_EQ(std::vector<std::string>{kRest + "/v1/activities/pagingtoken.json?sinceDatetime=2026-01-15T11%3A59%3A00Z"},
            urls(paths::kPagingTokenPath));
  EXPECT_EQ(std::vector<std::string>{kRest + "/v1/activities/types.json"}, urls(paths::kActivityTypesPath));
  EXPECT_EQ((std::vector<std::string>{
                kRest + "/v1/activities.json?activityTypeIds=109,113&nextPageToken=PT0&batchSize=300",
                kRest + "/v1/activities.json?activityTypeIds=109,113&nextPageToken=PT1&batchSize=300"}),
            urls("/v1/activities.json"));
  EXPECT_EQ((std::vector<std::string>{
                kRest + "/v1/leads.json?filterType=id&filterValues=501,502&fields=email,unsubscribed",
                kRest + "/v1/leads.json?filterType=email&filterValues=ann%40x.com,bob%40y.com&fields=email,unsubscribed",
                kRest + "/v1/leads.json?filterType=id&filterValues=504&fields=email,unsubscribed",
                kRest + "/v1/leads.json?filterType=email&filterValues=cy%40z.com&fields=email,unsubscribed"}),
            urls(paths::kLeadsPath))
      << "lead 503 changed another field and is not looked up";

  auto m = mirrored({"ann@x.com", "bob@y.com", "cy@z.com", "dan@x.com"});
  ASSERT_EQ(3u, m.size());
  EXPECT_TRUE(m["ann@x.com"].unsubscribed);
  EXPECT_FALSE(m["bob@y.com"].unsubscribed) << "the lead's state now, not the activity's";
  EXPECT_TRUE(m["cy@z.com"].unsubscribed);
  EXPECT_EQ(clock.now(), m["ann@x.com"].seen_at);

  // The feed's lookups by email are background calls, counted as the feed's.
  marketo::Usage usage = client.usage(credentials());
  EXPECT_EQ(0u, usage.calls_by_kind.count("lookup"));
  EXPECT_EQ(2, usage.calls_by_kind.at("feed_lookup"));
  EXPECT_EQ(usage.calls, marketo::feed_calls(usage));
  EXPECT_EQ(usage.calls, usage.background_calls);
}

// Instances sharing a database elect one to follow feeds and write back.
class Follower final : public Leadership {
 public:
  bool leading() override { return leads; }
  bool leads = false;
};

TEST_F(MarketoSyncTest, OnlyTheLeadingInstanceReadsTheFeedAndWritesBack) {
  store->marketo_sync().enqueue_writeback(caller.team_id, "ann@x.com", kReason, clock.now());
  http.script(paths::kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"PT0"})")});
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  http.script("nextPageToken=PT0", {ok(activities_json("", "PT1", false))});
  http.script(paths::kLeadsPath, {ok(success_json(R"({"id":501,"status":"updated"})"))});
  Follower follower;
  MarketoSync other{stores(), client, clock, SyncOptions{.leadership = &follower}};
  other.run_once();
  EXPECT_TRUE(http.requests_to(paths::kPagingTokenPath).empty());
  EXPECT_TRUE(http.requests_to(paths::kLeadsPath).empty());
  EXPECT_EQ(std::nullopt, writebacks().at(0).done_at) << "the write-back stays due for the leader";

  follower.leads = true;  // the leader died and this instance was elected
  other.run_once();
  EXPECT_EQ(1u, http.requests_to(paths::kPagingTokenPath).size());
  EXPECT_EQ(1u, http.requests_to(paths::kLeadsPath).size()) << "the write-back";
  EXPECT_TRUE(writebacks().at(0).done_at);
}

TEST_F(MarketoSyncTest, ANudgeOrAForgetHeardByAFollowerReachesTheLeader) {
  // Given the instance that handled a webhook call or a connection change does not lead,
  // then the leader, over the same database, reads the feed at once or drops its ids.
  http.script(paths::kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"PT0"})")});
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  http.script(paths::kActivitiesPath, {ok(activities_json("", "PT0", false))});
  Follower follower;
  MarketoSync other{stores(), client, clock, SyncOptions{.leadership = &follower}};
  sync.run_once();
  clock.advance(Millis(30000));
  sync.run_once();
  ASSERT_EQ(1u, http.requests_to(paths::kActivitiesPath).size()) << "a quiet feed waits twice the interval";

  other.nudge(caller.team_id);
  other.run_once();
  EXPECT_EQ(1u, http.requests_to(paths::kActivitiesPath).size()) << "the follower does not read";
  sync.run_once();
  EXPECT_EQ(2u, http.requests_to(paths::kActivitiesPath).size()) << "the leader read at once";
  EXPECT_EQ(1u, http.requests_to(paths::kActivityTypesPath).size());

  other.forget_team(caller.team_id);
  sync.run_once();
  EXPECT_EQ(3u, http.requests_to(paths::kActivitiesPath).size());
  EXPECT_EQ(2u, http.requests_to(paths::kActivityTypesPath).size()) << "the ids are confirmed again";
}

TEST_F(MarketoSyncTest, AnInstanceElectedAgainConfirmsWhatItKeptFromItsEarlierTerm) {
  // Given the connection may have changed while another instance led, then nothing kept
  // in memory from before is trusted.
  http.script(paths::kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"PT0"})")});
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  http.script(paths::kActivitiesPath, {ok(activities_json("", "PT0", false))});
  Follower follower;
  follower.leads = true;
  MarketoSync other{stores(), client, clock, SyncOptions{.leadership = &follower}};
  other.run_once();
  follower.leads = false;
  other.run_once();
  follower.leads = true;
  other.run_once();
  EXPECT_EQ(2u, http.requests_to(paths::kActivitiesPath).size()) << "read at once, though quiet";
  EXPECT_EQ(2u, http.requests_to(paths::kActivityTypesPath).size());
}

TEST_F(MarketoSyncTest, RunOnceKeepsThePagingTokenAndRecordsTheSuccess) {
  script_feed();
  sync.run_once();
  store::SyncState s = state();
  EXPECT_EQ(std::optional<std::string>("PT2"), s.paging_token);
  EXPECT_EQ(std::optional<TimePoint>(clock.now()), s.last_success_at);
  EXPECT_EQ(std::optional<TimePoint>(clock.now()), s.confirmed_at);
  EXPECT_EQ("", s.last_error);
  EXPECT_EQ(std::nullopt, s.last_error_at);
}

TEST_F(MarketoSyncTest, ALaterRunContinuesFromTheKeptTokenWithTheConfirmedTypes) {
  script_feed();
  sync.run_once();
  http.script("nextPageToken=PT2", {ok(activities_json("", "PT3", false))});
  clock.advance(Millis(30000));
  sync.run_once();

  EXPECT_EQ(1u, http.requests_to(paths::kPagingTokenPath).size()) << "no new token";
  EXPECT_EQ(1u, http.requests_to(paths::kActivityTypesPath).size()) << "types confirmed once";
  EXPECT_EQ(kRest + "/v1/activities.json?activityTypeIds=109,113&nextPageToken=PT2&batchSize=300",
            http.requests_to("/v1/activities.json").back().url);
  EXPECT_EQ(std::optional<std::string>("PT3"), state().paging_token);
  EXPECT_EQ(std::optional<TimePoint>(clock.now()), state().last_success_at);
}

TEST_F(MarketoSyncTest, TheFeedPositionSurvivesARestart) {
  script_feed();
  sync.run_once();
  MarketoSync restarted{stores(), client, clock, SyncOptions{}};
  http.script("nextPageToken=PT2", {ok(activities_json("", "PT3", false))});
  restarted.run_once();
  EXPECT_EQ(1u, http.requests_to(paths::kPagingTokenPath).size());
  EXPECT_EQ(std::optional<std::string>("PT3"), state().paging_token);
}

TEST_F(MarketoSyncTest, AnActivitiesErrorIsRecordedAndKeepsTheOldToken) {
  store::SyncState before;
  before.paging_token = "OLD";
  before.last_success_at = clock.now() - Millis(60000);
  store->marketo_sync().put_sync_state(caller.team_id, kRest, before);
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  http.script(paths::kActivitiesPath, {ok(error_json("603", "Access denied"))});

  sync.run_once();

  store::SyncState s = state();
  EXPECT_EQ(std::optional<std::string>("OLD"), s.paging_token);
  EXPECT_EQ(before.last_success_at, s.last_success_at);
  EXPECT_EQ("Marketo error 603: Access denied", s.last_error);
  EXPECT_EQ(std::optional<TimePoint>(clock.now()), s.last_error_at);
  EXPECT_TRUE(http.requests_to(paths::kPagingTokenPath).empty());
  EXPECT_TRUE(http.requests_to(paths::kLeadsPath).empty());
}

TEST_F(MarketoSyncTest, AStalledTeamDoesNotHoldBackAnotherTeamsPass) {
  // Given a second team on another instance and this team's Marketo not answering, then
  // the second team's feed is read and recorded while this team's call still waits.
  const std::string other_rest = "https://999-XYZ-999.mktorest.com/rest";
  const store::Team other = store->teams().create("Bolt", clock.now());
  store->settings().put(other.id, {true, FailPolicy::Block}, clock.now());
  store->connections().put(other.id, {other_rest, "https://999-XYZ-999.mktorest.com/identity", "client-2", "s2",
                                      clock.now()});
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  http.handle("123-ABC-456.mktorest.com/rest/", [released](const net::Request&) {
    released.wait();
    return marketo::test::http(503, "");
  });
  http.script("999-XYZ-999.mktorest.com/rest/v1/activities/pagingtoken.json",
              {ok(R"({"requestId":"1","success":true,"nextPageToken":"PT0"})")});
  http.script("999-XYZ-999.mktorest.com/rest/v1/activities/types.json", {ok(types_json())});
  http.script("999-XYZ-999.mktorest.com/rest/v1/activities.json", {ok(activities_json("", "PT1", false))});

  auto pass = std::async(std::launch::async, [&] { sync.run_once(); });
  bool other_synced = false;
  for (int i = 0; i < 2000 && !other_synced; ++i) {
    other_synced = store->marketo_sync().sync_state(other.id).last_success_at.has_value();
    if (!other_synced) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const bool stalled_still_waiting = pass.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
  release.set_value();
  pass.get();

  EXPECT_TRUE(other_synced);
  EXPECT_TRUE(stalled_still_waiting) << "the stalled team's pass was still under way";
  EXPECT_EQ(std::optional<std::string>("PT1"), store->marketo_sync().sync_state(other.id).paging_token);
}

TEST_F(MarketoSyncTest, AMoveToAnotherInstanceMidPassKeepsNothingTheOldPassLearned) {
  // Given the team moves to another instance while a pass reads the old one's feed, then
  // what that pass learned is not recorded, and the next pass follows the new instance
  // from a token of its own with the new instance's activity types.
  const std::string new_host = "999-XYZ-999.mktorest.com/rest";
  http.handle("123-ABC-456.mktorest.com/rest/", [this](const net::Request& r) {
    if (r.url.find(paths::kPagingTokenPath) != std::string::npos)
      return ok(R"({"requestId":"1","success":true,"nextPageToken":"PT0"})");
    if (r.url.find(paths::kActivityTypesPath) != std::string::npos) return ok(types_json());
    if (r.url.find(paths::kLeadsPath) != std::string::npos) return ok(success_json(lead(501, "ann@x.com", true)));
    store->transaction([&] {
      store->connections().put(caller.team_id, {"https://999-XYZ-999.mktorest.com/rest",
                                                "https://999-XYZ-999.mktorest.com/identity", "client-2", "s2",
                                                clock.now()});
      store->marketo_sync().forget_instance(caller.team_id);
    });
    sync.forget_team(caller.team_id);
    return ok(activities_json(activity_json(1, 501, 109, "Q1.Email"), "PT1", false));
  });

  sync.run_once();
  EXPECT_FALSE(http.requests_to("123-ABC-456.mktorest.com/rest/v1/leads.json").empty())
      << "the old pass went on to look ann up";
  EXPECT_FALSE(state().paging_token);
  EXPECT_FALSE(state().confirmed_at);
  EXPECT_TRUE(mirrored({"ann@x.com"}).empty());

  http.script(new_host + "/v1/activities/pagingtoken.json", {ok(R"({"requestId":"2","success":true,"nextPageToken":"NT0"})")});
  http.script(new_host + "/v1/activities/types.json", {ok(types_json())});
  http.script(new_host + "/v1/activities.json", {ok(activities_json("", "NT1", false))});
  sync.run_once();
  EXPECT_EQ(std::optional<std::string>("NT1"), state().paging_token);
  EXPECT_TRUE(state().confirmed_at);
  EXPECT_EQ(1u, http.requests_to(new_host + "/v1/activities/types.json").size());
}

TEST_F(MarketoSyncTest, AFailedLaterPageKeepsThePositionOfTheLastRecordedPage) {
  http.script(paths::kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"PT0"})")});
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  http.script("nextPageToken=PT0", {ok(activities_json(activity_json(1, 501, 109, "x"), "PT1", true))});
  http.script("nextPageToken=PT1", {ok(error_json("603", "Access denied"))});
  http.script("filterValues=501", {ok(success_json(lead(501, "ann@x.com", true)))});
  http.script("filterValues=ann%40x.com", {ok(success_json(lead(501, "ann@x.com", true)))});

  sync.run_once();

  EXPECT_EQ(std::optional<std::string>("PT1"), state().paging_token);
  EXPECT_EQ(std::nullopt, state().last_success_at);
  EXPECT_EQ("Marketo error 603: Access denied", state().last_error);
  EXPECT_TRUE(mirrored({"ann@x.com"})["ann@x.com"].unsubscribed) << "the first page was recorded";
}

TEST_F(MarketoSyncTest, ALeadLookupErrorLeavesTheTokenBeforeThePage) {
  store::SyncState before;
  before.paging_token = "OLD";
  store->marketo_sync().put_sync_state(caller.team_id, kRest, before);
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  http.script(paths::kActivitiesPath, {ok(activities_json(activity_json(1, 501, 109, "x"), "NEW", false))});
  http.script(paths::kLeadsPath, {ok(error_json("603", "Access denied"))});

  sync.run_once();

  EXPECT_EQ(std::optional<std::string>("OLD"), state().paging_token) << "the page is read again next time";
  EXPECT_EQ("Marketo error 603: Access denied", state().last_error);
  EXPECT_TRUE(mirrored({"ann@x.com"}).empty());
}

TEST_F(MarketoSyncTest, APagingTokenErrorIsRecorded) {
  http.script(paths::kPagingTokenPath, {ok(error_json("603", "Access denied"))});
  sync.run_once();
  EXPECT_EQ(std::nullopt, state().paging_token);
  EXPECT_EQ("Marketo error 603: Access denied", state().last_error);
  EXPECT_EQ(std::optional<TimePoint>(clock.now()), state().last_error_at);
  EXPECT_TRUE(http.requests_to(paths::kActivitiesPath).empty());
}

TEST_F(MarketoSyncTest, ASuccessAfterAnErrorClearsTheError) {
  http.script(paths::kPagingTokenPath, {ok(error_json("603", "Access denied"))});
  sync.run_once();
  ASSERT_NE("", state().last_error);
  script_feed();
  clock.advance(Millis(30000));
  sync.run_once();
  EXPECT_EQ("", state().last_error);
  EXPECT_EQ(std::optional<TimePoint>(clock.now()), state().last_success_at);
}

TEST_F(MarketoSyncTest, UnconfirmedTypesFallBackToNineAndThirteenAndAreAskedAgain) {
  http.script(paths::kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"PT0"})")});
  http.script(paths::kActivityTypesPath, {ok(error_json("603", "Access denied"))});
  http.script(paths::kActivitiesPath, {ok(activities_json("", "PT1", false))});
  sync.run_once();
  EXPECT_EQ(kRest + "/v1/activities.json?activityTypeIds=9,13&nextPageToken=PT0&batchSize=300",
            http.requests_to(paths::kActivitiesPath).at(0).url);
  EXPECT_EQ(std::optional<TimePoint>(clock.now()), state().last_success_at);

  clock.advance(Millis(60000));  // a quiet pass: the next read comes after twice the interval
  sync.run_once();
  EXPECT_EQ(2u, http.requests_to(paths::kActivityTypesPath).size());
}

// --- the unsubscribed field by id, quiet feeds, refused tokens, our own echoes ---

TEST_F(MarketoSyncTest, ARelabelledUnsubscribedFieldIsMatchedByItsId) {
  // Given an admin relabelled Unsubscribed to "Opted Out" and named another field
  // "Unsubscribed", then only changes of field 48 are followed.
  http.script(paths::kDescribePath, {ok(describe_json(48, "Opted Out"))});
  http.script(paths::kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"PT0"})")});
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  http.script("nextPageToken=PT0", {ok(activities_json(change_json(1, 501, 113, 48, "Opted Out", "true") + "," +
                                                           change_json(2, 502, 113, 77, "Unsubscribed", "true"),
                                                       "PT1", false))});
  http.script("filterValues=501", {ok(success_json(lead(501, "ann@x.com", true)))});
  http.script("filterValues=ann%40x.com", {ok(success_json(lead(501, "ann@x.com", true)))});
  sync.run_once();

  EXPECT_EQ(1u, http.requests_to(paths::kDescribePath).size());
  EXPECT_EQ((std::vector<std::string>{
                kRest + "/v1/leads.json?filterType=id&filterValues=501&fields=email,unsubscribed",
                kRest + "/v1/leads.json?filterType=email&filterValues=ann%40x.com&fields=email,unsubscribed"}),
            urls(paths::kLeadsPath));
  EXPECT_TRUE(mirrored({"ann@x.com"})["ann@x.com"].unsubscribed);

  http.script("nextPageToken=PT1", {ok(activities_json("", "PT2", false))});
  clock.advance(Millis(30000));
  sync.run_once();
  EXPECT_EQ(1u, http.requests_to(paths::kDescribePath).size()) << "the field id is kept per team";
}

TEST_F(MarketoSyncTest, ForASeededMirrorNewLeadsAndChangedAddressesAreLookedUp) {
  MarketoSync seeded{stores(), client, clock, SyncOptions{.follow_new_addresses = true}};
  http.script(paths::kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"PT0"})")});
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  http.script("nextPageToken=PT0", {ok(activities_json(activity_json(1, 601, 12, "") + "," +
                                                           change_json(2, 602, 113, 31, "Email Address", R"("new@x.com")") +
                                                           "," + change_json(3, 603, 113, 52, "Lead Score", "7"),
                                                       "PT1", false))});
  http.script("filterValues=601,602", {ok(success_json(lead(601, "imp@x.com", true) + "," +
                                                       lead(602, "new@x.com", false)))});
  http.script("filterValues=imp%40x.com,new%40x.com",
              {ok(success_json(lead(601, "imp@x.com", true) + "," + lead(602, "new@x.com", false)))});
  http.script(paths::kDescribePath, {ok(describe_json(48, "Unsubscribed"))});
  const TimePoint began = clock.now();
  seeded.run_once();

  ASSERT_EQ(1u, urls("nextPageToken=PT0").size());
  EXPECT_NE(std::string::npos, urls("nextPageToken=PT0")[0].find("activityTypeIds=109,113,12"));
  auto m = mirrored({"imp@x.com", "new@x.com"});
  EXPECT_TRUE(m["imp@x.com"].unsubscribed) << "a lead imported already unsubscribed";
  ASSERT_EQ(1u, m.count("new@x.com"));
  EXPECT_FALSE(m["new@x.com"].unsubscribed);
  EXPECT_EQ(0u, http.requests_to("filterValues=603").size()) << "another field's change";
  EXPECT_EQ(began - std::chrono::minutes(1), state().following_since) << "followed from its first token";
}

TEST_F(MarketoSyncTest, WithoutDescribeTheDisplayNameIsTheFallbackAndDescribeIsAskedAgain) {
  http.script(paths::kDescribePath, {ok(error_json("603", "Access denied"))});
  http.script(paths::kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"PT0"})")});
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  http.script("nextPageToken=PT0", {ok(activities_json(change_json(1, 501, 113, 48, "Opted Out", "true") + "," +
                                                           change_json(2, 502, 113, 77, "Unsubscribed", "true"),
                                                       "PT1", false))});
  http.script("filterValues=502", {ok(success_json(lead(502, "bob@y.com", true)))});
  http.script("filterValues=bob%40y.com", {ok(success_json(lead(502, "bob@y.com", true)))});
  sync.run_once();
  EXPECT_TRUE(mirrored({"bob@y.com"})["bob@y.com"].unsubscribed) << "matched by the name Unsubscribed";
  EXPECT_EQ(0u, http.requests_to("filterValues=501").size());

  EXPECT_EQ("the id of the unsubscribed field is unknown (Marketo error 603: Access denied): its changes are "
            "matched by the display name \"Unsubscribed\", which an admin may have relabelled",
            state().warning)
      << "the fallback is shown in the sync status";
  EXPECT_EQ("", state().last_error) << "a warning, not a failure";

  http.script("nextPageToken=PT1", {ok(activities_json("", "PT2", false))});
  clock.advance(Millis(30000));
  sync.run_once();
  EXPECT_EQ(2u, http.requests_to(paths::kDescribePath).size());

  http.script(paths::kDescribePath, {ok(describe_json(48, "Opted Out"))});
  http.script("nextPageToken=PT2", {ok(activities_json("", "PT3", false))});
  clock.advance(Millis(60000));
  sync.run_once();
  EXPECT_EQ(3u, http.requests_to(paths::kDescribePath).size());
  EXPECT_EQ("", state().warning) << "read at last: the warning goes";
}

TEST_F(MarketoSyncTest, AnInstanceWithoutTheUnsubscribedFieldIsAWarning) {
  http.script(paths::kDescribePath, {ok(success_json(R"({"id":2,"displayName":"Email Address",)"
                                                     R"("rest":{"name":"email","readOnly":false}})"))});
  http.script(paths::kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"PT0"})")});
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  http.script(paths::kActivitiesPath, {ok(activities_json("", "PT1", false))});
  sync.run_once();
  EXPECT_NE(std::string::npos, state().warning.find("leads/describe.json has no such field")) << state().warning;
}

TEST_F(MarketoSyncTest, AQuietFeedIsReadLessOftenAndANudgeReadsItAtOnce) {
  http.script(paths::kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"PT0"})")});
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  http.script(paths::kActivitiesPath, {ok(activities_json("", "PT0", false))});
  // Every 30 s for an hour: reads at 0, 60, 180, 420 s, then every 300 s (720, ..., 3420).
  for (int tick = 0; tick < 120; ++tick) {
    sync.run_once();
    clock.advance(Millis(30000));
  }
  EXPECT_EQ(14u, http.requests_to(paths::kActivitiesPath).size());

  sync.nudge(caller.team_id);
  sync.run_once();
  EXPECT_EQ(15u, http.requests_to(paths::kActivitiesPath).size()) << "a nudge reads the feed at once";
  clock.advance(Millis(30000));
  sync.run_once();
  EXPECT_EQ(15u, http.requests_to(paths::kActivitiesPath).size()) << "empty again: twice the interval";
}

TEST_F(MarketoSyncTest, ANudgeDuringAPassIsNotLost) {
  // Given a webhook call arrives while the team's pass reads the feed, then the next pass
  // starts as soon as this one ends, though the feed was quiet.
  http.script(paths::kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"PT0"})")});
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  http.handle(paths::kActivitiesPath, [this](const net::Request&) {
    if (http.requests_to(paths::kActivitiesPath).size() == 1) sync.nudge(caller.team_id);
    return ok(activities_json("", "PT0", false));
  });
  sync.run_once();
  sync.run_once();  // at the same moment: due only because of the nudge
  EXPECT_EQ(2u, http.requests_to(paths::kActivitiesPath).size());
  sync.run_once();
  EXPECT_EQ(2u, http.requests_to(paths::kActivitiesPath).size()) << "the nudge was used once";
}

TEST_F(MarketoSyncTest, AFeedWithChangesIsReadAtTheInterval) {
  http.script(paths::kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"PT0"})")});
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  std::vector<marketo::test::Reply> pages;  // a new unsubscribe on every read
  for (int id = 1; id <= 10; ++id) pages.push_back(ok(activities_json(activity_json(id, 501, 109, "Q1.Email"), "PT0", false)));
  http.script(paths::kActivitiesPath, pages);
  http.script("filterValues=501", {ok(success_json(lead(501, "ann@x.com", true)))});
  http.script("filterValues=ann%40x.com", {ok(success_json(lead(501, "ann@x.com", true)))});
  for (int tick = 0; tick < 10; ++tick) {
    sync.run_once();
    clock.advance(Millis(30000));
  }
  EXPECT_EQ(10u, http.requests_to(paths::kActivitiesPath).size());
}

TEST_F(MarketoSyncTest, ARefusedPagingTokenIsReplacedFromTheLastConfirmedPage) {
  store::SyncState before;
  before.paging_token = "EXPIRED";
  before.confirmed_at = clock.now() - Millis(10 * 60 * 1000);
  before.last_success_at = before.confirmed_at;
  store->marketo_sync().put_sync_state(caller.team_id, kRest, before);
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  http.script("nextPageToken=EXPIRED", {ok(error_json("1003", "Invalid nextPageToken"))});
  http.script(paths::kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"FRESH"})")});
  http.script("nextPageToken=FRESH", {ok(activities_json("", "NEXT", false))});

  sync.run_once();

  EXPECT_EQ(kRest + "/v1/activities/pagingtoken.json?sinceDatetime=" +
                net::url_encode(format_rfc3339(*before.confirmed_at - Millis(60000))),
            http.requests_to(paths::kPagingTokenPath).at(0).url)
      << "from the last confirmed page, a minute back";
  store::SyncState s = state();
  EXPECT_EQ(std::optional<std::string>("NEXT"), s.paging_token);
  EXPECT_EQ("", s.last_error);
  EXPECT_EQ(std::optional<TimePoint>(clock.now()), s.restarted_at);
  EXPECT_EQ("Marketo error 1003: Invalid nextPageToken", s.restart_reason);
  EXPECT_EQ(std::optional<TimePoint>(clock.now()), s.confirmed_at);
}

TEST_F(MarketoSyncTest, ATokenRefusedAgainAfterARestartIsASyncError) {
  store::SyncState before;
  before.paging_token = "EXPIRED";
  store->marketo_sync().put_sync_state(caller.team_id, kRest, before);
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  http.script(paths::kActivitiesPath, {ok(error_json("1003", "Invalid nextPageToken"))});
  http.script(paths::kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"FRESH"})")});
  sync.run_once();
  EXPECT_EQ(2u, http.requests_to(paths::kActivitiesPath).size()) << "one restart per pass";
  EXPECT_EQ("Marketo error 1003: Invalid nextPageToken", state().last_error);
}

TEST_F(MarketoSyncTest, ATransientFeedErrorKeepsTheToken) {
  store::SyncState before;
  before.paging_token = "KEPT";
  store->marketo_sync().put_sync_state(caller.team_id, kRest, before);
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  http.script(paths::kActivitiesPath, {ok(error_json("603", "Access denied"))});
  sync.run_once();
  EXPECT_TRUE(http.requests_to(paths::kPagingTokenPath).empty());
  EXPECT_EQ(std::nullopt, state().restarted_at);
}

TEST_F(MarketoSyncTest, AnUnknownMarketoErrorDoesNotRestartTheFeed) {
  // A server error or an undocumented code says nothing about the token: the feed keeps
  // it and reads from it again at the next pass, rather than jumping to a fresh one.
  store::SyncState before;
  before.paging_token = "KEPT";
  before.confirmed_at = clock.now() - Millis(10 * 60 * 1000);
  store->marketo_sync().put_sync_state(caller.team_id, kRest, before);
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  http.script(paths::kActivitiesPath, {marketo::test::http(500, "Internal Server Error")});
  sync.run_once();
  http.script(paths::kActivitiesPath, {ok(error_json("1029", "Too many jobs in queue"))});
  clock.advance(Millis(30000));
  sync.run_once();
  EXPECT_TRUE(http.requests_to(paths::kPagingTokenPath).empty());
  EXPECT_EQ(std::nullopt, state().restarted_at);
  EXPECT_EQ(std::optional<std::string>("KEPT"), state().paging_token);
  EXPECT_EQ("Marketo error 1029: Too many jobs in queue", state().last_error);
}

TEST_F(MarketoSyncTest, TheEchoOfOurWriteBackIsMirroredWithoutALookup) {
  store->marketo_sync().enqueue_writeback(caller.team_id, "Ann@X.com", kReason, clock.now());
  http.script(paths::kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"PT0"})")});
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  http.script("nextPageToken=PT0", {ok(activities_json("", "PT1", false))});
  http.script(paths::kLeadsPath, {ok(success_json(R"({"id":501,"status":"updated"})"))});
  sync.run_once();
  ASSERT_EQ(1u, http.requests_to(paths::kLeadsPath).size()) << "the write-back";

  http.script("nextPageToken=PT1",
              {ok(activities_json(change_json(1, 501, 113, 48, "Unsubscribed", "true", "Web service API"), "PT2", false))});
  clock.advance(Millis(60000));
  sync.run_once();
  EXPECT_EQ(1u, http.requests_to(paths::kLeadsPath).size()) << "no lookup for our own echo";
  EXPECT_TRUE(mirrored({"ann@x.com"})["ann@x.com"].unsubscribed);

  // A resubscribe of the lead afterwards is looked up.
  http.script("nextPageToken=PT2",
              {ok(activities_json(change_json(2, 501, 113, 48, "Unsubscribed", "false", "Web service API"), "PT3", false))});
  http.script("filterValues=501", {ok(success_json(lead(501, "ann@x.com", false)))});
  http.script("filterValues=ann%40x.com", {ok(success_json(lead(501, "ann@x.com", false)))});
  clock.advance(Millis(30000));
  sync.run_once();
  EXPECT_EQ(3u, http.requests_to(paths::kLeadsPath).size());
  EXPECT_FALSE(mirrored({"ann@x.com"})["ann@x.com"].unsubscribed);
}

TEST_F(MarketoSyncTest, AChangeReadAgainIsNotLookedUpAgain) {
  http.script(paths::kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"PT0"})")});
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  const std::string page = activity_json(1, 501, 109, "Q1.Email");
  http.script("nextPageToken=PT0", {ok(activities_json(page, "PT1", false))});
  http.script("nextPageToken=PT1", {ok(activities_json(page, "PT2", false))});  // the same activity, re-read
  http.script("filterValues=501", {ok(success_json(lead(501, "ann@x.com", true)))});
  http.script("filterValues=ann%40x.com", {ok(success_json(lead(501, "ann@x.com", true)))});
  sync.run_once();
  clock.advance(Millis(30000));
  sync.run_once();
  EXPECT_EQ(2u, http.requests_to(paths::kLeadsPath).size()) << "one lookup by id and one by email, once";
}

TEST_F(MarketoSyncTest, TheFeedIsReadAgainFromThePreviousRereadForActivitiesCommittedLate) {
  http.script(paths::kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"PT0"})")});
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  http.script(paths::kActivitiesPath, {ok(activities_json("", "PT1", false))});
  const TimePoint first = clock.now();
  sync.run_once();
  clock.advance(Millis(29 * 60 * 1000));
  sync.run_once();
  ASSERT_EQ(1u, http.requests_to(paths::kPagingTokenPath).size()) << "not yet: every 30 minutes";
  clock.advance(Millis(3 * 60 * 1000));  // the quiet feed's next read
  sync.run_once();
  auto tokens = urls(paths::kPagingTokenPath);
  ASSERT_EQ(2u, tokens.size());
  EXPECT_EQ(kRest + "/v1/activities/pagingtoken.json?sinceDatetime=" + net::url_encode(format_rfc3339(first - Millis(60000))),
            tokens[1]);
  EXPECT_EQ(kRest + "/v1/activities.json?activityTypeIds=109,113&nextPageToken=PT0&batchSize=300",
            http.requests_to(paths::kActivitiesPath).back().url)
      << "the page after the re-read starts from its token";
}

TEST_F(MarketoSyncTest, OneRunReadsAtMostMaxPagesPerTeam) {
  MarketoSync limited{stores(), client, clock, SyncOptions{Millis(30000), 2}};
  http.script(paths::kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"P0"})")});
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  http.script("nextPageToken=P0", {ok(activities_json("", "P1", true))});
  http.script("nextPageToken=P1", {ok(activities_json("", "P2", true))});
  limited.run_once();
  EXPECT_EQ(2u, http.requests_to(paths::kActivitiesPath).size());
  EXPECT_EQ(std::optional<std::string>("P2"), state().paging_token);
  EXPECT_EQ(std::nullopt, state().confirmed_at) << "not read to its end: a restart must not start past P2";
}

TEST_F(MarketoSyncTest, AFeedBehindABacklogIsNotMovedBackByTheReread) {
  // Given a backlog longer than one pass reads, then the due re-read waits until the feed
  // has read to its end: going back would skip the unread pages, or read them forever.
  MarketoSync limited{stores(), client, clock, SyncOptions{Millis(30000), 1}};
  http.script(paths::kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"P0"})")});
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  http.script("nextPageToken=P0", {ok(activities_json("", "P1", false))});
  limited.run_once();  // read to its end
  http.script("nextPageToken=P1", {ok(activities_json("", "P2", true))});
  http.script("nextPageToken=P2", {ok(activities_json("", "P3", true))});
  http.script("nextPageToken=P3", {ok(activities_json("", "P4", false))});
  clock.advance(Millis(60000));
  limited.run_once();  // P1: a backlog begins
  clock.advance(Millis(31 * 60 * 1000));  // a re-read is due
  limited.run_once();
  EXPECT_EQ(1u, http.requests_to(paths::kPagingTokenPath).size()) << "no re-read behind a backlog";
  EXPECT_EQ(kRest + "/v1/activities.json?activityTypeIds=109,113&nextPageToken=P2&batchSize=300",
            http.requests_to(paths::kActivitiesPath).back().url);
  clock.advance(Millis(30000));
  limited.run_once();  // P3: the end
  EXPECT_EQ(1u, http.requests_to(paths::kPagingTokenPath).size());
  http.script(paths::kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"R0"})")});
  http.script("nextPageToken=R0", {ok(activities_json("", "R1", false))});
  clock.advance(Millis(60000));  // the end was quiet: twice the interval
  limited.run_once();
  EXPECT_EQ(2u, http.requests_to(paths::kPagingTokenPath).size()) << "read to its end: now the re-read";
}

TEST_F(MarketoSyncTest, APassStoppedByThePageLimitIsReadAgainAtTheInterval) {
  // Given every page says more follow, then the feed keeps the base interval (a backlog is
  // not a quiet feed), and the mirror is not confirmed.
  MarketoSync limited{stores(), client, clock, SyncOptions{Millis(30000), 1}};
  http.script(paths::kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"P0"})")});
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  http.script(paths::kActivitiesPath, {ok(activities_json("", "P0", true))});
  for (int tick = 0; tick < 4; ++tick) {
    limited.run_once();
    clock.advance(Millis(30000));
  }
  EXPECT_EQ(4u, http.requests_to(paths::kActivitiesPath).size());
  EXPECT_EQ(std::nullopt, state().confirmed_at);
}

TEST_F(MarketoSyncTest, TeamsWithTheCheckOffOrWithoutAConnectionAreNotFollowed) {
  check_off();
  auto other = store->teams().create("Initech", clock.now());
  store->settings().put(other.id, {true, FailPolicy::Block}, clock.now());  // on, but not connected
  sync.run_once();
  EXPECT_TRUE(http.requests().empty());
  EXPECT_EQ(std::nullopt, state().paging_token);
}

TEST_F(MarketoSyncTest, AnAddressSharedByLeadsStaysUnsubscribedWhileAnyOfThemIs) {
  // Given two leads with one address, one unsubscribed and one not (the check calls
  // such an address unsubscribed), then the mirror must not record it as subscribed,
  // or an authoritative mirror would let a send through that the check refuses.
  http.script(paths::kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"PT0"})")});
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  http.script(paths::kActivitiesPath,
              {ok(activities_json(activity_json(1, 501, 109, "x") + "," + activity_json(2, 502, 113, "Unsubscribed"),
                                  "PT1", false))});
  // The id lookup and then the lookup by email both see the two leads.
  http.script(paths::kLeadsPath,
              {ok(success_json(lead(501, "ann@x.com", true) + "," + lead(502, "Ann@X.com", false)))});

  sync.run_once();

  auto m = mirrored({"ann@x.com"});
  ASSERT_EQ(1u, m.size());
  EXPECT_TRUE(m["ann@x.com"].unsubscribed);
}

TEST_F(MarketoSyncTest, AnAddressTooManyLeadsShareDoesNotWedgeTheFeed) {
  // Given the feed's leads include two addresses more than 1,000 leads share (1003 even
  // alone), then the page is recorded and the feed goes on: a crowded address whose lead
  // read by id is unsubscribed is mirrored so, the other is left to live checks.
  http.script(paths::kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"PT0"})")});
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  http.script("nextPageToken=PT0", {ok(activities_json(activity_json(1, 501, 109, "x") + "," +
                                                           activity_json(2, 502, 109, "x") + "," +
                                                           activity_json(3, 503, 109, "x"),
                                                       "PT1", false))});
  http.script("filterValues=501,502,503", {ok(success_json(lead(501, "ann@x.com", false) + "," +
                                                           lead(502, "crowd@x.com", true) + "," +
                                                           lead(503, "many@x.com", false)))});
  const std::string too_many = error_json("1003", "Too many results match the filter");
  http.script("filterType=email", {ok(too_many)});
  http.script("filterValues=ann%40x.com&", {ok(success_json(lead(501, "ann@x.com", false)))});

  sync.run_once();

  EXPECT_EQ("", state().last_error);
  EXPECT_EQ(std::optional<std::string>("PT1"), state().paging_token);
  auto m = mirrored({"ann@x.com", "crowd@x.com", "many@x.com"});
  EXPECT_FALSE(m.at("ann@x.com").unsubscribed);
  EXPECT_TRUE(m.at("crowd@x.com").unsubscribed);
  EXPECT_EQ(0u, m.count("many@x.com")) << "nothing known: a live check decides";
}

TEST_F(MarketoSyncTest, AnswersAskedBeforeAWebhookUnsubscribeDoNotOverwriteIt) {
  // Given a webhook call records ann's unsubscribe while a live lookup and then the feed's
  // lookup are on their way, then their older "not unsubscribed" does not replace it.
  auto webhook_meanwhile = [this](const net::Request&) {
    clock.advance(Millis(20));
    store->marketo_sync().mirror(caller.team_id, kRest, {{"ann@x.com", true}}, clock.now());
    clock.advance(Millis(20));
    return ok(success_json(lead(501, "ann@x.com", false)));
  };
  http.handle("filterType=email", webhook_meanwhile);
  MarketoSource live{{store->connections(), store->marketo_sync()}, client, clock};
  ASSERT_TRUE(live.unsubscribed_among(caller.team_id, {"ann@x.com"}).ok());
  EXPECT_TRUE(mirrored({"ann@x.com"}).at("ann@x.com").unsubscribed) << "the live lookup's answer is older";

  http.script(paths::kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"PT0"})")});
  http.script(paths::kActivityTypesPath, {ok(types_json())});
  http.script("nextPageToken=PT0", {ok(activities_json(activity_json(1, 501, 109, "x"), "PT1", false))});
  http.script("filterValues=501", {ok(success_json(lead(501, "ann@x.com", false)))});
  sync.run_once();
  EXPECT_EQ(2u, http.requests_to("filterValues=ann%40x.com").size()) << "the feed asked too";
  EXPECT_TRUE(mirrored({"ann@x.com"}).at("ann@x.com").unsubscribed) << "the feed's answer is older";
}

// --- write-backs ---

TEST_F(MarketoSyncTest, AWriteBackIsSentAndFinishedWithItsOutcome) {
  check_off();
  store->marketo_sync().enqueue_writeback(caller.team_id, "ann@x.com", kReason, clock.now());
  store->marketo_sync().enqueue_writeback(caller.team_id, "gone@x.com", kReason, clock.now());
  http.script(paths::kLeadsPath,
              {ok(success_json(R"({"id":7,"status":"updated"},)"
                               R"({"status":"skipped","reasons":[{"code":"1004","message":"Lead not found"}]})"))});
  clock.advance(Millis(5000));

  sync.run_once();

  auto requests = http.requests_to(paths::kLeadsPath);
  ASSERT_EQ(1u, requests.size());
  EXPECT_EQ("POST", requests[0].method);
  EXPECT_EQ(R"({"action":"updateOnly","lookupField":"email","input":[)"
            R"({"email":"ann@x.com","unsubscribed":true,"unsubscribedReason":"One-click unsubscribe from sales email"},)"
            R"({"email":"gone@x.com","unsubscribed":true,"unsubscribedReason":"One-click unsubscribe from sales email"}]})",
            requests[0].body);
  auto rows = writebacks();
  ASSERT_EQ(2u, rows.size());
  EXPECT_EQ(std::optional<std::string>("updated"), rows[0].outcome);
  EXPECT_EQ(std::optional<std::string>("not_found"), rows[1].outcome);
  EXPECT_EQ(std::optional<int64_t>(to_unix_millis(clock.now())), rows[0].done_at);
  EXPECT_TRUE(store->marketo_sync().due_writebacks(clock.now() + std::chrono::hours(24), 10).empty());

  sync.run_once();
  EXPECT_EQ(1u, http.requests_to(paths::kLeadsPath).size()) << "a finished write-back is not sent again";
}

TEST_F(MarketoSyncTest, AFailedWriteBackIsRetriedLaterWithGrowingBackoff) {
  check_off();
  store->marketo_sync().enqueue_writeback(caller.team_id, "ann@x.com", kReason, clock.now());
  http.script(paths::kLeadsPath, {ok(error_json("603", "Access denied"))});

  TimePoint first = clock.now();
  sync.run_once();
  auto rows = writebacks();
  ASSERT_EQ(1u, rows.size());
  EXPECT_EQ(1, rows[0].attempts);
  EXPECT_EQ(to_unix_millis(first + Millis(30000)), rows[0].next_attempt_at);
  EXPECT_EQ(std::optional<std::string>("Marketo error 603: Access denied"), rows[0].last_error);
  EXPECT_EQ(std::nullopt, rows[0].outcome);
  EXPECT_TRUE(store->marketo_sync().due_writebacks(first + Millis(29999), 10).empty());

  sync.run_once();  // not due yet: no call
  EXPECT_EQ(1u, http.requests_to(paths::kLeadsPath).size());

  clock.set(first + Millis(30000));
  TimePoint second = clock.now();
  sync.run_once();
  rows = writebacks();
  EXPECT_EQ(2, rows[0].attempts);
  EXPECT_EQ(to_unix_millis(second + Millis(60000)), rows[0].next_attempt_at);

  http.script(paths::kLeadsPath, {ok(success_json(R"({"id":7,"status":"updated"})"))});
  clock.set(second + Millis(60000));
  sync.run_once();
  rows = writebacks();
  EXPECT_EQ(std::optional<std::string>("updated"), rows[0].outcome);
  EXPECT_EQ(3u, http.requests_to(paths::kLeadsPath).size());
}

TEST_F(MarketoSyncTest, AWriteBackOfATeamWithoutAConnectionFinishesAsNotConnected) {
  auto other = store->teams().create("Initech", clock.now());
  store->marketo_sync().enqueue_writeback(other.id, "ann@x.com", kReason, clock.now());
  check_off();
  sync.run_once();
  auto rows = writebacks();
  ASSERT_EQ(1u, rows.size());
  EXPECT_EQ(std::optional<std::string>("not_connected"), rows[0].outcome);
  EXPECT_EQ(std::optional<int64_t>(to_unix_millis(clock.now())), rows[0].done_at);
  EXPECT_TRUE(http.requests().empty());
}

TEST_F(MarketoSyncTest, StartRunsInTheBackgroundUntilStopped) {
  check_off();
  store->marketo_sync().enqueue_writeback(caller.team_id, "ann@x.com", kReason, clock.now());
  http.script(paths::kLeadsPath, {ok(success_json(R"({"id":7,"status":"updated"})"))});
  sync.start();
  for (int i = 0; i < 500 && writebacks().at(0).outcome == std::nullopt; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  sync.stop();
  EXPECT_EQ(std::optional<std::string>("updated"), writebacks().at(0).outcome);
}

}  // namespace
}  // namespace sg::mirror::test
