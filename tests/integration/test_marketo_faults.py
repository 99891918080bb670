"""Marketo faults on the send path: transient ones are retried, persistent ones follow the fail policy."""
import re
import time
from datetime import datetime, timedelta, timezone

import pytest

from assertions import wait_until

TRANSIENT = [
    {"kind": "error", "code": "604"},
    {"kind": "error", "code": "608"},
    {"kind": "error", "code": "611"},
    {"kind": "error", "code": "614"},  # Invalid subscription: usually temporary
    {"kind": "error", "code": "615"},
    {"kind": "error", "code": "713"},
    {"kind": "http_status", "status": 502},
    {"kind": "close"},
    {"kind": "garbage"},
]


def fault_id(fault):
    return fault.get("code") or str(fault.get("status") or fault["kind"])


def rest_calls(stats):
    return [c for c in stats["calls"] if c["path"].startswith("/rest/")]


@pytest.fixture
def start(make_server, sim):
    """A server with the check on (policy as given); returns (server, admin client)."""
    def make(policy="block", env=None):
        server = make_server(env=env).start()
        admin = server.add_user("Acme", "admin@acme.com", "admin")
        admin.enable_check(sim, policy=policy)
        return server, admin
    return make


@pytest.mark.parametrize("fault", TRANSIENT, ids=fault_id)
def test_transient_fault_once_is_retried_and_the_send_succeeds(start, sim, sink, fault):
    server, admin = start()
    sim.add_leads([{"email": "ann@x.com"}])
    sim.faults([{**fault, "count": 1}])

    reply = admin.send(["ann@x.com"])

    assert reply.status_code == 202, reply.text
    admin.wait_status(reply.json()["id"], {"sent"})
    assert [m["rcpt_tos"] for m in sink.wait_for(1)] == [["ann@x.com"]]
    stats = sim.stats()
    assert stats["lookup_calls"] == 1  # the faulted attempt never reached the lead database
    assert len(rest_calls(stats)) == 2
    if fault["kind"] == "error":
        assert stats["errors_by_code"] == {fault["code"]: 1}


@pytest.mark.parametrize("fault", TRANSIENT, ids=fault_id)
def test_transient_fault_once_still_finds_the_unsubscribed(start, sim, sink, fault):
    server, admin = start()
    sim.add_leads([{"email": "gone@x.com", "unsubscribed": True}])
    sim.faults([{**fault, "count": 1}])

    reply = admin.send(["gone@x.com"])

    assert reply.status_code == 422, reply.text
    assert reply.json()["error"]["recipients"] == ["gone@x.com"]


@pytest.mark.parametrize("fault", [{"kind": "error", "code": "608"}, {"kind": "error", "code": "615"},
                                   {"kind": "http_status", "status": 502}, {"kind": "garbage"}],
                         ids=fault_id)
def test_persistent_fault_with_policy_block_is_503_and_nothing_is_sent(start, sim, sink, fault):
    server, admin = start(policy="block")
    sim.faults([{**fault, "count": 10}])

    reply = admin.send(["ann@x.com"], subject="Unverified")

    assert reply.status_code == 503, reply.text
    assert reply.json()["error"]["code"] == "unsubscribe_check_unavailable"
    emails = admin.get("/emails").json()["emails"]
    assert [(e["subject"], e["status"]) for e in emails] == [("Unverified", "blocked")]
    assert sim.stats()["lookup_calls"] == 0
    time.sleep(0.5)
    assert sink.messages() == []


def test_persistent_fault_with_policy_send_is_accepted_and_delivered(start, sim, sink):
    server, admin = start(policy="send")
    sim.faults([{"kind": "error", "code": "611", "count": 10}])

    reply = admin.send(["ann@x.com"])

    assert reply.status_code == 202, reply.text
    admin.wait_status(reply.json()["id"], {"sent"}, timeout=30)
    assert [m["rcpt_tos"] for m in sink.wait_for(1)] == [["ann@x.com"]]


