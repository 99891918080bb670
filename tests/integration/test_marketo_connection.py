"""Connecting, reading and removing a team's Marketo connection, and keeping its secret secret."""
import stat
from datetime import datetime, timedelta, timezone

import pytest

from assertions import assert_error, assert_not_connected
from peers import free_port
from sendguard import connection_body

# A secret nobody could find by accident in a file or a reply.
SECRET = "zq7-Ultra-Secret-Marketo-Value-41x"
CLIENT = "sendguard-integration-client-9f3"
FIELDS = ("rest_endpoint", "identity_endpoint", "client_id", "client_secret")


def use_distinct_credentials(sim):
    sim.config(clients={CLIENT: SECRET})
    return {"client_id": CLIENT, "client_secret": SECRET}


def parse_rfc3339_utc(text):
    assert text.endswith("Z") or text.endswith("+00:00"), text
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


CONNECTION_FIELDS = ("rest_endpoint", "identity_endpoint", "client_id", "connected", "verified_at")


def connection_part(body):
    """GET adds sync status, usage and the webhook to what PUT returned; this is the part they share."""
    return {k: body[k] for k in CONNECTION_FIELDS}


def test_get_adds_sync_status_usage_and_seed(admin, sim):
    admin.connect_marketo(sim)
    body = admin.get("/integrations/marketo").json()
    assert set(body) == set(CONNECTION_FIELDS) | {"sync", "usage", "webhook", "seed"}
    assert body["webhook"] is None  # see test_marketo_webhook.py
    assert set(body["sync"]) == {"last_success_at", "lag_seconds", "last_error", "last_error_at",
                                 "feed_restarted_at", "feed_restart_reason", "feed_calls_today", "confirmed_at",
                                 "warning"}
    assert set(body["usage"]) == {"calls_today", "daily_budget", "background_calls_today", "background_budget",
                                  "other_calls_today", "daily_quota", "near_quota", "by_kind"}
    assert body["usage"]["daily_budget"] == 10000
    assert body["usage"]["background_budget"] == 3000 and body["usage"]["daily_quota"] == 50000
    assert set(body["seed"]) == {"state", "complete", "addresses", "started_at", "finished_at", "error"}


def test_connect_returns_the_connection_without_the_secret(admin, sim):
    creds = use_distinct_credentials(sim)

    reply = admin.connect_marketo(sim, **creds)

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert set(body) == {"rest_endpoint", "identity_endpoint", "client_id", "connected", "verified_at", "checks"}
    assert body["rest_endpoint"] == sim.rest_endpoint
    assert body["identity_endpoint"] == sim.identity_endpoint
    assert body["client_id"] == CLIENT
    assert body["connected"] is True
    verified = parse_rfc3339_utc(body["verified_at"])
    assert abs(datetime.now(timezone.utc) - verified) < timedelta(minutes=1)
    assert SECRET not in reply.text


def test_connect_verifies_the_credentials_with_marketo(admin, sim):
    before = sim.stats()["token_calls"]

    assert admin.connect_marketo(sim).status_code == 200

    assert sim.stats()["token_calls"] == before + 1


def test_get_returns_the_saved_connection_without_the_secret(admin, sim):
    creds = use_distinct_credentials(sim)
    saved = connection_part(admin.connect_marketo(sim, **creds).json())

    reply = admin.get("/integrations/marketo")

    assert reply.status_code == 200, reply.text
    assert connection_part(reply.json()) == saved
    assert SECRET not in reply.text


def test_get_without_connection_is_404(admin):
    assert_not_connected(admin)


def test_bad_credentials_are_422_marketo_auth_failed_and_nothing_is_saved(admin, sim):
    assert_error(admin.connect_marketo(sim, client_secret="wrong-secret"), 422, "marketo_auth_failed")
    assert_error(admin.connect_marketo(sim, client_id="unknown-client"), 422, "marketo_auth_failed")

    assert_not_connected(admin)
    assert_error(admin.put("/settings/unsubscribe", {"marketo_check_enabled": True}),
                 409, "marketo_not_connected")


def test_failed_reconnect_keeps_the_previous_connection(admin, sim):
    saved = connection_part(admin.connect_marketo(sim).json())

    assert_error(admin.connect_marketo(sim, client_id="someone-else", client_secret="nope"),
                 422, "marketo_auth_failed")

    assert connection_part(admin.get("/integrations/marketo").json()) == saved


def test_reconnect_replaces_the_connection(admin, sim):
    assert admin.connect_marketo(sim).status_code == 200
    creds = use_distinct_credentials(sim)

    reply = admin.connect_marketo(sim, **creds)

    assert reply.status_code == 200, reply.text
    assert admin.get("/integrations/marketo").json()["client_id"] == CLIENT


