"""Sales campaigns: creating them, enrolling people, steps sent by the scheduler, the
unsubscribe gate at every step, one-click stops, restarts and team boundaries."""
import html
import json
import re
import time
from datetime import datetime
from email import policy
from email.parser import BytesParser

import pytest
import requests

from assertions import assert_invalid, wait_until
from sendguard import Client

# Every step asks Marketo afresh, so an unsubscribe between steps is seen at once.
NO_REUSE = {"SENDGUARD_CHECK_MAX_AGE": "0"}

TWO_STEPS = [
    {"delay_seconds": 0, "subject": "Hello {{first_name}}", "text": "Hi {{first_name}}, one.",
     "html": "<p>Hi {{first_name}}, one.</p>"},
    {"delay_seconds": 2, "subject": "Following up, {{first_name}}", "text": "Hi {{first_name}}, two.",
     "html": "<p>Hi {{first_name}}, two.</p>"},
]

# Step two 3 s out: room for the test to act between the steps even on a loaded machine.
ROOMY = [TWO_STEPS[0], {**TWO_STEPS[1], "delay_seconds": 3}]

PEOPLE = [("ann@prospects.example", "Ann"), ("Bob@Prospects.example", "Bob"),
          ("cid@prospects.example", "Cid")]


def create_campaign(client, steps=None, name="Spring outreach"):
    reply = client.post("/campaigns", {"name": name, "steps": steps or TWO_STEPS})
    assert reply.status_code == 201, reply.text
    return reply.json()


def enroll(client, campaign_id, people):
    reply = client.post(f"/campaigns/{campaign_id}/enrollments",
                        {"recipients": [{"email": e, "vars": {"first_name": n}} for e, n in people]})
    assert reply.status_code == 201, reply.text
    return reply.json()["enrollments"]


def enrollments(client, campaign_id):
    reply = client.get(f"/campaigns/{campaign_id}/enrollments")
    assert reply.status_code == 200, reply.text
    return {e["email"]: e for e in reply.json()["enrollments"]}


def wait_enrollments(client, campaign_id, done, timeout=15):
    """The enrollments by address once done(them) holds; fails the test otherwise."""
    def finished():
        found = enrollments(client, campaign_id)
        return found if done(found) else None

    return wait_until(finished, timeout, lambda: f"enrollments done ({enrollments(client, campaign_id)})", poll=0.1)


def settled(found):
    return all(e["state"] != "active" for e in found.values())


def campaign_emails(client):
    reply = client.get("/emails", params={"workflow": "campaign", "limit": 200})
    assert reply.status_code == 200, reply.text
    return reply.json()["emails"]


def deliveries(sink):
    """(recipient, subject, received_at as epoch seconds, parsed message) per delivered copy."""
    out = []
    for eml in sorted(sink.maildir.glob("*.eml"), key=lambda p: int(p.stem)):
        sidecar = json.loads(eml.with_suffix(".json").read_text())
        received = datetime.fromisoformat(sidecar["received_at"]).timestamp()
        msg = BytesParser(policy=policy.default).parsebytes(eml.read_bytes().replace(b"\r\n", b"\n"))
        out += [(r, str(msg["Subject"]), received, msg) for r in sidecar["rcpt_tos"]]
    return out


def body_part(msg, kind):
    part = msg.get_body(preferencelist=(kind,))
    return part.get_content().strip() if part else None


# --- campaigns ---------------------------------------------------------------------------

def test_create_list_and_get_a_campaign(server, admin, user):
    created = create_campaign(admin)
    assert created["id"] and created["name"] == "Spring outreach"
    assert created["step_count"] == 2
    assert created["steps"] == TWO_STEPS
    other = create_campaign(admin, steps=TWO_STEPS[:1], name="Autumn")

    listed = admin.get("/campaigns")
    assert listed.status_code == 200, listed.text
    by_id = {c["id"]: c for c in listed.json()["campaigns"]}
    assert set(by_id) == {created["id"], other["id"]}
    assert by_id[created["id"]]["name"] == "Spring outreach"
    assert by_id[other["id"]]["step_count"] == 1

    got = admin.get(f"/campaigns/{created['id']}")
    assert got.status_code == 200, got.text
    assert got.json()["steps"] == TWO_STEPS and got.json()["name"] == "Spring outreach"
    assert user.get(f"/campaigns/{created['id']}").status_code == 200  # same team

    missing = admin.get("/campaigns/cp_does_not_exist")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


