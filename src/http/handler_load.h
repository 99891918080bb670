// HandlerLoad: how many of the server's handler threads are running a handler. While
// every one is (a stalled dependency can hold them), requests only queue: /readyz says so,
// so a load balancer sends traffic elsewhere. Thread-safe.
#pragma once

#include <atomic>

namespace sg::http {

class HandlerLoad {
 public:
  explicit HandlerLoad(int threads) : threads_(threads) {}

  void enter() { busy_.fetch_add(1); }
  void leave() { busy_.fetch_sub(1); }
  bool saturated() const { return busy_.load() >= threads_; }

 private:
  const int threads_;
  std::atomic<int> busy_{0};
};

}  // namespace sg::http
