#include "core/worker_pool.h"

#include <algorithm>

namespace sg {

WorkerPool::WorkerPool(size_t threads, size_t running, std::chrono::microseconds grace, OnError on_error)
    : running_(std::max<size_t>(running, 1)), grace_(grace), on_error_(std::move(on_error)) {
  for (size_t i = 0; i < std::max<size_t>(threads, 1); ++i) threads_.emplace_back([this] { serve(); });
}

void WorkerPool::post(Work work) {
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  queue_.push_back({std::move(work), Clock::now()});
  // While every running thread is busy the work waits for one of them, but a sleeping
  // thread must time it in case they are all blocked.
  if (busy_ < running_ || !watching_) wake_.notify_one();
}

void WorkerPool::join() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

void WorkerPool::serve() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (queue_.empty()) {
      if (stopping_) {
        wake_.notify_all();  // the others may sleep, waiting for a busy thread to finish
        return;
      }
      wake_.wait(lock);
      continue;
    }
    const bool overdue = Clock::now() - queue_.front().at >= grace_;
    if (busy_ < running_ || overdue) {
      Work work = std::move(queue_.front().work);
      queue_.pop_front();
      ++busy_;
      if (!queue_.empty() && busy_ >= running_ && !watching_) wake_.notify_one();
      lock.unlock();
      run(work);
      work = nullptr;  // what it holds is released before the lock is taken again
      lock.lock();
      --busy_;
      continue;
    }
    if (watching_) {
      wake_.wait(lock);
      continue;
    }
    watching_ = true;
    wake_.wait_until(lock, queue_.front().at + grace_);
    watching_ = false;
  }
}

void WorkerPool::run(Work& work) {
  try {
    work();
  } catch (const std::exception& e) {
    on_error_(&e);
  } catch (...) {
    on_error_(nullptr);
  }
}

}  // namespace sg
