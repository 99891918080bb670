// MirrorSeed with a real marketo::Client on a fake bulk-export endpoint and a real SQLite
// store: exporting 31-day windows of leads back through time, recording the unsubscribed
// addresses, stopping after empty windows, retrying failures, and resuming after a restart.
#include "mirror/mirror_seed.h"

#include <map>

#include "mirror/marketo_harness.h"

namespace sg::mirror::test {
namespace {

using marketo::test::ok;
using marketo::test::success_json;
using store::SeedPhase;

// A bulk-export endpoint: jobs are numbered ex-1, ex-2, ...; each completes, fails or
// waits as the test says, and its file is the next of `files` (a header alone when none).
struct FakeExports {
  std::map<std::string, std::string> status;  // by export id; "Completed" unless set
  std::vector<std::string> files;
  std::vector<std::string> created;  // the create bodies, in order
  int next = 0;

  static std::string job(const std::string& id, const std::string& status) {
    return success_json(R"({"exportId":")" + id + R"(","format":"CSV","status":")" + status + R"("})");
  }

  marketo::test::Reply operator()(const net::Request& r) {
    if (r.url.ends_with("/create.json")) {
      created.push_back(r.body);
      return ok(job("ex-" + std::to_string(++next), "Created"));
    }
    const std::string id = r.url.substr(r.url.find("ex-"), r.url.rfind('/') - r.url.find("ex-"));
    if (r.url.ends_with("/enqueue.json")) return ok(job(id, "Queued"));
    if (r.url.ends_with("/status.json")) return ok(job(id, status.count(id) ? status[id] : "Completed"));
    const std::size_t n = std::stoul(id.substr(3)) - 1;
    return ok(n < files.size() ? files[n] : "email,unsubscribed\n");
  }
};

class MirrorSeedTest : public MarketoHarness {
 protected:
  MirrorSeedTest() {
    http.handle("/bulk/", [this](const net::Request& r) { return exports(r); });
  }

  store::SeedState state() { return store->marketo_sync().seed_state(caller.team_id); }
  size_t calls(std::string_view part) { return http.requests_to(part).size(); }
  // Steps once the poll interval has passed, as the sync's passes would.
  void step_later() {
    clock.advance(options.poll_interval);
    seed.step(caller.team_id);
  }

  FakeExports exports;
  SeedOptions options = [] {
    SeedOptions o;
    o.max_empty_windows = 2;
    return o;
  }();
  MirrorStores stores() { return {store->connections(), store->marketo_sync()}; }

  MirrorSeed seed{stores(), client, clock, options};
};

TEST_F(MirrorSeedTest, TheFirstStepStartsAnExportOfTheLastThirtyOneDaysAndWaits) {
  const TimePoint start = clock.now();
  seed.step(caller.team_id);
  store::SeedState s = state();
  EXPECT_EQ(SeedPhase::running, s.phase);
  EXPECT_EQ(kRest, s.instance);
  EXPECT_EQ(std::optional<std::string>("ex-1"), s.export_id);
  EXPECT_EQ(std::optional<TimePoint>(start), s.window_end);
  EXPECT_EQ(std::optional<TimePoint>(start), s.started_at);
  ASSERT_EQ(1u, exports.created.size());
  EXPECT_NE(std::string::npos, exports.created[0].find(R"("endAt":")" + format_rfc3339(start) + "\""));
  EXPECT_EQ(1u, calls("enqueue.json"));

