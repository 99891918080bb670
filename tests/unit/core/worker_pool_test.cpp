#include "core/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <string>
#include <vector>

namespace sg {
namespace {

using std::chrono::microseconds;
constexpr microseconds kNeverOverdue = std::chrono::hours(1);
constexpr auto kPatience = std::chrono::seconds(10);  // far above any real wait: only a hang fails

void no_error(const std::exception* e) { ADD_FAILURE() << (e ? e->what() : "unknown exception"); }

TEST(WorkerPool, RunsEveryPostedWorkBeforeJoinReturns) {
  std::atomic<int> ran{0};
  WorkerPool pool(4, 2, kNeverOverdue, no_error);
  for (int i = 0; i < 1000; ++i) pool.post([&] { ++ran; });
  pool.join();
  EXPECT_EQ(1000, ran.load());
}

TEST(WorkerPool, KeepsOnlyTheRunningCapBusyWhileWorkFinishesInTime) {
  std::atomic<int> busy{0};
  std::atomic<int> most{0};
  WorkerPool pool(8, 2, kNeverOverdue, no_error);
  for (int i = 0; i < 200; ++i) {
    pool.post([&] {
      int now = ++busy;
      for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
      }
      std::this_thread::sleep_for(microseconds(100));
      --busy;
    });
  }
  pool.join();
  EXPECT_GE(most.load(), 1);
  EXPECT_LE(most.load(), 2);
}

TEST(WorkerPool, WorkQueuedBehindBlockedWorkIsTakenByAnotherThreadAfterTheGrace) {
  // With one running thread and no grace the first work would wait forever for the second.
  std::promise<void> released;
  std::future<void> release = released.get_future();
  std::promise<void> finished;
  WorkerPool pool(2, 1, microseconds(1000), no_error);
  pool.post([&] {
    release.wait();
    finished.set_value();
  });
  pool.post([&] { released.set_value(); });
  auto outcome = finished.get_future().wait_for(kPatience);
  EXPECT_EQ(std::future_status::ready, outcome);
  if (outcome != std::future_status::ready) released.set_value();  // or join() would wait forever
}

TEST(WorkerPool, WorkThatThrowsIsReportedAndThePoolGoesOn) {
  std::vector<std::string> errors;
  std::mutex mu;
  std::atomic<int> ran{0};
  WorkerPool pool(2, 1, kNeverOverdue, [&](const std::exception* e) {
    std::lock_guard lock(mu);
    errors.push_back(e ? e->what() : "unknown");
  });
  pool.post([] { throw std::runtime_error("the database is gone"); });
  pool.post([] { throw 42; });
  pool.post([&] { ++ran; });
  pool.join();
  EXPECT_EQ(1, ran.load());
  EXPECT_EQ((std::vector<std::string>{"the database is gone", "unknown"}), errors);
}

TEST(WorkerPool, WorkPostedAfterJoinIsDropped) {
  std::atomic<int> ran{0};
  WorkerPool pool(1, 1, kNeverOverdue, no_error);
  pool.join();
  pool.post([&] { ++ran; });
  pool.join();
  EXPECT_EQ(0, ran.load());
}

}  // namespace
}  // namespace sg
