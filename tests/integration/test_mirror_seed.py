"""Seeding the mirror from Marketo's Bulk Lead Extract, end to end.

A team connected with the check on exports its instance's leads in 31-day createdAt windows,
walking back until a year of windows holds no lead, and records every unsubscribed address
in its mirror without one lookup per address; an authoritative mirror then refuses them
with no lookup at all. The seed's state shows in GET /integrations/marketo; a failed export
is shown and retried; a restart resumes the job it waited on; another instance seeds again.
The simulator's bulk endpoints are as strict as Adobe documents them.
"""
import datetime

import requests

from assertions import wait_until
from peers import CLIENT_ID, CLIENT_SECRET
from test_mirror import integration, set_authoritative

SEED = {"SENDGUARD_MIRROR_INTERVAL": "1", "SENDGUARD_MIRROR_SEED": "1", "SENDGUARD_MIRROR_SEED_POLL_MS": "100"}
DONE_WITHIN = 180  # 14 export jobs of two status reads each, on a loaded machine
DAY = 86400


def days_ago(days):
    when = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=days)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def instance_with_history(sim):
    """50 unsubscribed people created this month, one 40 days ago (the window before), and
    two who are subscribed; all before the team connects, so their New Lead activities are
    behind the feed's start. Jobs complete on their second status read."""
    sim.config(export_status_reads=0)
    leads = [{"email": f"Gone{i}@Example.com", "unsubscribed": True, "createdAt": days_ago(1)} for i in range(50)]
    leads += [{"email": "old@example.com", "unsubscribed": True, "createdAt": days_ago(40)},
              {"email": "fine@example.com", "createdAt": days_ago(1)},
              {"email": "also-fine@example.com", "createdAt": days_ago(40)}]
    sim.add_leads(leads)
    return [f"gone{i}@example.com" for i in range(50)] + ["old@example.com"]


def start(make_server, sim, env=None):
    """A team connected with the check on; the simulator counts from the check's start."""
    server = make_server(env={**SEED, **(env or {})}).start()
    admin = server.add_user("Acme", "admin@acme.com", "admin")
    assert admin.connect_marketo(sim).status_code == 200
    sim.clear_stats()  # connecting verifies with a lookup; the seed starts with the check
    reply = admin.put("/settings/unsubscribe", {"marketo_check_enabled": True})
    assert reply.status_code == 200, reply.text
    return server, admin


def seed_of(admin):
    return integration(admin)["seed"]


def wait_seed(admin, state, timeout=DONE_WITHIN):
    return wait_until(lambda: (s := seed_of(admin))["state"] == state and s, timeout, f"seed {state}", poll=0.2)


def test_a_connected_team_is_seeded_with_every_unsubscribed_address_without_lookups(make_server, sim, sink):
    unsubscribed = instance_with_history(sim)
    server, admin = start(make_server, sim)
    assert seed_of(admin)["state"] in ("not_started", "running")

    seed = wait_seed(admin, "done")
    assert seed["addresses"] == len(unsubscribed)
    assert seed["error"] is None and seed["started_at"] and seed["finished_at"]
    stats = sim.stats()
    assert stats["lookup_calls"] == 0, "no lookup per address"
    # Two windows with leads, then twelve empty ones.
    assert stats["export_create_calls"] == stats["export_enqueue_calls"] == stats["export_file_calls"] == 14
    assert integration(admin)["usage"]["by_kind"]["bulk_export"] >= 14 * 4

    # With the mirror authoritative, every seeded address is refused with no lookup at all.
    set_authoritative(admin, True)
    sim.clear_stats()
    reply = admin.post("/checks", {"recipients": unsubscribed + ["Old@Example.com"]})
    assert reply.status_code == 200, reply.text
    assert all(not r["allowed"] and r["reason"] == "marketo_unsubscribed" for r in reply.json()["results"])
    sent = admin.send(["gone7@example.com"])
    assert sent.status_code == 422, sent.text
    assert sent.json()["error"]["recipients"] == ["gone7@example.com"]
    assert sim.stats()["lookup_calls"] == 0


