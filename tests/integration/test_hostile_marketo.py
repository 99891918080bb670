"""Teams must not hurt each other through Marketo: a team's connection is verified against
the REST endpoint it names, limits and budgets are kept per REST host and client id, a
stalled Marketo holds only its own team's requests and sync, endpoints on internal
addresses are refused, and the client secret never travels in a URL.

No test here sends traffic beyond 127.0.0.0/8: the internal addresses below are refused
before any connection is opened."""
import threading
import time
from datetime import datetime

import pytest
import requests

from assertions import assert_error, assert_not_connected, wait_until
from peers import CLIENT_ID, CLIENT_SECRET, MarketoSim, free_port
from sendguard import connection_body

TEAM_A = {"client_id": "client-a", "client_secret": "secret-a-7Qx"}
TEAM_B = {"client_id": "client-b", "client_secret": "secret-b-2Lm"}


def enable_check(admin, sim, credentials, policy="block"):
    reply = admin.connect_marketo(sim, **credentials)
    assert reply.status_code == 200, reply.text
    reply = admin.put("/settings/unsubscribe", {"marketo_check_enabled": True, "on_check_unavailable": policy})
    assert reply.status_code == 200, reply.text


def check(client, *emails, timeout=30):
    return client.post("/checks", {"recipients": list(emails), "source": "gmail"}, timeout=timeout)


def parse_time(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@pytest.fixture(scope="module")
def other_sim():
    """A second token server: it hands out tokens the first simulator never issued."""
    with MarketoSim() as peer:
        yield peer


@pytest.fixture
def two_clients(sim):
    sim.config(clients={TEAM_A["client_id"]: TEAM_A["client_secret"],
                        TEAM_B["client_id"]: TEAM_B["client_secret"]})


# --- 18: the client secret never travels in a URL -------------------------------------

def test_token_request_carries_the_secret_in_a_form_body_not_the_url(admin, sim):
    assert admin.connect_marketo(sim).status_code == 200

    token_calls = [c for c in sim.stats()["calls"] if c["path"] == "/identity/oauth/token"]
    assert token_calls
    for call in token_calls:
        assert call["method"] == "POST"
        assert CLIENT_SECRET not in call["query"] and "client_secret" not in call["query"]


def test_simulator_refuses_a_secret_in_the_query_string(sim):
    credentials = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    in_url = requests.post(f"{sim.identity_endpoint}/oauth/token", params=credentials, timeout=10)
    in_body = requests.post(f"{sim.identity_endpoint}/oauth/token", data=credentials, timeout=10)

    assert in_url.status_code == 400
    assert in_body.status_code == 200 and in_body.json()["access_token"]


# --- 6: one team cannot spend another team's Marketo budget ---------------------------

def test_rest_endpoint_that_refuses_the_identity_endpoints_token_is_refused_at_connect(
        server, sim, other_sim):
    a = server.add_user("Acme", "admin@acme.com", "admin")
    b = server.add_user("Bolt", "admin@bolt.com", "admin")
    enable_check(a, sim, {})
    other_sim.reset()
    # B names A's REST host, and an Identity endpoint that hands B tokens for A's client id.
    reply = b.connect_marketo(sim, identity_endpoint=other_sim.identity_endpoint)

    error = assert_error(reply, 422, "marketo_rest_auth_failed")
    assert "Access token invalid" not in error["message"]
    assert_not_connected(b)
    assert sim.stats()["errors_by_code"].get("601", 0) >= 1, "the REST host was asked, and refused the token"


def test_rest_endpoint_that_cannot_be_reached_is_refused_at_connect(admin, sim):
    port = free_port()

    error = assert_error(admin.connect_marketo(sim, rest_endpoint=f"http://127.0.0.1:{port}/rest"),
                         422, "marketo_rest_unreachable")

    assert str(port) not in error["message"]
    assert_not_connected(admin)


def test_rest_endpoint_answering_access_denied_is_refused_at_connect(admin, sim):
    sim.faults([{"kind": "error", "code": "603", "count": 10}])

    assert_error(admin.connect_marketo(sim), 422, "marketo_access_denied")

    assert_not_connected(admin)


def test_budget_spent_by_one_client_id_does_not_block_another_on_the_same_host(make_server, sim, two_clients):
    server = make_server(env={"SENDGUARD_MARKETO_DAILY_BUDGET": "4", "SENDGUARD_MIRROR_INTERVAL": "3600"}).start()
    a = server.add_user("Acme", "admin@acme.com", "admin")
    b = server.add_user("Bolt", "admin@bolt.com", "admin")
    enable_check(a, sim, TEAM_A)  # verifying spends 2 of A's 4 calls
    assert check(a, "one@x.com").status_code == 200
    assert check(a, "two@x.com").status_code == 200
    assert_error(check(a, "three@x.com"), 503, "unsubscribe_check_unavailable")

    enable_check(b, sim, TEAM_B)
    sim.add_leads([{"email": "gone@x.com", "unsubscribed": True}])
    reply = check(b, "gone@x.com")

    assert reply.status_code == 200, reply.text
    assert reply.json()["results"] == [{"email": "gone@x.com", "allowed": False, "reason": "marketo_unsubscribed"}]
    assert a.get("/integrations/marketo").json()["usage"]["calls_today"] == 4
    assert b.get("/integrations/marketo").json()["usage"]["calls_today"] == 3


# --- 7: one team's stalled Marketo does not hold the others ---------------------------

class Pending:
    """Requests sent on threads of their own; `done` counts those that were answered."""

    def __init__(self, count, send):
        self.replies = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(send, i), daemon=True) for i in range(count)]
        for thread in self.threads:
            thread.start()

    def _run(self, send, i):
        try:
            reply = send(i)
        except requests.RequestException as error:
            reply = error
        with self.lock:
            self.replies.append(reply)

    def done(self):
        with self.lock:
            return len(self.replies)

    def statuses(self):
        with self.lock:
            return [getattr(r, "status_code", None) for r in self.replies]

    def join(self):
        for thread in self.threads:
            thread.join(60)


