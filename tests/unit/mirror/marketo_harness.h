// MarketoHarness: what the mirror's tests share: a team with the check on (SendingTest's
// store, clock and caller) connected to a Marketo instance served by a FakeHttp whose
// Identity hands out "tok-1", and a real marketo::Client over it.
#pragma once

#include <string>

#include "marketo/fake_http.h"
#include "marketo/marketo_client.h"
#include "marketo/marketo_fixtures.h"
#include "sending/sending_fixture.h"

namespace sg::mirror::test {

inline const std::string kRest = "https://123-ABC-456.mktorest.com/rest";
inline const std::string kIdentity = "https://123-ABC-456.mktorest.com/identity";

class MarketoHarness : public sending::test::SendingTest {
 protected:
  MarketoHarness() {
    http.script(marketo::test::kTokenPath, {marketo::test::ok(marketo::test::token_json("tok-1"))});
    connect(kRest);
  }

  // Connects the team to the instance at `rest` (tokens still from kIdentity).
  void connect(const std::string& rest) {
    store->connections().put(caller.team_id, {rest, kIdentity, "client-1", "s3cret", clock.now()});
  }
  static marketo::Credentials credentials() { return {kRest, kIdentity, "client-1", "s3cret"}; }

  marketo::test::FakeHttp http;
  marketo::Client client{http, clock, metrics, marketo::Limits{}};
};

}  // namespace sg::mirror::test
