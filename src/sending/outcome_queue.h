// OutcomeQueue: records delivery outcomes on a thread of its own, all those handed in
// meanwhile in one commit (Transactions::group_commit_each), so that a delivery thread
// goes on to its next message instead of waiting for its commit. Nothing is sent twice
// more for it: a delivery thread ends its next message only once its outcomes are
// recorded (OutboxWorker::deliver's end gate), as when it waited for each commit. Where
// the store commits side by side (PostgreSQL), a queue would only serialise the threads'
// commits: there each outcome is written at once, on its thread. Thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "store/stores.h"

namespace sg::sending {

class OutcomeQueue {
 public:
  explicit OutcomeQueue(store::Transactions& tx);
  ~OutcomeQueue();  // records what was handed in, then stops
  OutcomeQueue(const OutcomeQueue&) = delete;
  OutcomeQueue& operator=(const OutcomeQueue&) = delete;

  // Runs `write` in a coming commit, or at once where commits are not grouped. The future
  // holds what it returned once committed, or what it threw, or the commit's failure.
  std::future<bool> push(std::function<bool()> write);

 private:
  struct Queued {
    std::function<bool()> write;
    std::promise<bool> written;
  };
  void run();
  void commit(std::vector<Queued>& batch);

  store::Transactions& tx_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<Queued> queued_;  // GUARDED_BY(mu_)
  bool stopping_ = false;       // GUARDED_BY(mu_)
  std::thread thread_;          // last: started once the rest is built; none where commits are not grouped
};

}  // namespace sg::sending
