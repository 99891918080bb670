"""The Marketo webhook, end to end: an admin creates (or rotates) the team's webhook and
gets its URL, secret header and payload template once; Marketo's trigger campaign (here
the simulator's webhook caller) posts each change of a lead's unsubscribed, and an
unsubscribe refuses the team's next send at once, without waiting for the activity feed.
"""
import requests

from assertions import assert_error, assert_invalid, wait_until
import test_mirror
from test_mirror import check

HEADER = "X-Sendguard-Webhook-Secret"
# Hours between feed reads: whatever these tests see came through the webhook.
SLOW_FEED = {"SENDGUARD_MIRROR_INTERVAL": "3600", "SENDGUARD_CHECK_MAX_AGE": "3600"}


def start(make_server, sim):
    server = make_server(env=SLOW_FEED).start()
    admin = server.add_user("Acme", "admin@acme.com", "admin")
    admin.enable_check(sim)
    return server, admin


def create(admin):
    reply = admin.post("/integrations/marketo/webhook")
    assert reply.status_code == 201, reply.text
    return reply.json()


def call(url, secret, body):
    headers = {} if secret is None else {HEADER: secret}
    return requests.post(url, json=body, headers=headers, timeout=30)


def webhook_status(admin):
    reply = admin.get("/integrations/marketo")
    assert reply.status_code == 200, reply.text
    return reply.json()["webhook"]


def test_create_shows_the_secret_once_and_get_never(make_server, sim):
    server, admin = start(make_server, sim)
    assert webhook_status(admin) is None
    hook = create(admin)
    assert hook["url"].startswith(f"{server.url}/api/v1/hooks/marketo/wh_")
    assert hook["header"] == HEADER
    assert len(hook["secret"]) >= 40
    assert hook["payload_template"] == ('{"email": {{lead.Email Address}}, "unsubscribed": {{lead.Unsubscribed}}, '
                                        '"leadId": {{lead.Id}}}')
    status = webhook_status(admin)
    assert status == {"url": hook["url"], "header": HEADER, "created_at": status["created_at"], "last_call_at": None}
    assert hook["secret"] not in admin.get("/integrations/marketo").text
    assert hook["secret"] not in admin.get("/audit").text
    assert [e["action"] for e in admin.get("/audit").json()["entries"]][0] == "integrations.marketo.webhook.created"


def test_rotating_invalidates_the_old_url_and_secret(make_server, sim):
    server, admin = start(make_server, sim)
    old = create(admin)
    new = create(admin)
    body = {"email": "ann@x.com", "unsubscribed": True, "leadId": 1}
    assert_error(call(old["url"], old["secret"], body), 401, "unauthorized")
    assert_error(call(new["url"], old["secret"], body), 401, "unauthorized")
    assert call(new["url"], new["secret"], body).status_code == 204
    assert webhook_status(admin)["last_call_at"] is not None


def test_wrong_secret_or_unknown_hook_is_401_and_changes_nothing(make_server, sim):
    server, admin = start(make_server, sim)
    sim.add_leads([{"email": "ann@x.com"}])
    hook = create(admin)
    body = {"email": "ann@x.com", "unsubscribed": True}
    for secret in (None, "", hook["secret"] + "x", hook["secret"][:-1]):
        reply = assert_error(call(hook["url"], secret, body), 401, "unauthorized")
    assert HEADER in reply["message"]
    unknown = hook["url"].rsplit("/", 1)[0] + "/wh_unknown"
    assert_error(call(unknown, hook["secret"], body), 401, "unauthorized")
    # A bad body with a bad secret: the secret is judged first.
    assert_error(requests.post(hook["url"], data=b"[", headers={HEADER: "nope"}, timeout=30), 401, "unauthorized")
    assert webhook_status(admin)["last_call_at"] is None
    assert check(admin, "ann@x.com")["allowed"]