def test_a_complete_mirror_answers_for_addresses_it_never_heard_of_and_follows_new_leads(make_server, sim, sink):
    # Seeded after the feed began, the mirror knows every unsubscribed address: an
    # authoritative team then sends with no lookup at all, even to people never checked.
    unsubscribed = instance_with_history(sim)
    server, admin = start(make_server, sim)
    assert wait_seed(admin, "done")["complete"] is True
    set_authoritative(admin, True)
    sim.clear_stats()
    strangers = [f"stranger{i}@example.com" for i in range(300)]

    reply = admin.post("/checks", {"recipients": strangers + ["fine@example.com", unsubscribed[3]]})

    assert reply.status_code == 200, reply.text
    allowed = {r["email"]: r["allowed"] for r in reply.json()["results"]}
    assert all(allowed[a] for a in strangers + ["fine@example.com"]) and not allowed[unsubscribed[3]]
    assert admin.send(strangers[:3]).status_code == 202
    assert sim.stats()["lookup_calls"] == 0, "no lookup for addresses the complete mirror answers"

    def refused(address):
        reply = admin.post("/checks", {"recipients": [address]})
        return reply.status_code == 200 and not reply.json()["results"][0]["allowed"]

    # A lead imported already unsubscribed logs only New Lead; the feed looks it up.
    sim.add_leads([{"email": "imported@example.com", "unsubscribed": True}])
    wait_until(lambda: refused("imported@example.com"), 60, "the imported unsubscribe in the mirror", poll=0.2)
    # An unsubscribed person's address changed: the new address is unsubscribed too.
    sim.change_email("gone5@example.com", "gone5-new@example.com")
    wait_until(lambda: refused("gone5-new@example.com"), 60, "the changed address in the mirror", poll=0.2)


def test_without_a_seed_an_address_never_heard_of_is_still_looked_up(make_server, sim, sink):
    instance_with_history(sim)
    server, admin = start(make_server, sim, env={"SENDGUARD_MIRROR_SEED": "0"})
    wait_until(lambda: integration(admin)["sync"]["last_success_at"], 30, "the feed read")
    assert integration(admin)["seed"]["complete"] is False
    set_authoritative(admin, True)
    sim.clear_stats()
    reply = admin.post("/checks", {"recipients": ["stranger@example.com"]})
    assert reply.status_code == 200, reply.text
    assert sim.stats()["lookup_calls"] == 1


def test_a_failed_export_is_shown_and_retried(make_server, sim, sink):
    instance_with_history(sim)
    sim.config(export_fail_next=2)  # the retry fails too, and waits twice as long
    server, admin = start(make_server, sim)

    failed = wait_seed(admin, "failed", timeout=60)
    assert "ended without a file" in failed["error"]
    # The same window is exported again by a new job, and the seed goes on to the end.
    seed = wait_seed(admin, "done")
    assert seed["addresses"] == 51 and seed["error"] is None
    assert sim.stats()["export_create_calls"] == 16, "the failed window twice more, then the fourteen"


def test_a_restart_mid_seed_resumes_the_job_it_was_waiting_on(make_server, sim, sink):
    instance_with_history(sim)
    sim.config(export_status_reads=1000)  # the first job waits in the queue
    server, admin = start(make_server, sim)
    wait_until(lambda: sim.stats()["export_status_calls"] >= 1, 60, "the first status read")
    server.kill()
    assert sim.stats()["export_create_calls"] == 1

    sim.config(export_status_reads=0)
    server.start()
    seed = wait_seed(admin, "done")
    assert seed["addresses"] == 51
    assert sim.stats()["export_create_calls"] == 14, "the waiting job was not created again"


