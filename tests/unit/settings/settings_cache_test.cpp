// SettingsCache over a counting fake store on a fake clock: a team's settings are read
// once per TTL, a forget shows a committed change at once, and a read that overlapped a
// change is not kept.
#include "settings/settings_cache.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "fakes/fake_clock.h"

namespace sg::settings {
namespace {

class FakeSettings final : public store::SettingsStore {
 public:
  store::UnsubscribeSettings get(const std::string& team_id) override {
    ++reads;
    auto answer = stored[team_id];
    if (during_read) std::exchange(during_read, nullptr)();
    return answer;
  }
  void put(const std::string& team_id, const store::UnsubscribeSettings& s, TimePoint) override {
    stored[team_id] = s;
  }

  std::map<std::string, store::UnsubscribeSettings> stored;
  int reads = 0;
  std::function<void()> during_read;  // once, after the answer is read
};

const store::UnsubscribeSettings kOff{false, FailPolicy::Block};
const store::UnsubscribeSettings kOn{true, FailPolicy::Send};

class SettingsCacheTest : public ::testing::Test {
 protected:
  FakeSettings settings;
  test::FakeClock clock;
  SettingsCache cache{settings, clock, Millis(2000)};
};

TEST_F(SettingsCacheTest, ATeamsSettingsAreReadOncePerTtl) {
  settings.stored["t1"] = kOn;
  EXPECT_TRUE(cache.get("t1").marketo_check_enabled);
  settings.stored["t1"] = kOff;  // changed elsewhere: another instance, the command line
  clock.advance(Millis(1999));
  EXPECT_TRUE(cache.get("t1").marketo_check_enabled) << "still within the TTL";
  EXPECT_EQ(1, settings.reads);
  clock.advance(Millis(1));
  EXPECT_FALSE(cache.get("t1").marketo_check_enabled) << "seen once the TTL is over";
  EXPECT_EQ(2, settings.reads);
}

TEST_F(SettingsCacheTest, TeamsAreCachedApart) {
  settings.stored["t1"] = kOn;
  settings.stored["t2"] = kOff;
  EXPECT_TRUE(cache.get("t1").marketo_check_enabled);
  EXPECT_FALSE(cache.get("t2").marketo_check_enabled);
  EXPECT_EQ(FailPolicy::Send, cache.get("t1").on_check_unavailable);
  EXPECT_EQ(2, settings.reads);
}

TEST_F(SettingsCacheTest, AForgottenTeamIsReadAgainAtOnce) {
  settings.stored["t1"] = kOff;
  cache.get("t1");
  settings.stored["t1"] = kOn;
  cache.forget("t1");
  EXPECT_TRUE(cache.get("t1").marketo_check_enabled);
}

TEST_F(SettingsCacheTest, AReadOverlappingAChangeIsAnsweredButNotKept) {
  settings.stored["t1"] = kOff;
  // The read sees the old settings; the change commits and is forgotten before it returns.
  settings.during_read = [&] {
    settings.stored["t1"] = kOn;
    cache.forget("t1");
  };
  EXPECT_FALSE(cache.get("t1").marketo_check_enabled);
  EXPECT_TRUE(cache.get("t1").marketo_check_enabled) << "the old answer was not kept";
}

}  // namespace
}  // namespace sg::settings