def test_another_teams_hook_with_this_teams_secret_is_401(make_server, sim):
    server, admin = start(make_server, sim)
    other = server.add_user("Initech", "admin@initech.com", "admin")
    assert other.connect_marketo(sim).status_code == 200
    mine, theirs = create(admin), create(other)
    assert_error(call(theirs["url"], mine["secret"], {"email": "ann@x.com", "unsubscribed": True}), 401,
                 "unauthorized")
    assert call(mine["url"], mine["secret"], {"email": "ann@x.com", "unsubscribed": True}).status_code == 204
    assert webhook_status(other)["last_call_at"] is None
    assert check(other, "ann@x.com")["allowed"]  # only the hook's own team learns of it


def test_members_cannot_create_or_delete(make_server, sim):
    server, admin = start(make_server, sim)
    member = server.add_user("Acme", "sam@acme.com", "user")
    assert_error(member.post("/integrations/marketo/webhook"), 403, "forbidden")
    create(admin)
    assert_error(member.delete("/integrations/marketo/webhook"), 403, "forbidden")
    assert webhook_status(admin) is not None


def test_delete_stops_the_webhook(make_server, sim):
    server, admin = start(make_server, sim)
    hook = create(admin)
    assert admin.delete("/integrations/marketo/webhook").status_code == 204
    assert webhook_status(admin) is None
    assert_error(call(hook["url"], hook["secret"], {"email": "a@x.com", "unsubscribed": True}), 401, "unauthorized")
    assert_error(admin.delete("/integrations/marketo/webhook"), 404, "not_found")
    actions = [e["action"] for e in admin.get("/audit").json()["entries"]]
    assert actions[:2] == ["integrations.marketo.webhook.deleted", "integrations.marketo.webhook.created"]


def test_a_team_without_marketo_gets_409(make_server):
    server = make_server().start()
    admin = server.add_user("Acme", "admin@acme.com", "admin")
    assert_error(admin.post("/integrations/marketo/webhook"), 409, "marketo_not_connected")


def test_unsubscribed_in_every_form_refuses_the_next_send(make_server, sim):
    server, admin = start(make_server, sim)
    hook = create(admin)
    forms = {"b@x.com": True, "s@x.com": "true", "one@x.com": "1"}
    sim.add_leads([{"email": e} for e in forms])
    for email in forms:
        assert check(admin, email)["allowed"]  # now cached as allowed for an hour
    for email, value in forms.items():
        assert call(hook["url"], hook["secret"], {"email": email, "unsubscribed": value}).status_code == 204
    lookups = sim.stats()["lookup_calls"]
    for email in forms:
        assert check(admin, email) == {"email": email, "allowed": False, "reason": "marketo_unsubscribed"}
    assert sim.stats()["lookup_calls"] == lookups  # refused without asking Marketo


def test_false_never_clears_an_unsubscribe_by_itself(make_server, sim):
    server, admin = start(make_server, sim)
    hook = create(admin)
    sim.add_leads([{"email": "ann@x.com", "unsubscribed": True}])
    assert call(hook["url"], hook["secret"], {"email": "ann@x.com", "unsubscribed": True}).status_code == 204
    lookups = sim.stats()["lookup_calls"]
    for value in (False, "false", "0"):
        assert call(hook["url"], hook["secret"], {"email": "ann@x.com", "unsubscribed": value}).status_code == 204
    # Marketo, asked again, still says unsubscribed: the call alone lifted nothing.
    assert check(admin, "ann@x.com") == {"email": "ann@x.com", "allowed": False, "reason": "marketo_unsubscribed"}
    assert sim.stats()["lookup_calls"] == lookups + 1


def test_false_makes_the_next_check_ask_marketo(make_server, sim):
    server, admin = start(make_server, sim)
    hook = create(admin)
    sim.add_leads([{"email": "bob@x.com"}])
    assert check(admin, "bob@x.com")["allowed"]  # cached as allowed
    lookups = sim.stats()["lookup_calls"]
    assert call(hook["url"], hook["secret"], {"email": "bob@x.com", "unsubscribed": "false"}).status_code == 204
    assert check(admin, "bob@x.com")["allowed"]
    assert sim.stats()["lookup_calls"] == lookups + 1


