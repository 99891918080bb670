// A SendService and OutboxWorker over a real SQLite store in a temporary file, with
// fake Marketo/local sources, a recording transport and a fake clock.
#pragma once

#include <gtest/gtest.h>

#include "fakes/fake_clock.h"
#include "fakes/fake_sources.h"
#include "fakes/recording_transport.h"
#include "mirror/marketo_source.h"
#include "fakes/temp_store.h"
#include "sending/outbox_worker.h"
#include "sending/send_service.h"

namespace sg::sending::test {

class SendingTest : public ::testing::Test {
 protected:
  // The store opens with the fixture and is seeded here, so derived fixtures can bind services to it.
  SendingTest() {
    auto team = store->teams().create("Acme", clock.now());
    caller = {"us_1", team.id, "ann@acme.com", true};
    store->users().create({"us_1", team.id, "ann@acme.com", Role::Admin, std::nullopt}, clock.now());
    store->settings().put(team.id, {true, FailPolicy::Block}, clock.now());
  }

  // The repositories each service under test is given.
  SendServiceStores send_stores() { return {store->emails(), store->idempotency(), store->audit(), *store}; }
  OutboxWorkerStores outbox_stores() { return {store->emails(), store->settings(), store->audit(), *store}; }

  SendRequest request(std::vector<std::string> to) {
    SendRequest r;
    r.to = std::move(to);
    r.subject = "Hello";
    r.text = "Hi";
    return r;
  }

  sg::test::TempStore db_file;
  crypto::SecretKey key = crypto::SecretKey::from_bytes({});
  std::unique_ptr<store::Store> store = db_file.open(key);
  sg::test::FakeClock clock;
  sg::test::FakeSource local, marketo;
  sg::test::RecordingTransport transport;
  Metrics metrics;
  settings::SettingsCache settings_cache{store->settings(), clock};
  // Named as the server names Marketo, so the team's stored settings switch it on, and
  // back after a rate limit as Marketo is (the fixture links no Marketo adapter).
  static gate::CheckedSource marketo_like(sg::test::FakeSource& source) {
    gate::CheckedSource s = sg::test::checked(source, std::string(mirror::kMarketoSourceName), "marketo_unsubscribed");
    s.back_soon = [](std::string_view code) { return code == marketo::errc::rate_limited; };
    return s;
  }
  gate::UnsubscribeGate gate{{sg::test::checked_local(local), marketo_like(marketo)}, clock, metrics,
                             gate::GateOptions{Millis(0)}};
  crypto::UnsubscribeTokens tokens{key};
  Caller caller;
  int wakes = 0;
};

}  // namespace sg::sending::test
