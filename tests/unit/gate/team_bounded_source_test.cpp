#include "gate/team_bounded_source.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>

namespace sg::gate {
namespace {

using Answer = Result<std::unordered_set<std::string>>;

// Answers nothing unsubscribed, but holds team "slow"'s callers until released, as a
// Marketo that accepts and never answers would.
class HangingSource final : public SuppressionSource {
 public:
  Answer unsubscribed_among(const std::string& team_id, const std::vector<std::string>&) override {
    std::unique_lock lock(mu_);
    if (team_id == "slow") {
      ++hanging_;
      changed_.notify_all();
      changed_.wait(lock, [&] { return released_; });
      --hanging_;
    }
    return std::unordered_set<std::string>{};
  }
  void wait_for_hanging(int n) {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return hanging_ == n; });
  }
  void release() {
    std::lock_guard lock(mu_);
    released_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int hanging_ = 0;
  bool released_ = false;
};

const std::vector<std::string> kKeys{"a@x.com"};
constexpr Millis kNever{3600 * 1000};
const Error kBusy = Error::make("marketo_busy", "too many waiting");

std::future<Answer> ask_async(TeamBoundedSource& source, const std::string& team) {
  return std::async(std::launch::async, [&source, team] { return source.unsubscribed_among(team, kKeys); });
}

TEST(TeamBoundedSource, FailsFastBeyondTheTeamsShareAndServesOthers) {
  HangingSource inner;
  TeamBoundedSource bounded(inner, TeamLimits{2, 0, kNever}, kBusy);
  auto first = ask_async(bounded, "slow");
  auto second = ask_async(bounded, "slow");
  inner.wait_for_hanging(2);

  Answer third = bounded.unsubscribed_among("slow", kKeys);
  ASSERT_FALSE(third.ok());
  EXPECT_EQ("marketo_busy", third.error().code);
  EXPECT_TRUE(bounded.unsubscribed_among("other", kKeys).ok()) << "another team has slots of its own";

  inner.release();
  EXPECT_TRUE(first.get().ok());
  EXPECT_TRUE(second.get().ok());
  EXPECT_TRUE(bounded.unsubscribed_among("slow", kKeys).ok()) << "finished calls give their slots back";
}

TEST(TeamBoundedSource, LetsAWaitingCallerInWhenASlotFrees) {
  HangingSource inner;
  TeamBoundedSource bounded(inner, TeamLimits{1, 1, kNever}, kBusy);
  auto holder = ask_async(bounded, "slow");
  inner.wait_for_hanging(1);
  auto waiter = ask_async(bounded, "slow");
  inner.release();
  EXPECT_TRUE(holder.get().ok());
  EXPECT_TRUE(waiter.get().ok());
}

TEST(TeamBoundedSource, GivesUpWaitingOnceTheTeamsOldestCallStalls) {
  HangingSource inner;
  TeamBoundedSource bounded(inner, TeamLimits{1, 5, Millis{20}}, kBusy);
  auto holder = ask_async(bounded, "slow");
  inner.wait_for_hanging(1);

  Answer waited = bounded.unsubscribed_among("slow", kKeys);
  Answer newcomer = bounded.unsubscribed_among("slow", kKeys);

  ASSERT_FALSE(waited.ok());
  EXPECT_EQ("marketo_busy", waited.error().code);
  ASSERT_FALSE(newcomer.ok()) << "a stalled team's newcomers fail at once";
  inner.release();
  EXPECT_TRUE(holder.get().ok());
}

}  // namespace
}  // namespace sg::gate