def test_bad_bodies_name_what_is_wrong(make_server, sim):
    server, admin = start(make_server, sim)
    hook = create(admin)
    url, secret = hook["url"], hook["secret"]
    assert_invalid(call(url, secret, {"unsubscribed": True}), "email")
    assert_invalid(call(url, secret, {"email": ["a@x.com"], "unsubscribed": True}), "email")
    assert_invalid(call(url, secret, {"email": "a@x.com", "unsubscribed": "yes"}), "unsubscribed")
    assert_invalid(call(url, secret, {"email": "a@x.com", "unsubscribed": True, "leadId": "x1"}), "leadId")
    assert_invalid(call(url, secret, [{"email": "a@x.com", "unsubscribed": True}]), "body")
    raw = {HEADER: secret, "Content-Type": "application/json"}
    assert_invalid(requests.post(url, data=b'{"email": "\xff@x.com", "unsubscribed": true}', headers=raw,
                                 timeout=30), "body")
    # A Marketo lead with no value for a token renders nothing: invalid JSON, not a crash.
    assert_invalid(requests.post(url, data=b'{"email": "a@x.com", "unsubscribed": , "leadId": }', headers=raw,
                                 timeout=30), "body")
    huge = b'{"email": "a@x.com", "unsubscribed": true, "pad": "' + b"x" * (2 << 20) + b'"}'
    try:
        assert requests.post(url, data=huge, headers=raw, timeout=30).status_code == 413
    except requests.ConnectionError:
        pass  # the server may close the connection before reading the whole body
    assert webhook_status(admin)["last_call_at"] is None
    assert server.raw("GET", "/healthz").status_code == 200


def test_simulated_trigger_campaign_refuses_the_next_send_without_the_feed(make_server, sim):
    server, admin = start(make_server, sim)
    hook = create(admin)
    sim.add_webhook(hook["url"], {HEADER: hook["secret"]}, hook["payload_template"])
    sim.add_leads([{"email": "ann@x.com"}])
    first = admin.send(["ann@x.com"])
    assert first.status_code == 202, first.text
    admin.wait_status(first.json()["id"], {"sent"})
    # From now on no REST call answers: neither the feed (the call nudges it) nor a lookup
    # can teach the unsubscribe, and a lookup would make the send a 503, not a 422.
    sim.faults([{"kind": "http_status", "status": 503, "count": 100000}])

    sim.set_unsubscribed("ann@x.com")
    [done] = wait_until(lambda: sim.webhook_calls(), 30, "the simulator's webhook call")
    assert (done["email"], done["unsubscribed"], done["status"]) == ("ann@x.com", True, 204)
    refused = admin.send(["ann@x.com"], subject="After unsubscribe")
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["recipients"] == ["ann@x.com"]  # the push alone blocked it
    assert webhook_status(admin)["last_call_at"] is not None
    sim.clear_faults()

    # A resubscribe in Marketo calls too: the next send asks Marketo, whose answer decides.
    sim.set_unsubscribed("ann@x.com", False)
    wait_until(lambda: len(sim.webhook_calls()) == 2, 30, "the second webhook call")
    assert sim.webhook_calls()[1]["status"] == 204
    lookups = sim.stats()["lookup_calls"]
    assert admin.send(["ann@x.com"]).status_code == 202
    assert sim.stats()["lookup_calls"] == lookups + 1


def test_an_authoritative_mirror_is_overruled_at_once(make_server, sim):
    """With the feed followed and the mirror trusted, the webhook's unsubscribe wins over
    the mirror's recent "not unsubscribed" before the feed has anything to say. No cache
    (max age 0): the mirror alone answers."""
    server, admin = test_mirror.start(make_server, sim, env={"SENDGUARD_CHECK_MAX_AGE": "0"})
    test_mirror.wait_for_sync(admin)
    test_mirror.set_authoritative(admin, True)
    hook = create(admin)
    sim.add_leads([{"email": "ann@x.com"}])
    assert check(admin, "ann@x.com")["allowed"]
    lookups = sim.stats()["lookup_calls"]
    assert check(admin, "ann@x.com")["allowed"]
    assert sim.stats()["lookup_calls"] == lookups  # answered by the mirror
    assert call(hook["url"], hook["secret"], {"email": "ann@x.com", "unsubscribed": True}).status_code == 204
    assert check(admin, "ann@x.com") == {"email": "ann@x.com", "allowed": False, "reason": "marketo_unsubscribed"}
    assert sim.stats()["lookup_calls"] == lookups