def test_checks_use_the_replacement_credentials_after_a_reconnect(admin, sim):
    sim.add_leads([{"email": "gone@example.com", "unsubscribed": True}])
    admin.enable_check(sim)
    creds = use_distinct_credentials(sim)  # the first client id stops working
    assert admin.connect_marketo(sim, **creds).status_code == 200
    sim.expire_tokens()

    check = admin.post("/checks", {"recipients": ["gone@example.com"], "source": "gmail"})

    assert check.status_code == 200, check.text
    assert check.json()["results"] == [
        {"email": "gone@example.com", "allowed": False, "reason": "marketo_unsubscribed"}]


def test_closed_identity_port_is_422_marketo_unreachable_and_nothing_is_saved(admin, sim):
    closed = f"http://127.0.0.1:{free_port()}/identity"

    assert_error(admin.connect_marketo(sim, identity_endpoint=closed), 422, "marketo_unreachable")

    assert_not_connected(admin)


@pytest.mark.parametrize("fault", [{"kind": "close"}, {"kind": "garbage"},
                                   {"kind": "http_status", "status": 500}])
def test_identity_endpoint_failing_is_422_marketo_unreachable(admin, sim, fault):
    sim.faults([fault], endpoint="token")

    assert_error(admin.connect_marketo(sim), 422, "marketo_unreachable")

    assert_not_connected(admin)


@pytest.mark.parametrize("field", ["rest_endpoint", "identity_endpoint"])
def test_plain_http_to_a_non_loopback_host_is_400_naming_the_field(admin, sim, field):
    before = sim.stats()["token_calls"]
    url = "http://example.com/rest" if field == "rest_endpoint" else "http://example.com/identity"

    error = assert_error(admin.connect_marketo(sim, **{field: url}), 400, "invalid_request")

    assert error["field"] == field
    assert sim.stats()["token_calls"] == before
    assert_not_connected(admin)


@pytest.mark.parametrize("url", ["http://127.0.0.1.example.com/rest", "http://localhost.example.com/rest",
                                 "http://127.0.0.1@example.com/rest", "http://127.0.0.1:80@example.com/rest",
                                 "HTTP://example.com/rest", "http://0.0.0.0/rest"])
def test_plain_http_to_a_host_that_only_looks_loopback_is_400(admin, sim, url):
    error = assert_error(admin.connect_marketo(sim, rest_endpoint=url), 400, "invalid_request")
    assert error["field"] == "rest_endpoint"
    assert_not_connected(admin)


def test_plain_http_to_localhost_is_accepted(admin, sim):
    rest = f"http://localhost:{sim.port}/rest"
    identity = f"http://localhost:{sim.port}/identity"

    reply = admin.connect_marketo(sim, rest_endpoint=rest, identity_endpoint=identity)

    assert reply.status_code == 200, reply.text
    assert (reply.json()["rest_endpoint"], reply.json()["identity_endpoint"]) == (rest, identity)


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/rest", "not a url", "127.0.0.1/rest",
                                 "https://", "javascript:alert(1)"])
@pytest.mark.parametrize("field", ["rest_endpoint", "identity_endpoint"])
def test_endpoint_that_is_not_an_http_url_is_400_naming_the_field(admin, sim, field, url):
    error = assert_error(admin.connect_marketo(sim, **{field: url}), 400, "invalid_request")
    assert error["field"] == field
    assert_not_connected(admin)


@pytest.mark.parametrize("missing", FIELDS)
def test_missing_field_is_400_naming_it(admin, sim, missing):
    body = connection_body(sim)
    del body[missing]

    error = assert_error(admin.put("/integrations/marketo", body), 400, "invalid_request")

    assert error["field"] == missing
    assert_not_connected(admin)


@pytest.mark.parametrize("field", FIELDS)
def test_empty_field_is_400_naming_it(admin, sim, field):
    error = assert_error(admin.connect_marketo(sim, **{field: ""}), 400, "invalid_request")
    assert error["field"] == field
    assert_not_connected(admin)


@pytest.mark.parametrize("field", FIELDS)
def test_non_string_field_is_400_naming_it(admin, sim, field):
    error = assert_error(admin.connect_marketo(sim, **{field: 42}), 400, "invalid_request")
    assert error["field"] == field
    assert_not_connected(admin)


def test_malformed_json_is_400(admin):
    reply = admin.put("/integrations/marketo", data=b'{"rest_endpoint": ',
                      headers={"Content-Type": "application/json"})
    assert_error(reply, 400, "invalid_request")
    assert_not_connected(admin)


def test_trailing_slashes_are_normalised_so_no_double_slash_reaches_marketo(admin, sim):
    sim.add_leads([{"email": "gone@example.com", "unsubscribed": True}])

    reply = admin.connect_marketo(sim, rest_endpoint=sim.rest_endpoint + "/",
                    identity_endpoint=sim.identity_endpoint + "/")
    assert reply.status_code == 200, reply.text
    assert reply.json()["rest_endpoint"] == sim.rest_endpoint
    assert reply.json()["identity_endpoint"] == sim.identity_endpoint
    assert admin.put("/settings/unsubscribe", {"marketo_check_enabled": True}).status_code == 200

    check = admin.post("/checks", {"recipients": ["gone@example.com"], "source": "gmail"})
    assert check.status_code == 200, check.text
    assert check.json()["results"] == [
        {"email": "gone@example.com", "allowed": False, "reason": "marketo_unsubscribed"}]

    paths = [call["path"] for call in sim.stats()["calls"]]
    assert "/identity/oauth/token" in paths
    assert "/rest/v1/leads.json" in paths
    assert [p for p in paths if "//" in p] == []