STEP = {"delay_seconds": 0, "subject": "Hi", "text": "Hello", "html": ""}


@pytest.mark.parametrize("body,field", [
    ({"steps": [STEP]}, "name"),
    ({"name": "", "steps": [STEP]}, "name"),
    ({"name": "No steps", "steps": []}, "steps"),
    ({"name": "No steps"}, "steps"),
    ({"name": "Negative", "steps": [STEP, {**STEP, "delay_seconds": -5}]}, "steps[1].delay_seconds"),
    ({"name": "Fraction", "steps": [{**STEP, "delay_seconds": 1.5}]}, "steps[0].delay_seconds"),
    ({"name": "Bad subject", "steps": [{**STEP, "subject": "Hi {{#open}} there"}]}, "steps[0].subject"),
    ({"name": "Bad text", "steps": [STEP, {**STEP, "text": "Hi {{first_name"}]}, "steps[1].text"),
    ({"name": "Bad html", "steps": [{**STEP, "html": "<p>{{/close}}</p>"}]}, "steps[0].html"),
    ({"name": "Not a step", "steps": ["hello"]}, "steps[0]"),
], ids=["missing-name", "empty-name", "empty-steps", "missing-steps", "negative-delay",
        "fractional-delay", "bad-subject", "bad-text", "bad-html", "step-not-object"])
def test_invalid_campaign_is_400_naming_the_field(server, admin, body, field):
    assert_invalid(admin.post("/campaigns", body), field)
    assert admin.get("/campaigns").json()["campaigns"] == []


def test_enrollment_validation(server, admin):
    campaign = create_campaign(admin)
    path = f"/campaigns/{campaign['id']}/enrollments"
    good = {"email": "ann@prospects.example", "vars": {"first_name": "Ann"}}

    assert_invalid(admin.post(path, {"recipients": []}), "recipients")
    assert_invalid(admin.post(path, {}), "recipients")
    assert_invalid(admin.post(path, {"recipients": [good, {"email": "not an address",
                                                           "vars": {"first_name": "X"}}]}),
                   "recipients[1].email")
    assert_invalid(admin.post(path, {"recipients": [good, {"vars": {"first_name": "X"}}]}),
                   "recipients[1].email")
    missing = assert_invalid(admin.post(path, {"recipients": [good, {"email": "bob@prospects.example"}]}),
                             "recipients[1].vars")
    assert "first_name" in missing["message"]
    assert_invalid(admin.post(path, {"recipients": [good, {**good, "email": "ANN@prospects.example"}]}),
                   "recipients[1].email")
    assert enrollments(admin, campaign["id"]) == {}  # a refused request enrolls nobody

    unknown = admin.post("/campaigns/cp_nope/enrollments", {"recipients": [good]})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"

    first = admin.post(path, {"recipients": [good]})
    assert first.status_code == 201, first.text
    [e] = first.json()["enrollments"]
    assert e["email"] == "ann@prospects.example" and e["state"] == "active" and e["id"]
    again = admin.post(path, {"recipients": [{**good, "email": "Ann@Prospects.example"},
                                             {"email": "new@prospects.example", "vars": {"first_name": "N"}}]})
    assert again.status_code == 409, again.text
    assert again.json()["error"]["code"] == "already_enrolled"
    assert set(enrollments(admin, campaign["id"])) == {"ann@prospects.example"}


# --- steps and the gate ----------------------------------------------------------------

def test_two_step_campaign_reaches_everyone_then_finishes(make_server, sim, sink):
    server = make_server(env=NO_REUSE).start()
    admin = server.add_user("Acme", "admin@acme.com", "admin")
    people = PEOPLE[:2] + [("cid@prospects.example", "Cid & <Co>")]  # vars are escaped in html only
    sim.add_leads([{"email": e} for e, _ in people])
    admin.enable_check(sim)
    campaign = create_campaign(admin)

    enrolled = enroll(admin, campaign["id"], people)
    assert [e["email"] for e in enrolled] == [e for e, _ in people]
    assert all(e["state"] == "active" for e in enrolled)

    sink.wait_for(6, timeout=15)
    found = wait_enrollments(admin, campaign["id"], settled)
    assert {e: (x["state"], x["reason"]) for e, x in found.items()} == \
        {e: ("finished", None) for e, _ in people}

    got = deliveries(sink)
    assert len(got) == 6, [(r, s) for r, s, _, _ in got]
    for email, name in people:
        mine = [(t, s, msg) for r, s, t, msg in got if r == email]
        assert [s for _, s, _ in mine] == [f"Hello {name}", f"Following up, {name}"], mine
        assert body_part(mine[1][2], "plain") == f"Hi {name}, two."
        assert body_part(mine[1][2], "html") == f"<p>Hi {html.escape(name, quote=False)}, two.</p>"
        gap = mine[1][0] - mine[0][0]
        assert gap >= 1.9, f"step 2 reached {email} {gap:.2f} s after step 1 (delay is 2 s)"

    emails = campaign_emails(admin)
    assert len(emails) == 6
    assert {e["status"] for e in emails} == {"sent"}
    assert all(e["workflow"] == "campaign" for e in emails)


