#include "campaigns/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace sg::campaigns {
namespace {

constexpr auto kPatience = std::chrono::seconds(10);  // far above any real wait: only a hang fails

class Switch final : public Leadership {
 public:
  bool leading() override {
    ++asked;
    return on.load();
  }
  std::atomic<bool> on{false};
  std::atomic<int> asked{0};
};

// Polls until `done` or the patience runs out; whether it came true.
template <class Done>
bool eventually(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

TEST(CampaignScheduler, RunsDueStepsOnlyWhileItsInstanceLeads) {
  Switch leadership;
  std::atomic<int> runs{0};
  std::atomic<int> wakes{0};
  CampaignScheduler scheduler(
      [&](int limit) {
        EXPECT_GT(limit, 0);
        ++runs;
        return 1;
      },
      [&] { ++wakes; }, leadership, Millis(5));
  scheduler.start();

  ASSERT_TRUE(eventually([&] { return leadership.asked.load() >= 3; }));
  EXPECT_EQ(0, runs.load()) << "another instance leads: its scheduler sends the steps";

  leadership.on = true;
  ASSERT_TRUE(eventually([&] { return runs.load() >= 1 && wakes.load() >= 1; }));

  leadership.on = false;
  // A round that asked just before the switch may still run; the rounds after it may not.
  ASSERT_TRUE(eventually([&, asked = leadership.asked.load()] { return leadership.asked.load() >= asked + 2; }));
  const int ran = runs.load();
  ASSERT_TRUE(eventually([&, asked = leadership.asked.load()] { return leadership.asked.load() >= asked + 3; }));
  scheduler.stop();
  EXPECT_EQ(ran, runs.load());
}

}  // namespace
}  // namespace sg::campaigns
