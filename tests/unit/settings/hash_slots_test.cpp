// HashSlots with real threads: never more holders than slots; a caller who finds none
// free within the wait is turned away, and a released slot goes to a waiter.
#include "settings/hash_slots.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace sg::settings {
namespace {

TEST(HashSlots, HashSlotsNeverLetMoreThanTheirCountRunAtOnce) {
  HashSlots slots(2, Millis(60000));
  std::atomic<int> running{0}, most{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&] {
      auto lease = slots.acquire();
      ASSERT_TRUE(lease);
      int now = ++running;
      int seen = most.load();
      while (now > seen && !most.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      --running;
    });
  for (auto& t : threads) t.join();
  EXPECT_LE(most.load(), 2);
}

TEST(HashSlots, HashSlotsTurnACallerAwayWhenAllStayTaken) {
  HashSlots slots(2, Millis(20));
  auto a = slots.acquire();
  auto b = slots.acquire();
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_FALSE(slots.acquire());
  b.reset();
  EXPECT_TRUE(slots.acquire()) << "a released slot is free again";
}

TEST(HashSlots, HashSlotsHandAReleasedSlotToAWaiter) {
  HashSlots slots(1, Millis(60000));
  auto held = slots.acquire();
  ASSERT_TRUE(held);
  std::atomic<bool> got{false};
  std::thread waiter([&] { got = slots.acquire().has_value(); });
  held.reset();
  waiter.join();
  EXPECT_TRUE(got.load());
}

}  // namespace
}  // namespace sg::settings