def lead_calls(sim):
    """Lead calls the simulator received, answered or not."""
    return sum(1 for c in sim.stats()["calls"] if c["path"] == "/rest/v1/leads.json")


def hang_marketo_for(sim, credentials):
    """Every REST call with this client id's token is accepted and never answered."""
    sim.faults([{"kind": "hang", "count": 100000, "client_id": credentials["client_id"]}])


def test_a_stalled_marketo_holds_only_its_own_teams_requests(make_server, sim, two_clients):
    server = make_server(env={"SENDGUARD_MARKETO_TIMEOUT_MS": "120000"}).start()
    a = server.add_user("Acme", "admin@acme.com", "admin")
    b = server.add_user("Bolt", "admin@bolt.com", "admin")
    enable_check(a, sim, TEAM_A, policy="block")
    enable_check(b, sim, TEAM_B, policy="block")
    hang_marketo_for(sim, TEAM_A)

    # More of A's requests than the server has handler threads.
    stalled = Pending(24, lambda i: check(a, f"a{i}@x.com", timeout=180))
    try:
        # Beyond its share, A fails fast with its own fail policy (block: 503).
        wait_until(lambda: stalled.statuses().count(503) >= 1, 60, "A's requests beyond its share to fail")
        emails = b.get("/emails", timeout=60)
        checked = check(b, "b@x.com", timeout=60)
        still_pending = 24 - stalled.done()

        assert emails.status_code == 200, emails.text
        assert checked.status_code == 200, checked.text
        assert checked.json()["results"][0]["allowed"] is True
        assert still_pending >= 1, "B was answered while A's requests were still waiting on Marketo"
        assert server.raw("GET", "/readyz").status_code == 200, "A holds only its share of the handlers"
    finally:
        sim.reset()  # releases the hung calls
        stalled.join()
    assert set(stalled.statuses()) <= {200, 503}


def test_a_stalled_team_with_a_policy_of_send_is_let_through_unverified(make_server, sim, two_clients):
    server = make_server(env={"SENDGUARD_MARKETO_TIMEOUT_MS": "120000",
                              "SENDGUARD_MARKETO_TEAM_CONCURRENCY": "1"}).start()
    a = server.add_user("Acme", "admin@acme.com", "admin")
    enable_check(a, sim, TEAM_A, policy="send")
    hang_marketo_for(sim, TEAM_A)
    lookups_before = lead_calls(sim)
    holder = Pending(1, lambda i: check(a, "held@x.com", timeout=180))
    try:
        wait_until(lambda: lead_calls(sim) > lookups_before, 30, "A's lookup to reach Marketo and hang")
        reply = check(a, "next@x.com", timeout=60)

        assert reply.status_code == 200, reply.text
        assert reply.json()["results"][0]["allowed"] is True
        assert holder.done() == 0, "answered while the first request still waits on Marketo"
    finally:
        sim.reset()
        holder.join()


def test_readyz_says_not_ready_while_every_handler_waits(make_server, sim, two_clients):
    server = make_server(env={"SENDGUARD_MARKETO_TIMEOUT_MS": "120000",
                              "SENDGUARD_MARKETO_TEAM_CONCURRENCY": "64"}).start()
    a = server.add_user("Acme", "admin@acme.com", "admin")
    enable_check(a, sim, TEAM_A)
    assert server.raw("GET", "/readyz").json() == {"status": "ready"}
    hang_marketo_for(sim, TEAM_A)

    stalled = Pending(20, lambda i: check(a, f"a{i}@x.com", timeout=180))
    try:
        wait_until(lambda: server.raw("GET", "/readyz").status_code == 503, 60, "/readyz to report busy handlers")
        assert server.raw("GET", "/readyz").json() == {"status": "handlers busy"}
    finally:
        sim.reset()
        stalled.join()
    wait_until(lambda: server.raw("GET", "/readyz").status_code == 200, 60, "/readyz to recover")


