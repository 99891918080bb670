"""The web app's sign-in: cookie session, CSRF, throttling, expiry; the dashboard's stats."""
import time

from sendguard import PASSWORD


def test_sign_in_sets_a_strict_http_only_cookie_and_returns_the_csrf_token(server):
    server.add_user("Acme", "Ann@Acme.com", "admin", PASSWORD)
    http, r = server.sign_in("ann@acme.com")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["user"]["email"] == "Ann@Acme.com"
    assert body["user"]["role"] == "admin" and body["user"]["team"] == "Acme"
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("sg_session=sgs_")
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/"):
        assert attribute in cookie
    assert "Secure" not in cookie  # the public URL is http:// here
    me = http.get(f"{server.url}/api/v1/auth/me", timeout=10)
    assert me.status_code == 200 and me.json()["csrf_token"] == body["csrf_token"]
    assert http.get(f"{server.url}/api/v1/settings/unsubscribe", timeout=10).status_code == 200


def test_state_changes_with_the_cookie_need_the_csrf_header(server):
    server.add_user("Acme", "ann@acme.com", "admin", PASSWORD)
    http, r = server.sign_in("ann@acme.com")
    csrf = r.json()["csrf_token"]
    url = f"{server.url}/api/v1/settings/unsubscribe"
    refused = http.put(url, json={"on_check_unavailable": "send"}, timeout=10)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    wrong = http.put(url, json={"on_check_unavailable": "send"}, headers={"X-CSRF-Token": "guess"}, timeout=10)
    assert wrong.status_code == 403
    assert http.get(url, timeout=10).json()["on_check_unavailable"] == "block"  # nothing changed
    ok = http.put(url, json={"on_check_unavailable": "send"}, headers={"X-CSRF-Token": csrf}, timeout=10)
    assert ok.status_code == 200 and ok.json()["on_check_unavailable"] == "send"


def test_wrong_password_and_unknown_user_look_the_same(server):
    server.add_user("Acme", "ann@acme.com", "user", PASSWORD)
    _, wrong = server.sign_in("ann@acme.com", "not the password")
    _, unknown = server.sign_in("nobody@acme.com", "whatever")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"]["message"] == unknown.json()["error"]["message"]
    assert "Set-Cookie" not in wrong.headers


def test_repeated_failures_are_slowed_down(server):
    server.add_user("Acme", "ann@acme.com", "user", PASSWORD)
    codes = [server.sign_in("ann@acme.com", f"guess {i}")[1].status_code for i in range(5)]
    assert codes == [401, 401, 401, 401, 401]
    _, limited = server.sign_in("ann@acme.com")  # even the right password must wait now
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0


def test_sign_out_ends_the_session(server):
    server.add_user("Acme", "ann@acme.com", "user", PASSWORD)
    http, r = server.sign_in("ann@acme.com")
    out = http.post(f"{server.url}/api/v1/auth/logout", headers={"X-CSRF-Token": r.json()["csrf_token"]}, timeout=10)
    assert out.status_code == 204
    assert "Max-Age=0" in out.headers["Set-Cookie"]
    http.cookies.set("sg_session", r.cookies["sg_session"])  # a stolen copy is dead too
    assert http.get(f"{server.url}/api/v1/auth/me", timeout=10).status_code == 401


def test_sessions_expire(make_server):
    server = make_server(env={"SENDGUARD_SESSION_TTL": "1"}).start()
    server.add_user("Acme", "ann@acme.com", "user", PASSWORD)
    http, r = server.sign_in("ann@acme.com")
    assert r.status_code == 200
    time.sleep(1.5)
    assert http.get(f"{server.url}/api/v1/settings/unsubscribe", timeout=10).status_code == 401


def test_users_without_a_password_cannot_sign_in(server):
    server.add_user("Acme", "token-only@acme.com", "user")
    _, r = server.sign_in("token-only@acme.com", "")
    assert r.status_code in (400, 401)


def test_dashboard_counts_blocked_failed_and_suppressed_per_day(server, admin, user, sim):
    sim.add_leads([{"email": "gone@example.com", "unsubscribed": True}])
    admin.enable_check(sim)
    assert admin.send(["gone@example.com"]).status_code == 422
    r = admin.bulk("group", [{"email": "gone@example.com"}, {"email": "fine@example.com"}])
    assert r.status_code == 202, r.text
    stats = admin.get("/stats/blocked?days=30")
    assert stats.status_code == 200
    body = stats.json()
    assert len(body["days"]) == 30
    today = body["days"][-1]
    assert today["blocked"] == 1 and today["suppressed"] == 1 and today["failed"] == 0
    assert {"workflow": "group", "status": "suppressed", "count": 1} in body["by_workflow"]
    assert {"reason": "marketo_unsubscribed", "count": 2} in body["by_reason"]
    assert user.get("/stats/blocked").status_code == 403
    assert admin.get("/stats/blocked?days=0").json()["error"]["field"] == "days"


def test_the_web_app_is_served_with_protective_headers(server):
    page = server.raw("GET", "/")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    deep = server.raw("GET", "/settings/admin/unsubscribe/integrations")
    assert deep.status_code == 200 and deep.text == page.text  # client-side routes load the app
    assert server.raw("GET", "/../../etc/passwd").text == page.text
    assert server.raw("GET", "/api/v1/nope").status_code == 404
