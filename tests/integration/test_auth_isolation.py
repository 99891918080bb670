"""API tokens and team boundaries: who may see and change what."""
import pytest

from assertions import assert_error
from sendguard import Client

PROTECTED = [("GET", "/settings/unsubscribe", None),
             ("PUT", "/settings/unsubscribe", {"on_check_unavailable": "send"}),
             ("GET", "/emails", None),
             ("GET", "/emails/some-id", None),
             ("POST", "/emails", {"workflow": "individual", "source": "api", "to": ["a@example.com"],
                                  "subject": "Hi", "text": "Hi"}),
             ("POST", "/checks", {"recipients": ["a@example.com"], "source": "gmail"}),
             ("GET", "/integrations/marketo", None),
             ("DELETE", "/integrations/marketo", None),
             ("GET", "/audit", None)]


def email_ids(client):
    reply = client.get("/emails")
    assert reply.status_code == 200, reply.text
    return {e["id"] for e in reply.json()["emails"]}


def sent_id(client, to):
    reply = client.send([to])
    assert reply.status_code == 202, reply.text
    return reply.json()["id"]


@pytest.mark.parametrize("method,path,body", PROTECTED)
def test_request_without_token_is_401_unauthorized(server, admin, method, path, body):
    reply = server.anonymous().request(method, path, json=body)
    assert_error(reply, 401, "unauthorized")


@pytest.mark.parametrize("method,path,body", PROTECTED)
def test_request_with_unknown_token_is_401_unauthorized(server, admin, method, path, body):
    wrong = admin.token[:-1] + ("A" if admin.token[-1] != "A" else "B")
    reply = Client(server.url, wrong).request(method, path, json=body)
    assert_error(reply, 401, "unauthorized")


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic {token}", "Token {token}",
                                    "Bearer{token}", "{token}", "Bearer {token} extra",
                                    "Bearer {token}x", "Bearer x{token}"])
def test_malformed_authorization_header_is_401_unauthorized(server, admin, header):
    reply = server.raw("GET", "/api/v1/settings/unsubscribe",
                       headers={"Authorization": header.format(token=admin.token)})
    assert_error(reply, 401, "unauthorized")


def test_unauthorized_requests_change_nothing(server, admin):
    anonymous = server.anonymous()
    assert_error(anonymous.put("/settings/unsubscribe", {"on_check_unavailable": "send"}), 401, "unauthorized")
    assert_error(anonymous.send(["a@example.com"]), 401, "unauthorized")

    assert admin.get("/settings/unsubscribe").json()["on_check_unavailable"] == "block"
    assert email_ids(admin) == set()


def test_bearer_scheme_is_case_insensitive(server, admin):
    reply = server.raw("GET", "/api/v1/settings/unsubscribe",
                       headers={"Authorization": f"bearer {admin.token}"})
    assert reply.status_code == 200, reply.text


# Other unknown paths belong to the web app, which routes them in the browser.
@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/settings/unknown", "/api/v2/emails", "/u/"])
def test_unknown_path_is_404(server, admin, path):
    reply = server.raw("GET", path, headers={"Authorization": f"Bearer {admin.token}"})
    assert_error(reply, 404, "not_found")


def test_email_of_one_team_is_invisible_to_another_team(server):
    acme = server.add_user("Acme", "admin@acme.com", "admin")
    globex = server.add_user("Globex", "admin@globex.com", "admin")
    acme_email = sent_id(acme, "ann@example.com")
    globex_email = sent_id(globex, "bob@example.com")

    assert_error(globex.get(f"/emails/{acme_email}"), 404, "not_found")
    assert_error(acme.get(f"/emails/{globex_email}"), 404, "not_found")
    assert email_ids(globex) == {globex_email}
    assert email_ids(acme) == {acme_email}
    assert acme.get(f"/emails/{acme_email}").json()["to"] == ["ann@example.com"]


def test_user_sees_only_their_own_emails_and_admin_sees_the_team(server, admin, user):
    colleague = server.add_user("Acme", "kim@acme.com", "user")
    own = sent_id(user, "ann@example.com")
    theirs = sent_id(colleague, "bob@example.com")
    admins = sent_id(admin, "cat@example.com")

    assert email_ids(user) == {own}
    assert email_ids(colleague) == {theirs}
    assert_error(user.get(f"/emails/{theirs}"), 404, "not_found")
    assert_error(user.get(f"/emails/{admins}"), 404, "not_found")
    assert user.get(f"/emails/{own}").status_code == 200
    assert email_ids(admin) == {own, theirs, admins}
    assert admin.get(f"/emails/{own}").json()["to"] == ["ann@example.com"]


def test_same_idempotency_key_in_two_teams_makes_two_emails(server, sink):
    acme = server.add_user("Acme", "admin@acme.com", "admin")
    globex = server.add_user("Globex", "admin@globex.com", "admin")

    first = acme.send(["ann@example.com"], idempotency_key="order-42")
    second = globex.send(["bob@example.com"], idempotency_key="order-42")

    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json()["id"] != second.json()["id"]
    assert email_ids(acme) == {first.json()["id"]}
    assert email_ids(globex) == {second.json()["id"]}
    messages = sink.wait_for(2)
    assert sorted(m["rcpt_tos"][0] for m in messages) == ["ann@example.com", "bob@example.com"]