def test_delete_while_the_check_is_enabled_is_409_check_enabled(admin, sim):
    admin.enable_check(sim)
    saved = connection_part(admin.get("/integrations/marketo").json())

    assert_error(admin.delete("/integrations/marketo"), 409, "check_enabled")

    assert connection_part(admin.get("/integrations/marketo").json()) == saved
    assert admin.get("/settings/unsubscribe").json()["marketo_check_enabled"] is True


def test_delete_after_disabling_the_check_removes_the_connection(admin, sim):
    admin.enable_check(sim)
    assert admin.put("/settings/unsubscribe", {"marketo_check_enabled": False}).status_code == 200

    reply = admin.delete("/integrations/marketo")

    assert reply.status_code == 204, reply.text
    assert reply.content == b""
    assert_not_connected(admin)
    assert_error(admin.put("/settings/unsubscribe", {"marketo_check_enabled": True}),
                 409, "marketo_not_connected")


def test_connect_and_disconnect_are_audit_logged_without_the_secret(admin, sim):
    creds = use_distinct_credentials(sim)
    admin.connect_marketo(sim, **creds)
    assert admin.delete("/integrations/marketo").status_code == 204

    reply = admin.get("/audit")
    assert reply.status_code == 200, reply.text
    assert SECRET not in reply.text
    entries = {e["action"]: e for e in reply.json()["entries"]}
    view = {"rest_endpoint": sim.rest_endpoint, "identity_endpoint": sim.identity_endpoint,
            "client_id": CLIENT}
    connected = entries["integrations.marketo.connected"]
    assert (connected["actor"], connected["before"], connected["after"]) == ("admin@acme.com", None, view)
    disconnected = entries["integrations.marketo.disconnected"]
    assert (disconnected["actor"], disconnected["before"], disconnected["after"]) == (
        "admin@acme.com", view, None)


def test_user_cannot_connect_read_or_delete_the_connection(admin, user, sim):
    assert_error(user.connect_marketo(sim), 403, "forbidden")
    assert_not_connected(admin)

    saved = connection_part(admin.connect_marketo(sim).json())
    assert_error(user.get("/integrations/marketo"), 403, "forbidden")
    assert_error(user.delete("/integrations/marketo"), 403, "forbidden")
    assert_error(user.connect_marketo(sim, client_id="x", client_secret="y"), 403, "forbidden")

    assert connection_part(admin.get("/integrations/marketo").json()) == saved


def test_secret_is_not_stored_in_plaintext(server, admin, sim):
    creds = use_distinct_credentials(sim)
    assert admin.connect_marketo(sim, **creds).status_code == 200
    assert admin.put("/settings/unsubscribe", {"marketo_check_enabled": True}).status_code == 200

    stored = server.stored_bytes()

    assert CLIENT.encode() in stored
    assert SECRET.encode() not in stored
    assert SECRET not in server.log.read_text(errors="replace")


def test_secret_key_file_is_created_with_mode_0600(make_server, tmp_path, sim):
    key_file = tmp_path / "sendguard-secret.key"
    server = make_server(env={"SENDGUARD_SECRET_KEY_FILE": str(key_file)}).start()
    admin = server.add_user("Acme", "admin@acme.com", "admin")
    assert admin.connect_marketo(sim).status_code == 200

    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.stat().st_size > 0


def test_stored_secret_still_works_after_a_restart(make_server, tmp_path, sim):
    key_file = tmp_path / "sendguard-secret.key"
    server = make_server(env={"SENDGUARD_SECRET_KEY_FILE": str(key_file),
                              "SENDGUARD_CHECK_MAX_AGE": "0"}).start()
    admin = server.add_user("Acme", "admin@acme.com", "admin")
    creds = use_distinct_credentials(sim)
    assert admin.connect_marketo(sim, **creds).status_code == 200
    assert admin.put("/settings/unsubscribe", {"marketo_check_enabled": True}).status_code == 200
    key = key_file.read_bytes()
    server.stop()
    sim.add_leads([{"email": "gone@example.com", "unsubscribed": True}])
    sim.expire_tokens()

    server.start()
    check = admin.post("/checks", {"recipients": ["gone@example.com"], "source": "gmail"})

    assert check.status_code == 200, check.text
    assert check.json()["results"] == [
        {"email": "gone@example.com", "allowed": False, "reason": "marketo_unsubscribed"}]
    assert key_file.read_bytes() == key