def test_unsubscribe_in_marketo_between_steps_stops_that_person_only(make_server, sim, sink):
    server = make_server(env=NO_REUSE).start()
    admin = server.add_user("Acme", "admin@acme.com", "admin")
    sim.add_leads([{"email": e} for e, _ in PEOPLE])
    admin.enable_check(sim)
    campaign = create_campaign(admin, steps=ROOMY)
    enroll(admin, campaign["id"], PEOPLE)

    sink.wait_for(3, timeout=10)  # step one reached everyone; step two is 3 s away
    assert sim.set_unsubscribed("bob@prospects.example")

    found = wait_enrollments(admin, campaign["id"], settled)
    assert found["Bob@Prospects.example"]["state"] == "stopped"
    assert found["Bob@Prospects.example"]["reason"] == "marketo_unsubscribed"
    for email in ("ann@prospects.example", "cid@prospects.example"):
        assert (found[email]["state"], found[email]["reason"]) == ("finished", None)

    sink.wait_for(5, timeout=10)
    time.sleep(0.5)  # room for a stray sixth message to show up
    got = deliveries(sink)
    assert sorted((r, s) for r, s, _, _ in got) == sorted(
        [("Bob@Prospects.example", "Hello Bob")]
        + [(e, f"Hello {n}") for e, n in PEOPLE if n != "Bob"]
        + [(e, f"Following up, {n}") for e, n in PEOPLE if n != "Bob"])

    bobs = [e for e in campaign_emails(admin) if e["to"] == ["Bob@Prospects.example"]]
    by_subject = {e["subject"]: e for e in bobs}
    assert set(by_subject) == {"Hello Bob", "Following up, Bob"}, bobs
    assert by_subject["Hello Bob"]["status"] == "sent"
    step_two = by_subject["Following up, Bob"]
    assert (step_two["status"], step_two["reason"]) == ("failed", "marketo_unsubscribed")
    assert step_two["sent_at"] is None
    others = [e for e in campaign_emails(admin) if e["to"] != ["Bob@Prospects.example"]]
    assert len(others) == 4 and {e["status"] for e in others} == {"sent"}


def test_enrolling_an_unsubscribed_person_fails_the_first_step_and_stops(make_server, sim, sink):
    server = make_server(env=NO_REUSE).start()
    admin = server.add_user("Acme", "admin@acme.com", "admin")
    sim.add_leads([{"email": "gone@prospects.example", "unsubscribed": True},
                   {"email": "here@prospects.example"}])
    admin.enable_check(sim)
    campaign = create_campaign(admin)

    enrolled = enroll(admin, campaign["id"], [("Gone@Prospects.example", "Gil"),
                                              ("here@prospects.example", "Hal")])
    assert [e["state"] for e in enrolled] == ["active", "active"]  # the gate runs when a step is due

    found = wait_enrollments(admin, campaign["id"],
                             lambda f: f["Gone@Prospects.example"]["state"] != "active")
    assert found["Gone@Prospects.example"]["state"] == "stopped"
    assert found["Gone@Prospects.example"]["reason"] == "marketo_unsubscribed"

    sink.wait_for(1)  # Hal's first step: the scheduler and outbox did run
    time.sleep(0.5)
    assert all(r != "Gone@Prospects.example" for r, _, _, _ in deliveries(sink))
    gils = [e for e in campaign_emails(admin) if e["to"] == ["Gone@Prospects.example"]]
    assert len(gils) == 1, gils
    assert (gils[0]["subject"], gils[0]["status"], gils[0]["reason"]) == \
        ("Hello Gil", "failed", "marketo_unsubscribed")

    # A stopped enrollment is no longer active, so the person may be enrolled again.
    again = admin.post(f"/campaigns/{campaign['id']}/enrollments",
                       {"recipients": [{"email": "gone@prospects.example", "vars": {"first_name": "Gil"}}]})
    assert again.status_code == 201, again.text