def test_a_stalled_team_does_not_delay_another_teams_sync(make_server, sim, two_clients):
    server = make_server(env={"SENDGUARD_MARKETO_TIMEOUT_MS": "120000", "SENDGUARD_MIRROR_INTERVAL": "1"}).start()
    a = server.add_user("Acme", "admin@acme.com", "admin")
    b = server.add_user("Bolt", "admin@bolt.com", "admin")
    enable_check(a, sim, TEAM_A)
    enable_check(b, sim, TEAM_B)
    try:
        hang_marketo_for(sim, TEAM_A)
        stalled_at = time.time()

        def b_synced_well_after_the_stall():
            # A pass under way at the stall may still finish B; a later one must come too.
            last = b.get("/integrations/marketo").json()["sync"]["last_success_at"]
            return last is not None and parse_time(last) > stalled_at + 3
        wait_until(b_synced_well_after_the_stall, 30, "B's sync to run while A's is stalled")
        a_last = a.get("/integrations/marketo").json()["sync"]["last_success_at"]
        assert a_last is None or parse_time(a_last) < stalled_at + 3, "A's sync is stalled indeed"
    finally:
        sim.reset()


# --- 8: no requests to internal addresses ---------------------------------------------

INTERNAL = ["https://10.0.0.1", "https://169.254.169.254", "https://192.168.1.1",
            "https://172.16.0.1", "https://[fd00:ec2::254]", "https://[fe80::1]", "https://0.0.0.0"]


@pytest.mark.parametrize("base", INTERNAL)
def test_identity_endpoint_on_an_internal_address_is_refused(admin, sim, base):
    reply = admin.connect_marketo(sim, rest_endpoint=f"{base}/rest", identity_endpoint=f"{base}/identity")

    assert_error(reply, 422, "marketo_address_refused")
    assert_not_connected(admin)


@pytest.mark.parametrize("base", ["https://10.0.0.1", "https://169.254.169.254", "https://192.168.1.1"])
def test_rest_endpoint_on_an_internal_address_is_refused(admin, sim, base):
    reply = admin.connect_marketo(sim, rest_endpoint=f"{base}/rest")

    assert_error(reply, 422, "marketo_address_refused")
    assert_not_connected(admin)


def test_loopback_is_refused_unless_allowed(make_server, sim):
    server = make_server(env={"SENDGUARD_ALLOW_LOOPBACK_MARKETO": "0"}).start()
    admin = server.add_user("Acme", "admin@acme.com", "admin")

    by_address = admin.connect_marketo(sim, rest_endpoint=f"https://127.0.0.1:{sim.port}/rest",
                         identity_endpoint=f"https://127.0.0.1:{sim.port}/identity")
    by_name = admin.connect_marketo(sim, rest_endpoint=f"https://localhost:{sim.port}/rest",
                      identity_endpoint=f"https://localhost:{sim.port}/identity")
    plain_http = admin.connect_marketo(sim)

    assert_error(by_address, 422, "marketo_address_refused")
    assert_error(by_name, 422, "marketo_address_refused")  # judged after resolving the name
    assert_error(plain_http, 400, "invalid_request")
    assert sim.stats()["token_calls"] == 0, "nothing reached the loopback server"
    assert_not_connected(admin)


def test_failures_are_described_in_our_words_not_the_remote_servers(admin, sim):
    sim.faults([{"kind": "garbage", "count": 10}])
    garbage = assert_error(admin.connect_marketo(sim), 422, "marketo_rest_unreachable")
    refused = assert_error(admin.connect_marketo(sim, client_secret="wrong"), 422, "marketo_auth_failed")
    port = free_port()
    closed = assert_error(admin.connect_marketo(sim, identity_endpoint=f"http://127.0.0.1:{port}/identity"),
                          422, "marketo_unreachable")

    assert "<html>" not in garbage["message"] and "success" not in garbage["message"]
    assert "Bad client credentials" not in refused["message"]
    assert str(port) not in closed["message"] and "onnect" not in closed["message"]


def test_one_connection_check_per_team_at_a_time(make_server, sim, two_clients):
    server = make_server(env={"SENDGUARD_MARKETO_TIMEOUT_MS": "120000"}).start()
    a = server.add_user("Acme", "admin@acme.com", "admin")
    hang_marketo_for(sim, TEAM_A)
    lookups_before = lead_calls(sim)
    first = Pending(1, lambda i: a.put("/integrations/marketo", connection_body(sim, **TEAM_A), timeout=180))
    try:
        wait_until(lambda: lead_calls(sim) > lookups_before, 30, "the first check to reach Marketo and hang")
        second = a.connect_marketo(sim, **TEAM_A)

        assert_error(second, 429, "rate_limited")
        assert first.done() == 0, "the first check is still waiting on Marketo"
    finally:
        sim.reset()  # releases the hung call
        first.join()
