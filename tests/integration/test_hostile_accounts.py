"""Hostile use of accounts and sessions: racing the sign-in throttle, locking out an
owner, credentials that must be revocable, login CSRF, and sign-out of an ended session."""
import http.client
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from assertions import assert_one_line_error, eventually_status
from sendguard import PASSWORD, Client


def sign_in_from(server, source, email, password=PASSWORD):
    """Signs in over a socket bound to `source` (a 127.0.0.0/8 address): another client."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30, source_address=(source, 0))
    try:
        conn.request("POST", "/api/v1/auth/login", json.dumps({"email": email, "password": password}),
                     {"Content-Type": "application/json"})
        reply = conn.getresponse()
        return reply.status, json.loads(reply.read() or b"null")
    finally:
        conn.close()


def user_id(admin, email):
    users = admin.get("/users").json()["users"]
    return next(u["id"] for u in users if u["email"] == email)


# --- 10: the throttle cannot be raced -------------------------------------------------

def test_thirty_parallel_wrong_guesses_get_at_most_five_password_checks(server):
    server.add_user("Acme", "ann@acme.com", "user", PASSWORD)
    with ThreadPoolExecutor(max_workers=30) as pool:
        replies = list(pool.map(lambda i: server.sign_in("ann@acme.com", f"guess {i}")[1], range(30)))
    checked = [r for r in replies if r.status_code == 401]
    refused = [r for r in replies if r.status_code == 429]
    assert 1 <= len(checked) <= 5, [r.status_code for r in replies]
    assert len(checked) + len(refused) == 30, [r.status_code for r in replies]
    assert all(r.json()["error"]["code"] == "rate_limited" for r in refused)
    # A guess refused for want of a hashing slot was never checked: the account locks once
    # five wrong ones were, on a busy machine perhaps only after a few more in a row.
    for i in range(5 - len(checked)):
        assert server.sign_in("ann@acme.com", f"late guess {i}")[1].status_code == 401
    _, right = server.sign_in("ann@acme.com")
    assert right.status_code == 429  # the guesser's address stays locked out of the account


# --- 11: nobody can lock the owner out ------------------------------------------------

def test_an_attacker_using_up_the_guesses_does_not_lock_the_owner_out(server):
    server.add_user("Acme", "ann@acme.com", "user", PASSWORD)
    for i in range(5):
        status, _ = sign_in_from(server, "127.0.0.1", "ann@acme.com", f"guess {i}")
        assert status == 401
    status, body = sign_in_from(server, "127.0.0.1", "ann@acme.com")
    assert status == 429 and body["error"]["code"] == "rate_limited"
    status, body = sign_in_from(server, "127.0.0.2", "ann@acme.com")
    assert status == 200, body
    assert body["user"]["email"] == "ann@acme.com"


# --- 12: credentials can be revoked ---------------------------------------------------

def test_a_new_password_from_the_command_line_ends_the_sessions(server):
    server.add_user("Acme", "ann@acme.com", "user", PASSWORD)
    http_session, r = server.sign_in("ann@acme.com")
    assert r.status_code == 200
    me = f"{server.url}/api/v1/auth/me"
    assert http_session.get(me, timeout=10).status_code == 200
    result = server.cli("user", "set-password", "--email", "ann@acme.com", input="another password\n")
    assert result.returncode == 0, result.stderr
    assert http_session.get(me, timeout=10).status_code == 401
    assert server.sign_in("ann@acme.com", "another password")[1].status_code == 200


@pytest.mark.parametrize("command,option", [(["token", "list"], "--email"), (["token", "revoke"], "The token's id"),
                                            (["user", "remove"], "--email"), (["user", "set-role"], "--role")])
def test_new_commands_have_help(make_server, command, option):
    result = make_server().cli(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout and "--help" in result.stdout
    assert option in result.stdout  # the command's own help, not its parent's


def test_token_list_and_revoke_from_the_command_line(server, admin):
    created = server.cli("token", "create", "--email", "admin@acme.com", "--name", "ci")
    assert created.returncode == 0, created.stderr
    ci = Client(server.url, created.stdout.strip().splitlines()[-1])
    assert ci.get("/settings/unsubscribe").status_code == 200

    listed = server.cli("token", "list", "--email", "ADMIN@acme.com")
    assert listed.returncode == 0, listed.stderr
    rows = [line.split("\t") for line in listed.stdout.strip().splitlines()]
    assert [r[2] for r in rows] == ["initial", "ci"]
    assert ci.token not in listed.stdout and admin.token not in listed.stdout

    revoked = server.cli("token", "revoke", rows[1][0])
    assert revoked.returncode == 0, revoked.stderr
    # Another process revoked it: the server's cached caller expires within seconds.
    assert eventually_status(lambda: ci.get("/settings/unsubscribe"), 401).status_code == 401
    assert admin.get("/settings/unsubscribe").status_code == 200
    assert_one_line_error(server.cli("token", "revoke", rows[1][0]))
    assert_one_line_error(server.cli("token", "list", "--email", "nobody@acme.com"))


def test_user_set_role_and_remove_from_the_command_line(server, admin, user):
    assert user.put("/settings/unsubscribe", {"on_check_unavailable": "send"}).status_code == 403
    promoted = server.cli("user", "set-role", "--email", "sam@acme.com", "--role", "admin")
    assert promoted.returncode == 0, promoted.stderr
    assert eventually_status(lambda: user.put("/settings/unsubscribe", {"on_check_unavailable": "send"}),
                             200).status_code == 200

    removed = server.cli("user", "remove", "--email", "admin@acme.com")
    assert removed.returncode == 0, removed.stderr
    assert eventually_status(lambda: admin.get("/settings/unsubscribe"), 401).status_code == 401
    assert_one_line_error(server.cli("user", "remove", "--email", "sam@acme.com"))  # the last admin
    assert_one_line_error(server.cli("user", "set-role", "--email", "sam@acme.com", "--role", "user"))
    assert_one_line_error(server.cli("user", "remove", "--email", "nobody@acme.com"))
    assert server.cli("user", "set-role", "--email", "sam@acme.com", "--role", "owner").returncode != 0


def test_admins_list_members_and_change_roles_but_keep_one_admin(server, admin, user):
    listed = admin.get("/users")
    assert listed.status_code == 200
    assert sorted(u["email"] for u in listed.json()["users"]) == ["admin@acme.com", "sam@acme.com"]
    assert set(listed.json()["users"][0]) == {"id", "email", "role"}
    assert user.get("/users").status_code == 403
    sam, me = user_id(admin, "sam@acme.com"), user_id(admin, "admin@acme.com")

    assert user.request("PATCH", f"/users/{sam}", json={"role": "admin"}).status_code == 403
    bad = admin.request("PATCH", f"/users/{sam}", json={"role": "owner"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "role"
    last = admin.request("PATCH", f"/users/{me}", json={"role": "user"})
    assert last.status_code == 409 and last.json()["error"]["code"] == "last_admin"
    promoted = admin.request("PATCH", f"/users/{sam}", json={"role": "admin"})
    assert promoted.status_code == 200 and promoted.json()["role"] == "admin"
    assert user.put("/settings/unsubscribe", {"on_check_unavailable": "send"}).status_code == 200
    assert admin.request("PATCH", f"/users/{me}", json={"role": "user"}).status_code == 200


def test_removing_a_user_ends_its_credentials_and_keeps_its_emails(server, admin):
    sam = server.add_user("Acme", "sam@acme.com", "user", PASSWORD)
    http_session, r = server.sign_in("sam@acme.com")
    assert r.status_code == 200
    sent = sam.send(["someone@example.com"])
    assert sent.status_code in (200, 201, 202), sent.text
    email_id = sent.json()["id"]
    me = user_id(admin, "admin@acme.com")
    assert admin.delete(f"/users/{me}").json()["error"]["code"] == "last_admin"

    assert admin.delete(f"/users/{user_id(admin, 'sam@acme.com')}").status_code == 204
    assert sam.get("/settings/unsubscribe").status_code == 401
    assert http_session.get(f"{server.url}/api/v1/auth/me", timeout=10).status_code == 401
    assert server.sign_in("sam@acme.com")[1].status_code == 401
    assert [u["email"] for u in admin.get("/users").json()["users"]] == ["admin@acme.com"]
    assert admin.get(f"/emails/{email_id}").status_code == 200  # the log keeps what was sent


def test_another_teams_users_and_tokens_are_not_found(server, admin, user):
    gus = server.add_user("Globex", "gus@globex.com", "admin")
    sam = user_id(admin, "sam@acme.com")
    sams_token = admin.get(f"/tokens?user_id={sam}").json()["tokens"][0]["id"]
    for reply in (gus.request("PATCH", f"/users/{sam}", json={"role": "user"}), gus.delete(f"/users/{sam}"),
                  gus.get(f"/tokens?user_id={sam}"), gus.delete(f"/tokens/{sams_token}")):
        assert reply.status_code == 404, reply.text
    assert user.get("/settings/unsubscribe").status_code == 200  # untouched
    assert [u["email"] for u in gus.get("/users").json()["users"]] == ["gus@globex.com"]


def test_tokens_are_listed_without_values_created_once_and_revoked(server, admin, user):
    mine = user.get("/tokens")
    assert mine.status_code == 200
    [initial] = mine.json()["tokens"]
    assert set(initial) == {"id", "name", "user_id", "created_at"}
    assert user.token not in mine.text

    created = user.post("/tokens", {"name": "Outlook"})
    assert created.status_code == 201, created.text
    outlook = Client(server.url, created.json()["token"])
    assert outlook.get("/settings/unsubscribe").status_code == 200
    listed = user.get("/tokens")
    assert [t["name"] for t in listed.json()["tokens"]] == ["initial", "Outlook"]
    assert outlook.token not in listed.text
    assert user.post("/tokens", {"name": ""}).json()["error"]["field"] == "name"

    me = user_id(admin, "admin@acme.com")
    assert user.get(f"/tokens?user_id={me}").status_code == 403
    admins_token = admin.get("/tokens").json()["tokens"][0]["id"]
    assert user.delete(f"/tokens/{admins_token}").status_code == 404
    assert admin.get("/settings/unsubscribe").status_code == 200

    assert user.delete(f"/tokens/{created.json()['id']}").status_code == 204
    assert outlook.get("/settings/unsubscribe").status_code == 401
    assert user.get("/settings/unsubscribe").status_code == 200
    assert admin.delete(f"/tokens/{initial['id']}").status_code == 204  # an admin revokes a member's
    assert user.get("/settings/unsubscribe").status_code == 401


# --- 13: login CSRF and foreign origins -----------------------------------------------

def test_sign_in_requires_a_json_body(server):
    server.add_user("Acme", "ann@acme.com", "user", PASSWORD)
    body = json.dumps({"email": "ann@acme.com", "password": PASSWORD})
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {"Content-Type": content_type} if content_type else {}
        r = server.raw("POST", "/api/v1/auth/login", data=body, headers=headers)
        assert r.status_code == 415, (content_type, r.text)
        assert "Set-Cookie" not in r.headers
    ok = server.raw("POST", "/api/v1/auth/login", data=body, headers={"Content-Type": "application/json; charset=utf-8"})
    assert ok.status_code == 200


def test_sign_in_from_a_foreign_origin_is_refused(server):
    server.add_user("Acme", "ann@acme.com", "user", PASSWORD)
    _, evil = server.sign_in("ann@acme.com", headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403 and "Set-Cookie" not in evil.headers
    _, null_origin = server.sign_in("ann@acme.com", headers={"Origin": "null"})
    assert null_origin.status_code == 403
    _, own = server.sign_in("ann@acme.com", headers={"Origin": server.url})
    assert own.status_code == 200


def test_cookie_requests_from_a_foreign_origin_are_refused_even_with_the_csrf_token(server):
    server.add_user("Acme", "ann@acme.com", "admin", PASSWORD)
    http_session, r = server.sign_in("ann@acme.com")
    csrf = r.json()["csrf_token"]
    url = f"{server.url}/api/v1/settings/unsubscribe"
    evil = http_session.put(url, json={"on_check_unavailable": "send"},
                            headers={"X-CSRF-Token": csrf, "Origin": "http://evil.example"}, timeout=10)
    assert evil.status_code == 403
    assert http_session.get(url, timeout=10).json()["on_check_unavailable"] == "block"
    own = http_session.put(url, json={"on_check_unavailable": "send"},
                           headers={"X-CSRF-Token": csrf, "Origin": server.url}, timeout=10)
    assert own.status_code == 200


# --- 14: sign-out always clears the cookie --------------------------------------------

def test_sign_out_with_an_unknown_session_still_clears_the_cookie(server):
    r = server.raw("POST", "/api/v1/auth/logout", headers={"Cookie": "sg_session=sgs_no-such-session"})
    assert r.status_code == 204
    assert r.headers["Set-Cookie"].startswith("sg_session=;") and "Max-Age=0" in r.headers["Set-Cookie"]


def test_sign_out_after_the_session_expired_still_clears_the_cookie(make_server):
    server = make_server(env={"SENDGUARD_SESSION_TTL": "1"}).start()
    server.add_user("Acme", "ann@acme.com", "user", PASSWORD)
    http_session, r = server.sign_in("ann@acme.com")
    assert r.status_code == 200
    time.sleep(1.5)
    assert http_session.get(f"{server.url}/api/v1/auth/me", timeout=10).status_code == 401
    out = http_session.post(f"{server.url}/api/v1/auth/logout", headers={"X-CSRF-Token": r.json()["csrf_token"]},
                            timeout=10)
    assert out.status_code == 204
    assert "Max-Age=0" in out.headers["Set-Cookie"]
    assert not http_session.cookies.get("sg_session")


def test_sign_out_of_a_live_session_still_needs_the_csrf_token(server):
    server.add_user("Acme", "ann@acme.com", "user", PASSWORD)
    http_session, r = server.sign_in("ann@acme.com")
    cookie = r.cookies["sg_session"]
    forged = server.raw("POST", "/api/v1/auth/logout", headers={"Cookie": f"sg_session={cookie}"})
    assert forged.status_code == 403
    me = server.raw("GET", "/api/v1/auth/me", headers={"Cookie": f"sg_session={cookie}"})
    assert me.status_code == 200  # a forged sign-out ends nothing
