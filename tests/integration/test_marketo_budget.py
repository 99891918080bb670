"""The daily budget against the shared quota, end to end.

The feed and write-backs spend at most their share of the budget
(SENDGUARD_MARKETO_BACKGROUND_PERCENT, 30 % by default); the rest is kept for live
lookups. The calls of the customer's other integrations, read from Marketo's daily usage,
come off the budget, and 80 % of the quota is warned about.
"""
import re

from assertions import wait_until
from test_mirror import FAST, integration, set_authoritative, start


def checks_until_refused(admin, limit=60):
    """Checks new addresses one by one until the budget refuses one; how many were answered."""
    for i in range(limit):
        reply = admin.post("/checks", {"recipients": [f"p{i}@x.com"]})
        if reply.status_code == 503:
            assert reply.json()["error"]["code"] == "unsubscribe_check_unavailable", reply.text
            return i
        assert reply.status_code == 200, reply.text
    raise AssertionError(f"{limit} checks and the budget never refused one")


def near_quota_gauge(server):
    metrics = server.raw("GET", "/metrics").text
    return float(re.search(r"^sendguard_marketo_instances_near_quota (\S+)$", metrics, re.M).group(1))


def test_with_a_small_budget_the_feed_stops_at_its_share_while_lookups_go_on(make_server, sim, sink):
    server, admin = start(make_server, sim, env={"SENDGUARD_MARKETO_DAILY_BUDGET": "20"})
    set_authoritative(admin, True)
    stopped = wait_until(lambda: "reserve" in ((s := integration(admin)["sync"])["last_error"] or "") and s, 20,
                         "the feed to stop at its share")
    usage = integration(admin)["usage"]
    assert usage["background_budget"] == 6 and usage["background_calls_today"] == 6, usage

    # Later runs fail on the budget before calling Marketo.
    activity = sim.stats()["activity_calls"]
    wait_until(lambda: integration(admin)["sync"]["last_error_at"] > stopped["last_error_at"], 10, "another run")
    assert sim.stats()["activity_calls"] == activity

    # The mirror is not trusted while the feed is stopped: every check asks Marketo, and
    # the lookups' reserve answers until the whole budget is spent.
    lookups = sim.stats()["lookup_calls"]
    answered = checks_until_refused(admin)
    assert answered >= 10 and sim.stats()["lookup_calls"] == lookups + answered
    usage = integration(admin)["usage"]
    assert usage["calls_today"] == 20 and usage["background_calls_today"] == 6, usage


def test_other_integrations_calls_reduce_what_sendguard_spends(make_server, sim, sink):
    sim.other_calls(70)  # another integration of the customer, earlier today
    server = make_server(env={**FAST, "SENDGUARD_MARKETO_DAILY_QUOTA": "100"}).start()
    assert near_quota_gauge(server) == 0  # nothing is known of the quota before connecting
    admin = server.add_user("Acme", "admin@acme.com", "admin")
    admin.enable_check(sim)
    usage = wait_until(lambda: (u := integration(admin)["usage"])["other_calls_today"] and u, 10,
                       "the instance's usage to be read")
    assert usage["other_calls_today"] == 70 and usage["daily_quota"] == 100, usage
    assert usage["daily_budget"] == 30 and usage["background_budget"] == 9, usage

    checks_until_refused(admin)
    usage = integration(admin)["usage"]
    assert usage["calls_today"] == 30, usage
    day = sim.other_calls(0)[0]  # the simulator's usage.json: Marketo's own count
    assert day["total"] == 100, day  # 70 by the other integration, 30 by Sendguard: never past the quota

    # Past 80 of the 100: the warning shows in the API and in /metrics.
    assert usage["near_quota"] is True
    assert near_quota_gauge(server) == 1