def test_one_click_unsubscribe_from_step_one_stops_the_enrollment(server, admin, sink):
    campaign = create_campaign(admin, steps=ROOMY)
    enroll(admin, campaign["id"], [("ann@prospects.example", "Ann"), ("cid@prospects.example", "Cid")])

    first = sink.wait_for(2)
    anns = [m for m in first if m["rcpt_tos"] == ["ann@prospects.example"]]
    assert len(anns) == 1 and anns[0]["msg"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.fullmatch(r"<(.+)>", anns[0]["msg"]["List-Unsubscribe"]).group(1)
    done = requests.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert done.status_code == 200, done.text

    found = enrollments(admin, campaign["id"])
    assert (found["ann@prospects.example"]["state"], found["ann@prospects.example"]["reason"]) == \
        ("stopped", "suppressed")
    assert found["ann@prospects.example"]["next_due_at"] is None

    found = wait_enrollments(admin, campaign["id"], settled)  # Cid's step two came and went
    assert found["cid@prospects.example"]["state"] == "finished"
    time.sleep(0.5)
    assert sorted((r, s) for r, s, _, _ in deliveries(sink)) == [
        ("ann@prospects.example", "Hello Ann"), ("cid@prospects.example", "Following up, Cid"),
        ("cid@prospects.example", "Hello Cid")]
    assert len([e for e in campaign_emails(admin) if e["to"] == ["ann@prospects.example"]]) == 1


# --- durability and boundaries -----------------------------------------------------------

def test_campaign_progress_survives_a_restart_and_step_two_goes_once(make_server, sink, tmp_path):
    workdir = tmp_path / "restart"
    server = make_server(workdir=workdir).start()
    admin = server.add_user("Acme", "admin@acme.com", "admin")
    campaign = create_campaign(admin, steps=ROOMY)
    enroll(admin, campaign["id"], [("ann@prospects.example", "Ann")])

    sink.wait_for(1)
    waiting = wait_enrollments(admin, campaign["id"],
                               lambda f: f["ann@prospects.example"]["next_step"] == 1
                               and f["ann@prospects.example"]["next_due_at"] is not None)
    assert waiting["ann@prospects.example"]["state"] == "active"
    server.stop()

    restarted = make_server(workdir=workdir).start()
    admin = Client(restarted.url, admin.token)
    found = wait_enrollments(admin, campaign["id"], settled, timeout=15)
    assert (found["ann@prospects.example"]["state"], found["ann@prospects.example"]["reason"]) == \
        ("finished", None)
    time.sleep(1.0)  # two scheduler ticks: a duplicate would show by now

    got = [(s, t) for r, s, t, _ in deliveries(sink)]
    assert [s for s, _ in got] == ["Hello Ann", "Following up, Ann"], got
    assert got[1][1] - got[0][1] >= 2.9, f"step 2 came {got[1][1] - got[0][1]:.2f} s after step 1"
    emails = campaign_emails(admin)
    assert sorted((e["subject"], e["status"]) for e in emails) == \
        [("Following up, Ann", "sent"), ("Hello Ann", "sent")]


def test_another_teams_admin_cannot_see_or_use_a_campaign(server, admin):
    campaign = create_campaign(admin)
    enroll(admin, campaign["id"], [("ann@prospects.example", "Ann")])
    globex = server.add_user("Globex", "admin@globex.com", "admin")

    for method, path, body in [
            ("GET", f"/campaigns/{campaign['id']}", None),
            ("GET", f"/campaigns/{campaign['id']}/enrollments", None),
            ("POST", f"/campaigns/{campaign['id']}/enrollments",
             {"recipients": [{"email": "x@globex.example", "vars": {"first_name": "X"}}]})]:
        reply = globex.request(method, path, json=body)
        assert reply.status_code == 404, (method, path, reply.text)
        assert reply.json()["error"]["code"] == "not_found"
    assert globex.get("/campaigns").json()["campaigns"] == []
    assert set(enrollments(admin, campaign["id"])) == {"ann@prospects.example"}
    assert server.anonymous().get(f"/campaigns/{campaign['id']}").status_code == 401
