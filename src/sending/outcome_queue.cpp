#include "sending/outcome_queue.h"

#include <utility>

namespace sg::sending {

OutcomeQueue::OutcomeQueue(store::Transactions& tx) : tx_(tx) {
  if (tx_.groups_commits()) thread_ = std::thread([this] { run(); });
}

OutcomeQueue::~OutcomeQueue() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

std::future<bool> OutcomeQueue::push(std::function<bool()> write) {
  Queued queued{std::move(write), {}};
  std::future<bool> written = queued.written.get_future();
  if (!thread_.joinable()) {
    try {
      bool wrote = false;
      tx_.group_commit([&] { wrote = queued.write(); });
      queued.written.set_value(wrote);
    } catch (...) {
      queued.written.set_exception(std::current_exception());
    }
    return written;
  }
  {
    std::lock_guard lock(mu_);
    queued_.push_back(std::move(queued));
  }
  wake_.notify_one();
  return written;
}

void OutcomeQueue::run() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !queued_.empty(); });
    if (queued_.empty()) return;  // stopping, and everything handed in is written
    std::vector<Queued> batch = std::exchange(queued_, {});
    lock.unlock();
    commit(batch);
    lock.lock();
  }
}

void OutcomeQueue::commit(std::vector<Queued>& batch) {
  std::vector<char> wrote(batch.size(), 0);
  std::vector<std::function<void()>> works;
  works.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) works.emplace_back([&, i] { wrote[i] = batch[i].write(); });
  std::vector<std::exception_ptr> failures = tx_.group_commit_each(works);
  for (size_t i = 0; i < batch.size(); ++i) {
    if (failures[i]) batch[i].written.set_exception(failures[i]);
    else batch[i].written.set_value(wrote[i] != 0);
  }
}

}  // namespace sg::sending