def test_daily_quota_607_fails_at_once_and_is_remembered(start, sim, sink):
    server, admin = start(policy="block")
    sim.faults([{"kind": "error", "code": "607", "count": 1}])

    first = admin.send(["ann@x.com"])
    calls_after_first = sim.stats()["rest_calls"]
    second = admin.send(["bob@x.com"])
    check = admin.post("/checks", {"recipients": ["carl@x.com"]})

    assert first.status_code == 503, first.text
    assert first.json()["error"]["code"] == "unsubscribe_check_unavailable"
    assert calls_after_first == 1
    assert second.status_code == 503, second.text
    assert check.status_code == 503, check.text
    assert sim.stats()["rest_calls"] == 1
    time.sleep(0.5)
    assert sink.messages() == []


def us_central_midnight_before(now):
    """The last midnight in US Central at or before `now` (UTC), daylight time included:
    from the second Sunday of March to the first Sunday of November, 2:00 local."""
    def sunday(year, month, nth):
        first = datetime(year, month, 1, tzinfo=timezone.utc)
        return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (nth - 1))
    dst_starts = sunday(now.year, 3, 2) + timedelta(hours=8)
    dst_ends = sunday(now.year, 11, 1) + timedelta(hours=7)
    offset = timedelta(hours=5 if dst_starts <= now < dst_ends else 6)
    local = now - offset
    return datetime(local.year, local.month, local.day, tzinfo=timezone.utc) + offset


def test_daily_quota_607_resumes_at_midnight_us_central_or_an_hour_later_near_the_reset(start, sim, sink):
    # Adobe: the quota resets at "12:00AM CST"; whether that follows daylight time is not
    # documented, so within two hours of the computed reset a 607 is asked again hourly.
    server, admin = start(policy="block")
    sim.faults([{"kind": "error", "code": "607", "count": 1}])
    before = datetime.now(timezone.utc)

    assert admin.send(["ann@x.com"]).status_code == 503

    after = datetime.now(timezone.utc)
    found = re.search(r"daily quota of .* spent .*; no calls until (\S+)", server.log.read_text())
    assert found, server.log.read_text()
    resumes = datetime.fromisoformat(found.group(1).replace("Z", "+00:00"))
    last_reset = us_central_midnight_before(before)
    if before - last_reset < timedelta(hours=2):
        assert before + timedelta(hours=1) - timedelta(seconds=1) <= resumes <= after + timedelta(hours=1)
    else:
        # The first midnight after `before`: a day in US Central lasts 23 to 25 hours.
        next_reset = next(m for m in (us_central_midnight_before(before + timedelta(hours=h))
                                      for h in range(1, 27)) if m > last_reset)
        assert resumes == next_reset


def test_access_denied_603_fails_without_retrying(start, sim, sink):
    server, admin = start(policy="block")
    sim.faults([{"kind": "error", "code": "603", "count": 1}])

    reply = admin.send(["ann@x.com"])

    assert reply.status_code == 503, reply.text
    assert reply.json()["error"]["code"] == "unsubscribe_check_unavailable"
    assert sim.stats()["rest_calls"] == 1
    assert sim.stats()["errors_by_code"] == {"603": 1}


@pytest.mark.parametrize("code", ["601", "602"])
def test_token_error_renews_the_token_and_retries(start, sim, sink, code):
    server, admin = start()
    tokens_before = sim.stats()["token_calls"]
    sim.add_leads([{"email": "gone@x.com", "unsubscribed": True}])
    sim.faults([{"kind": "error", "code": code, "count": 1}])

    blocked = admin.send(["gone@x.com"])
    allowed = admin.send(["ann@x.com"])

    assert blocked.status_code == 422, blocked.text
    assert allowed.status_code == 202, allowed.text
    admin.wait_status(allowed.json()["id"], {"sent"})
    stats = sim.stats()
    assert stats["token_calls"] == tokens_before + 1
    assert stats["errors_by_code"] == {code: 1}


