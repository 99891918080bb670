// Concurrent questions share batches; each caller gets exactly its own answer.
#include "gate/coalescing_source.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "fakes/fake_sources.h"

namespace sg::gate {
namespace {

// Blocks the first call until released, so that the other callers pile up behind it.
class GatedSource final : public SuppressionSource {
 public:
  Result<std::unordered_set<std::string>> unsubscribed_among(
      const std::string& team_id, const std::vector<std::string>& keys) override {
    {
      std::unique_lock lock(mu);
      ++calls;
      sizes.push_back(keys.size());
      entered.notify_all();
      opened.wait(lock, [&] { return open; });
    }
    return inner.unsubscribed_among(team_id, keys);
  }
  void wait_for_first_call() {
    std::unique_lock lock(mu);
    entered.wait(lock, [&] { return calls > 0; });
  }
  void release() {
    std::lock_guard lock(mu);
    open = true;
    opened.notify_all();
  }

  test::FakeSource inner;
  std::mutex mu;
  std::condition_variable entered, opened;
  bool open = false;
  int calls = 0;
  std::vector<size_t> sizes;
};

TEST(CoalescingSource, ConcurrentCallersShareBatchesAndGetTheirOwnAnswers) {
  GatedSource gated;
  gated.inner.unsubscribed = {"u3@x.com", "u17@x.com"};
  CoalescingSource source(gated, 300);

  std::vector<std::thread> threads;
  std::vector<std::unordered_set<std::string>> answers(40);
  threads.emplace_back([&] { answers[0] = *source.unsubscribed_among("tm", {"first@x.com"}); });
  gated.wait_for_first_call();
  for (int i = 1; i < 40; ++i)
    threads.emplace_back([&, i] {
      answers[i] = *source.unsubscribed_among("tm", {"u" + std::to_string(i) + "@x.com", "shared@x.com"});
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let them queue up
  gated.release();
  for (auto& t : threads) t.join();

  // One call for the first caller, then the 39 waiting callers in one batch.
  EXPECT_EQ(2, gated.calls);
  EXPECT_EQ(40u, gated.sizes[1]);  // 39 own addresses plus one shared, deduplicated
  EXPECT_EQ((std::unordered_set<std::string>{"u3@x.com"}), answers[3]);
  EXPECT_EQ((std::unordered_set<std::string>{"u17@x.com"}), answers[17]);
  EXPECT_TRUE(answers[5].empty());
}

TEST(CoalescingSource, BatchesNeverExceedTheSizeUnlessOneRequestDoes) {
  GatedSource gated;
  CoalescingSource source(gated, 10);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { (void)source.unsubscribed_among("tm", {"a@x.com"}); });
  gated.wait_for_first_call();
  for (int i = 0; i < 6; ++i)
    threads.emplace_back([&, i] {
      std::vector<std::string> keys;
      for (int k = 0; k < 4; ++k) keys.push_back(std::to_string(i) + "-" + std::to_string(k) + "@x.com");
      (void)source.unsubscribed_among("tm", keys);
    });
  std::vector<std::string> big;
  for (int k = 0; k < 25; ++k) big.push_back("big" + std::to_string(k) + "@x.com");
  threads.emplace_back([&] { (void)source.unsubscribed_among("tm", big); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  gated.release();
  for (auto& t : threads) t.join();
  size_t total = 0;
  for (size_t i = 1; i < gated.sizes.size(); ++i) {
    if (gated.sizes[i] != 25u) {
      EXPECT_LE(gated.sizes[i], 10u);
    }
    total += gated.sizes[i];
  }
  EXPECT_EQ(6u * 4 + 25, total);
}

TEST(CoalescingSource, ErrorsReachEveryCallerOfTheBatch) {
  test::FakeSource failing;
  failing.failing = true;
  CoalescingSource source(failing);
  auto r = source.unsubscribed_among("tm", {"a@x.com"});
  ASSERT_FALSE(r);
  EXPECT_EQ("marketo_unreachable", r.error().code);
}

TEST(CoalescingSource, TeamsAreNeverMixedInOneCall) {
  test::FakeSource inner;
  CoalescingSource source(inner);
  std::thread a([&] { (void)source.unsubscribed_among("tm_a", {"a@x.com"}); });
  std::thread b([&] { (void)source.unsubscribed_among("tm_b", {"b@x.com"}); });
  a.join();
  b.join();
  ASSERT_EQ(2u, inner.asked.size());
  for (size_t i = 0; i < 2; ++i)
    EXPECT_EQ(inner.teams[i] == "tm_a" ? "a@x.com" : "b@x.com", inner.asked[i][0]);
}

}  // namespace
}  // namespace sg::gate