def test_connecting_another_instance_seeds_again(make_server, sim, sink):
    instance_with_history(sim)
    server, admin = start(make_server, sim)
    first = wait_seed(admin, "done")
    jobs = sim.stats()["export_create_calls"]

    # The same simulator under another name is another instance to Sendguard.
    other = sim.url.replace("127.0.0.1", "localhost")
    reply = admin.put("/integrations/marketo", {"rest_endpoint": other + "/rest",
                                                "identity_endpoint": other + "/identity",
                                                "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    assert reply.status_code == 200, reply.text
    assert seed_of(admin)["state"] in ("not_started", "running")
    again = wait_seed(admin, "running", timeout=30)
    assert again["finished_at"] is None and again["started_at"] >= first["finished_at"]
    assert sim.stats()["export_create_calls"] > jobs, "an export from the new instance"


def test_the_seed_waits_for_the_check(make_server, sim, sink):
    instance_with_history(sim)
    server = make_server(env=SEED).start()
    admin = server.add_user("Acme", "admin@acme.com", "admin")
    assert admin.connect_marketo(sim).status_code == 200
    sim.clear_stats()
    assert seed_of(admin) == {"state": "not_started", "complete": False, "addresses": 0, "started_at": None,
                              "finished_at": None, "error": None}
    assert sim.stats()["export_create_calls"] == 0


# --- the simulator is as strict as Marketo -------------------------------------------

def bulk(sim, path, body=None, method="POST"):
    token = requests.post(f"{sim.identity_endpoint}/oauth/token", timeout=10, data={
        "grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    url = f"{sim.url}/bulk/v1/leads/export/{path}"
    reply = requests.request(method, url, json=body, headers=headers, timeout=10)
    return reply


def create(sim, filters, fields=("email", "unsubscribed")):
    return bulk(sim, "create.json", {"fields": list(fields), "format": "CSV", "filter": filters}).json()


def error_code(reply):
    assert reply["success"] is False, reply
    return reply["errors"][0]["code"]


def test_the_simulator_refuses_what_marketo_refuses(sim):
    month = {"startAt": days_ago(31), "endAt": days_ago(0)}
    assert error_code(create(sim, {"createdAt": {"startAt": days_ago(32), "endAt": days_ago(0)}})) == "1003"
    assert error_code(create(sim, {"createdAt": month, "staticListId": 1})) == "1003", "one filter per job"
    assert error_code(create(sim, {"unsubscribed": True})) == "1003", "no such filter"
    assert error_code(create(sim, {"smartListName": "Unsubscribed"})) == "1035"
    assert error_code(create(sim, {"createdAt": month}, fields=("email", "noSuchField"))) == "1003"
    assert error_code(create(sim, {"createdAt": {"startAt": "2026-01-01T00:00:00.000Z",
                                                 "endAt": "2026-01-02T00:00:00Z"}})) == "1003"
    assert error_code(bulk(sim, "no-such-job/status.json", method="GET").json()) == "1003"


def test_the_simulators_jobs_move_on_over_status_reads_and_write_marketos_csv(sim):
    sim.config(export_status_reads=1)
    sim.add_leads([{"email": 'odd,"one"@example.com', "unsubscribed": True}, {"email": "b@example.com"}])
    job = create(sim, {"createdAt": {"startAt": days_ago(1), "endAt": days_ago(-1)}})
    assert job["success"] and job["result"][0]["status"] == "Created"
    export_id = job["result"][0]["exportId"]
    assert error_code(bulk(sim, f"{export_id}/file.json", method="GET").json()) == "1003"
    assert bulk(sim, f"{export_id}/enqueue.json").json()["result"][0]["status"] == "Queued"
    assert error_code(bulk(sim, f"{export_id}/enqueue.json").json()) == "1029"
    seen = [bulk(sim, f"{export_id}/status.json", method="GET").json()["result"][0]["status"] for _ in range(4)]
    assert seen == ["Queued", "Processing", "Processing", "Completed"]
    done = bulk(sim, f"{export_id}/status.json", method="GET").json()["result"][0]
    assert done["numberOfRecords"] == 2 and done["fileSize"] > 0 and done["fileChecksum"].startswith("sha256:")
    file = bulk(sim, f"{export_id}/file.json", method="GET")
    assert file.headers["Content-Type"].startswith("text/csv")
    assert file.text == 'email,unsubscribed\n"odd,""one""@example.com",true\nb@example.com,false\n'


def test_the_simulators_queue_holds_ten_jobs(sim):
    month = {"createdAt": {"startAt": days_ago(31), "endAt": days_ago(0)}}
    ids = [create(sim, month)["result"][0]["exportId"] for _ in range(11)]
    for export_id in ids[:10]:
        assert bulk(sim, f"{export_id}/enqueue.json").json()["success"]
    refused = bulk(sim, f"{ids[10]}/enqueue.json").json()
    assert error_code(refused) == "1029" and refused["errors"][0]["message"] == "Too many jobs in queue"