def test_expired_token_is_renewed_transparently(start, sim, sink):
    server, admin = start()
    assert admin.send(["first@x.com"]).status_code == 202
    tokens_before = sim.stats()["token_calls"]
    sim.expire_tokens()

    reply = admin.send(["ann@x.com"])

    assert reply.status_code == 202, reply.text
    admin.wait_status(reply.json()["id"], {"sent"})
    stats = sim.stats()
    assert stats["token_calls"] == tokens_before + 1
    assert stats["lookup_calls"] == 2
    tokens = {c["auth"] for c in rest_calls(stats)}
    assert len(tokens) == 2  # the old token once, then the renewed one


@pytest.mark.parametrize("fault", [{"kind": "http_status", "status": 502}, {"kind": "close"}],
                         ids=fault_id)
def test_identity_hiccup_during_renewal_is_retried(start, sim, sink, fault):
    server, admin = start()
    sim.expire_tokens()
    sim.faults([{**fault, "count": 1}], endpoint="token")

    reply = admin.send(["ann@x.com"])

    assert reply.status_code == 202, reply.text
    admin.wait_status(reply.json()["id"], {"sent"})
    assert sim.stats()["lookup_calls"] == 1


def test_slow_marketo_is_cut_off_by_the_client_timeout_and_retried(start, sim, sink):
    server, admin = start(env={"SENDGUARD_MARKETO_TIMEOUT_MS": "500"})
    sim.add_leads([{"email": "gone@x.com", "unsubscribed": True}])
    sim.faults([{"kind": "timeout", "seconds": 5, "count": 1}])

    began = time.monotonic()
    reply = admin.send(["gone@x.com"])
    took = time.monotonic() - began

    assert reply.status_code == 422, reply.text
    assert reply.json()["error"]["recipients"] == ["gone@x.com"]
    assert took < 4, f"the send waited {took:.1f} s for a reply the client should have given up on"


def test_slow_marketo_persistently_is_503_with_policy_block(start, sim, sink):
    server, admin = start(env={"SENDGUARD_MARKETO_TIMEOUT_MS": "300"})
    sim.faults([{"kind": "timeout", "seconds": 3, "count": 10}])

    reply = admin.send(["ann@x.com"])

    assert reply.status_code == 503, reply.text
    assert reply.json()["error"]["code"] == "unsubscribe_check_unavailable"


def test_access_token_travels_only_in_the_authorization_header(start, sim, sink):
    server, admin = start()
    sim.add_leads([{"email": "gone@x.com", "unsubscribed": True}])
    admin.send(["gone@x.com"])
    admin.post("/checks", {"recipients": [f"p{i}@x.com" for i in range(400)]})
    admin.send(["ann@x.com"])

    calls = rest_calls(sim.stats())
    assert len(calls) >= 3
    for call in calls:
        assert "access_token" not in call["query"], call
        scheme, _, token = (call["auth"] or "").partition(" ")
        assert scheme == "Bearer" and token.endswith(":int"), call


# --- Marketo's own windows -------------------------------------------------------------

def leads_calls(stats):
    return sum(1 for c in stats["calls"] if c["path"] == "/rest/v1/leads.json")


def test_rate_limit_606_gets_the_fail_policy_at_once_and_holds_marketo_back_a_window(start, sim, sink):
    # Strict: every call is refused and counted, so any retry inside the window fails too.
    server, admin = start(policy="block")
    sim.config(rate_limit_calls=0, rate_limit_counts_refused=True)

    limited = admin.send(["c@x.com"])
    held_back = admin.post("/checks", {"recipients": ["d@x.com"]})

    assert limited.status_code == 503, limited.text
    assert limited.json()["error"]["code"] == "unsubscribe_check_unavailable"
    assert held_back.status_code == 503, held_back.text
    # Neither retried nor asked again within the window.
    assert leads_calls(sim.stats()) == 1