  seed.step(caller.team_id);  // before the poll interval: nothing to do
  EXPECT_EQ(0u, calls("status.json"));
}

TEST_F(MirrorSeedTest, ACompletedExportIsRecordedAndTheWindowBeforeItExportedNext) {
  exports.files = {"email,unsubscribed\nAnn@X.com,true\nbob@y.com,false\ncy@z.com,true\n"};
  const TimePoint start = clock.now();
  seed.step(caller.team_id);
  step_later();

  auto m = store->marketo_sync().mirrored(caller.team_id, {"ann@x.com", "bob@y.com", "cy@z.com"});
  ASSERT_EQ(2u, m.size()) << "only unsubscribed addresses are recorded";
  EXPECT_TRUE(m["ann@x.com"].unsubscribed);
  EXPECT_TRUE(m["cy@z.com"].unsubscribed);
  store::SeedState s = state();
  EXPECT_EQ(2, s.addresses);
  EXPECT_EQ(std::optional<std::string>("ex-2"), s.export_id);
  EXPECT_EQ(std::optional<TimePoint>(start - marketo::kMaxExportWindow), s.window_end);
  EXPECT_EQ(0u, calls("/v1/leads.json")) << "no lookup per address";
}

TEST_F(MirrorSeedTest, TheSeedIsDoneAfterWindowsInARowWithoutALead) {
  exports.files = {"email,unsubscribed\nann@x.com,true\n"};  // ex-2 and ex-3 are empty
  seed.step(caller.team_id);
  for (int i = 0; i < 3; ++i) step_later();
  store::SeedState s = state();
  EXPECT_EQ(SeedPhase::done, s.phase);
  EXPECT_EQ(std::optional<TimePoint>(clock.now()), s.finished_at);
  EXPECT_EQ(1, s.addresses);
  EXPECT_EQ(3u, exports.created.size());

  step_later();
  EXPECT_EQ(3u, exports.created.size()) << "a done seed makes no more calls";
}

TEST_F(MirrorSeedTest, AFailedExportIsShownThenTheSameWindowIsExportedAgainAfterABackoff) {
  exports.status["ex-1"] = "Failed";
  seed.step(caller.team_id);
  step_later();
  store::SeedState failed = state();
  EXPECT_EQ(SeedPhase::failed, failed.phase);
  EXPECT_NE("", failed.last_error);
  EXPECT_EQ(std::nullopt, failed.export_id);
  EXPECT_EQ(std::optional<TimePoint>(clock.now() + options.retry_base), failed.next_step_at);

  seed.step(caller.team_id);
  EXPECT_EQ(1u, exports.created.size()) << "no retry before the backoff";
  clock.advance(options.retry_base);
  seed.step(caller.team_id);
  ASSERT_EQ(2u, exports.created.size());
  EXPECT_EQ(exports.created[0], exports.created[1]) << "the same window again";
  EXPECT_EQ(SeedPhase::running, state().phase);
  EXPECT_EQ("", state().last_error);
}

TEST_F(MirrorSeedTest, AJobNeverCompletedIsGivenUpAfterItsPolls) {
  exports.status["ex-1"] = "Queued";
  options.max_polls = 3;
  MirrorSeed patient{stores(), client, clock, options};
  patient.step(caller.team_id);
  for (int i = 0; i < 3; ++i) {
    clock.advance(options.poll_interval);
    patient.step(caller.team_id);
  }
  EXPECT_EQ(SeedPhase::failed, state().phase);
  EXPECT_EQ(3u, calls("status.json"));
}

TEST_F(MirrorSeedTest, ARestartResumesTheJobItWasWaitingOn) {
  exports.status["ex-1"] = "Processing";
  seed.step(caller.team_id);
  MirrorSeed restarted{stores(), client, clock, options};
  clock.advance(options.poll_interval);
  restarted.step(caller.team_id);
  EXPECT_EQ(1u, exports.created.size()) << "no second export of the same window";
  EXPECT_EQ(1u, calls("ex-1/status.json"));
  EXPECT_EQ(1, state().polls);
}

TEST_F(MirrorSeedTest, AConnectionToAnotherInstanceSeedsAgain) {
  exports.files = {"email,unsubscribed\nann@x.com,true\n"};
  seed.step(caller.team_id);
  for (int i = 0; i < 3; ++i) step_later();
  ASSERT_EQ(SeedPhase::done, state().phase);

  connect("https://987-XYZ-654.mktorest.com/rest");
  seed.step(caller.team_id);
  store::SeedState s = state();
  EXPECT_EQ(SeedPhase::running, s.phase);
  EXPECT_EQ("https://987-XYZ-654.mktorest.com/rest", s.instance);
  EXPECT_EQ(0, s.addresses);
  EXPECT_EQ(std::nullopt, s.finished_at);
  EXPECT_EQ(4u, exports.created.size());
}

TEST_F(MirrorSeedTest, AStepIsDueOnlyWhenTheSeedHasSomethingToDo) {
  // The sync asks before it starts a pass for the seed: not at every wake of every team.
  EXPECT_TRUE(seed.due(caller.team_id, clock.now())) << "never seeded";
  seed.step(caller.team_id);
  EXPECT_FALSE(seed.due(caller.team_id, clock.now())) << "the export's status is read a poll interval later";
  EXPECT_TRUE(seed.due(caller.team_id, clock.now() + options.poll_interval));
  for (int i = 0; i < 3; ++i) step_later();
  ASSERT_EQ(SeedPhase::done, state().phase);
  EXPECT_FALSE(seed.due(caller.team_id, clock.now() + std::chrono::hours(24 * 365))) << "done";
  connect("https://987-XYZ-654.mktorest.com/rest");
  EXPECT_TRUE(seed.due(caller.team_id, clock.now())) << "another instance is seeded again";
  store->connections().remove(caller.team_id);
  EXPECT_FALSE(seed.due(caller.team_id, clock.now())) << "not connected";
}

}  // namespace
}  // namespace sg::mirror::test
