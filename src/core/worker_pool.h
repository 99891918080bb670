// WorkerPool: runs posted work on up to `threads` threads, keeping only about `running` of
// them busy at once (as many as there are cores). Work that arrives while they are busy
// waits for one of them to finish instead of waking a sleeping thread: on two cores a
// wake-up per short request (a futex call and a context switch, twice) cost more than the
// request itself. Work may block, though (a database lock, Marketo), and must not hold the
// queue behind it: once the oldest queued work has waited `grace`, a sleeping thread takes
// it, past the `running` cap, the way Go's runtime hands a blocked thread's processor to
// another. Thread-safe; whatever work throws is given to `on_error`.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sg {

class WorkerPool {
 public:
  using Work = std::function<void()>;
  using OnError = std::function<void(const std::exception*)>;  // nullptr: not a std::exception

  WorkerPool(size_t threads, size_t running, std::chrono::microseconds grace, OnError on_error);
  ~WorkerPool() { join(); }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void post(Work work);
  // Runs what is queued (still under the cap), then ends the threads; work posted
  // afterwards is dropped. Not from a pool thread.
  void join();

 private:
  using Clock = std::chrono::steady_clock;
  struct Queued {
    Work work;
    Clock::time_point at;
  };

  void serve();
  void run(Work& work);

  const size_t running_;
  const std::chrono::microseconds grace_;
  const OnError on_error_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Queued> queue_;  // GUARDED_BY(mutex_)
  size_t busy_ = 0;           // GUARDED_BY(mutex_); threads running work
  bool watching_ = false;     // GUARDED_BY(mutex_); a sleeping thread times the queue's head
  bool stopping_ = false;     // GUARDED_BY(mutex_)
  std::vector<std::thread> threads_;
};

}  // namespace sg