def test_rate_limit_606_with_policy_send_is_accepted_unverified(start, sim, sink):
    server, admin = start(policy="send")
    sim.faults([{"kind": "error", "code": "606", "count": 1}])

    reply = admin.send(["ann@x.com"])

    assert reply.status_code == 202, reply.text
    # The simulator counts after answering; other codes (a token renewal) do not matter here.
    wait_until(lambda: sim.stats()["errors_by_code"].get("606") == 1, 10, "the 606 answered")
    assert leads_calls(sim.stats()) <= 1  # the lookup is not retried inside the window
    # Delivery can wait: the outbox holds the email through the window rather than send it
    # unverified, and delivers it on an answer asked after the window.
    email = admin.wait_status(reply.json()["id"], {"held", "sent"})
    assert email["status"] == "held", email
    assert sink.messages() == []
    admin.wait_status(email["id"], {"sent"}, timeout=90)
    assert leads_calls(sim.stats()) == 2


def test_an_address_more_than_1000_leads_share_fails_closed_alone(start, sim, sink):
    # Strict: Marketo answers 1003 when more than 1,000 leads match one lookup.
    server, admin = start(policy="block")
    sim.config(lookup_match_limit=1000)
    shared = "info@big.example"
    people = [f"p{i:03d}@x.example" for i in range(298)]
    gone = people[17]
    sim.add_leads([{"email": shared} for _ in range(1001)] +
                  [{"email": a, "unsubscribed": a == gone} for a in people])

    reply = admin.bulk("select_and_send", people[:150] + [shared] + people[150:])

    assert reply.status_code == 202, reply.text
    status = {e["email"]: (e["status"], e.get("reason")) for e in reply.json()["emails"]}
    assert status[shared] == ("held", "check_unavailable")
    assert status[gone] == ("failed", "marketo_unsubscribed")
    assert {status[a] for a in people if a != gone} == {("queued", None)}
    assert sim.stats()["errors_by_code"]["1003"] >= 1

    # Remembered: a later check with the shared address costs one call, for the others.
    wait_until(lambda: not admin.get("/emails", params={"status": "queued"}).json()["emails"], 60,
               "no email still queued", poll=0.1)
    before = leads_calls(sim.stats())
    check = admin.post("/checks", {"recipients": [shared, gone, "new@x.example"]})
    assert leads_calls(sim.stats()) == before + 1
    assert check.status_code == 503, check.text


def test_an_address_more_than_1000_leads_share_is_held_even_under_the_send_policy(start, sim, sink):
    # "Send when unavailable" is for outages; Marketo can never answer for this address.
    server, admin = start(policy="send")
    sim.config(lookup_match_limit=1000)
    shared = "info@big.example"
    sim.add_leads([{"email": shared} for _ in range(1001)] + [{"email": "ok@x.example"}])

    reply = admin.bulk("select_and_send", [shared, "ok@x.example"])

    assert reply.status_code == 202, reply.text
    status = {e["email"]: (e["status"], e.get("reason")) for e in reply.json()["emails"]}
    assert status == {shared: ("held", "check_unavailable"), "ok@x.example": ("queued", None)}


def test_rate_limit_606_makes_the_feed_wait_out_the_window_then_read_on(start, sim, sink):
    server, admin = start(env={"SENDGUARD_MIRROR_INTERVAL": "1"})
    # Both waits within one 20 s.
    began = time.monotonic()
    wait_until(lambda: sim.stats()["activity_calls"] >= 2, 20, "two reads of the feed")
    sim.faults([{"kind": "error", "code": "606", "count": 1}])
    wait_until(lambda: sim.stats()["errors_by_code"].get("606") == 1, 20 - (time.monotonic() - began),
               "the 606 answered")
    calls = sim.stats()["rest_calls"]

    time.sleep(15)  # well inside the 20 s window
    assert sim.stats()["rest_calls"] == calls, "a call to Marketo inside the rate-limit window"

    # Then the feed goes on, without another 606.
    wait_until(lambda: sim.stats()["rest_calls"] != calls, 30, "a call after the 606's window", poll=0.1)
    # Only the 606 counts here: a request of the previous test's server may reach the
    # simulator after its reset and be refused with 601.
    assert sim.stats()["errors_by_code"].get("606") == 1
