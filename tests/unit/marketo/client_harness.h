// ClientHarness: a marketo::Client wired to a FakeHttp, a FakeClock and its own Metrics,
// with Identity scripted to hand out "tok-1" unless a test says otherwise.
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

#include "fakes/fake_clock.h"
#include "fake_http.h"
#include "marketo/marketo_client.h"
#include "marketo_fixtures.h"
#include "obs/metrics.h"

namespace sg::marketo::test {

using sg::test::FakeClock;

struct ClientHarness {
  explicit ClientHarness(Limits limits = {}, Ledgers ledgers = {}) : client(http, clock, metrics, limits, ledgers) {
    http.script(kTokenPath, {ok(token_json("tok-1"))});
  }

  Result<std::unordered_set<std::string>> lookup(const std::vector<std::string>& keys,
                                                 const Credentials& with = credentials()) {
    return client.unsubscribed_among(with, keys);
  }

  uint64_t calls(const std::string& kind, const std::string& result) const {
    return metrics.counter("sendguard_marketo_calls_total", {{"kind", kind}, {"result", result}});
  }

  FakeHttp http;
  FakeClock clock;
  Metrics metrics;
  Client client;
};

using Keys = std::unordered_set<std::string>;

}  // namespace sg::marketo::test