def test_same_idempotency_key_from_two_users_of_one_team_makes_two_emails(server, admin, user):
    first = admin.send(["ann@example.com"], idempotency_key="order-42")
    second = user.send(["bob@example.com"], idempotency_key="order-42")

    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json()["id"] != second.json()["id"]
    assert email_ids(user) == {second.json()["id"]}
    assert admin.get(f"/emails/{second.json()['id']}").json()["to"] == ["bob@example.com"]


def test_unsubscribe_link_of_one_team_suppresses_only_that_team(server, sim, sink):
    acme = server.add_user("Acme", "admin@acme.com", "admin")
    globex = server.add_user("Globex", "admin@globex.com", "admin")
    acme.enable_check(sim)
    globex.enable_check(sim)
    acme.wait_status(sent_id(acme, "ann@example.com"), {"sent"})
    link = sink.wait_for(1)[0]["msg"]["List-Unsubscribe"].strip().strip("<>")
    assert link.startswith(f"{server.url}/u/")

    reply = server.raw("POST", link[len(server.url):], data="List-Unsubscribe=One-Click",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status_code in (200, 204), reply.text

    body = {"recipients": ["ann@example.com"], "source": "gmail"}
    assert acme.post("/checks", body).json()["results"] == [
        {"email": "ann@example.com", "allowed": False, "reason": "suppressed"}]
    [result] = globex.post("/checks", body).json()["results"]
    assert (result["email"], result["allowed"]) == ("ann@example.com", True)
    assert globex.wait_status(sent_id(globex, "ann@example.com"), {"sent"})["status"] == "sent"


def test_check_enabled_in_one_team_does_not_touch_marketo_for_another(server, sim):
    sim.add_leads([{"email": "gone@example.com", "unsubscribed": True}])
    acme = server.add_user("Acme", "admin@acme.com", "admin")
    globex = server.add_user("Globex", "admin@globex.com", "admin")
    acme.enable_check(sim)
    before = sim.stats()

    assert globex.get("/settings/unsubscribe").json() == {"marketo_check_enabled": False,
                                                         "on_check_unavailable": "block"}
    assert_error(globex.get("/integrations/marketo"), 404, "not_found")
    check = globex.post("/checks", {"recipients": ["gone@example.com"], "source": "gmail"})
    assert check.status_code == 200, check.text
    [result] = check.json()["results"]
    assert (result["email"], result["allowed"]) == ("gone@example.com", True)
    email = globex.wait_status(sent_id(globex, "gone@example.com"), {"sent"})

    after = sim.stats()
    assert email["status"] == "sent"
    assert after["lookup_calls"] == before["lookup_calls"]
    asked = [c for c in after["calls"] if "gone%40example.com" in c["query"].lower()]
    assert asked == []


def test_check_in_one_team_still_blocks_while_the_other_sends(server, sim):
    sim.add_leads([{"email": "gone@example.com", "unsubscribed": True}])
    acme = server.add_user("Acme", "admin@acme.com", "admin")
    globex = server.add_user("Globex", "admin@globex.com", "admin")
    acme.enable_check(sim)

    assert globex.send(["gone@example.com"]).status_code == 202
    blocked = acme.send(["gone@example.com"])

    assert_error(blocked, 422, "recipient_unsubscribed")
    assert blocked.json()["error"]["recipients"] == ["gone@example.com"]


def test_settings_change_in_one_team_leaves_the_other_alone(server, sim):
    acme = server.add_user("Acme", "admin@acme.com", "admin")
    globex = server.add_user("Globex", "admin@globex.com", "admin")
    acme.enable_check(sim)

    assert globex.put("/settings/unsubscribe", {"on_check_unavailable": "send"}).status_code == 200

    assert acme.get("/settings/unsubscribe").json() == {"marketo_check_enabled": True,
                                                       "on_check_unavailable": "block"}
    assert globex.get("/settings/unsubscribe").json() == {"marketo_check_enabled": False,
                                                         "on_check_unavailable": "send"}


def test_one_team_cannot_delete_another_teams_connection(server, sim):
    acme = server.add_user("Acme", "admin@acme.com", "admin")
    globex = server.add_user("Globex", "admin@globex.com", "admin")
    saved = acme.connect_marketo(sim).json()
    saved.pop("checks")  # the connect answer's own report, not part of the connection

    assert_error(globex.delete("/integrations/marketo"), 404, "not_found")

    current = acme.get("/integrations/marketo").json()
    assert {k: current[k] for k in saved} == saved


def test_audit_log_is_per_team(server, sim):
    acme = server.add_user("Acme", "admin@acme.com", "admin")
    globex = server.add_user("Globex", "admin@globex.com", "admin")
    acme.enable_check(sim)

    reply = globex.get("/audit")

    assert reply.status_code == 200, reply.text
    assert reply.json()["entries"] == []
    assert len(acme.get("/audit").json()["entries"]) >= 2


def test_api_tokens_are_stored_hashed(server, admin, user):
    assert admin.get("/settings/unsubscribe").status_code == 200
    assert user.get("/settings/unsubscribe").status_code == 200

    stored = server.stored_bytes()

    assert b"admin@acme.com" in stored
    for token in (admin.token, user.token):
        assert token.encode() not in stored
    assert admin.token not in server.log.read_text(errors="replace")
