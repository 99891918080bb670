// FakeHttp: an HttpClient that replays scripted replies and records every request.
// Replies are scripted per URL fragment (the newest matching script wins), served in
// order with the last one repeating, or computed by a handler. Thread-safe.
// An unscripted request fails the test and gets a transport error.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_client.h"

namespace sg::marketo::test {

using Reply = Result<net::Response>;

inline Reply http(int status, std::string body) { return net::Response{status, std::move(body)}; }
inline Reply ok(std::string body) { return http(200, std::move(body)); }
inline Reply transport_error(std::string message = "Couldn't connect to server") {
  return Error{"transport", std::move(message), {}, {}};
}

class FakeHttp final : public net::HttpClient {
 public:
  using Handler = std::function<Reply(const net::Request&)>;

  void script(std::string url_part, std::vector<Reply> replies) {
    std::lock_guard lock(mu_);
    rules_.push_back(Rule{std::move(url_part), std::move(replies), nullptr, 0});
  }
  void handle(std::string url_part, Handler handler) {
    std::lock_guard lock(mu_);
    rules_.push_back(Rule{std::move(url_part), {}, std::move(handler), 0});
  }

  Reply send(const net::Request& request) override {
    Handler handler;
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
      Rule* rule = match(request.url);
      if (rule == nullptr) {
        ADD_FAILURE() << "unscripted request " << request.method << " " << request.url;
        return transport_error("unscripted");
      }
      if (!rule->handler) return rule->replies[std::min(rule->served++, rule->replies.size() - 1)];
      handler = rule->handler;
    }
    return handler(request);  // outside the lock: handlers may block, as a slow server would
  }

  std::vector<net::Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::vector<net::Request> requests_to(std::string_view url_part) const {
    std::vector<net::Request> out;
    for (auto& request : requests()) {
      if (request.url.find(url_part) != std::string::npos) out.push_back(request);
    }
    return out;
  }

 private:
  struct Rule {
    std::string url_part;
    std::vector<Reply> replies;
    Handler handler;
    size_t served;
  };

  Rule* match(const std::string& url) {
    for (auto it = rules_.rbegin(); it != rules_.rend(); ++it) {
      if (url.find(it->url_part) != std::string::npos && (it->handler || !it->replies.empty())) return &*it;
    }
    return nullptr;
  }

  mutable std::mutex mu_;
  std::vector<Rule> rules_;
  std::vector<net::Request> requests_;
};

}  // namespace sg::marketo::test
