"""The Marketo mirror, the one-click write-back and the daily budget, end to end.

A background sync follows the simulator's activity feed and records unsubscribes and
resubscribes; the gate believes a mirrored unsubscribe without asking Marketo, and with the
mirror authoritative (PUT /settings/mirror) a recent "not unsubscribed" too. One-click
unsubscribes are written back to Marketo (updateOnly by email; 1007 resolved to ids),
retried until accepted. A daily budget caps Sendguard's Marketo calls; past it the team's
policy applies.

Every test runs twice: against the simulator as configured by default and in its strict
mode (marketo_sim.STRICT: activities without id, API changes logged only as Change Data
Value of a relabelled field, leadScore noise, short and empty pages, date-based paging
tokens and unsubscribes committed late).
"""
import re
import time

import pytest
import requests

from assertions import wait_until
from peers import CLIENT_ID, CLIENT_SECRET, MarketoSim
from sendguard import delivered_link

# A feed read every second, at that pace whether quiet or not, and read again from the
# previous re-read every 3 s (for activities committed late).
FAST = {"SENDGUARD_MIRROR_INTERVAL": "1", "SENDGUARD_MIRROR_MAX_BACKOFF": "1", "SENDGUARD_MIRROR_REREAD": "3"}
ONE_CLICK = {"List-Unsubscribe": "One-Click"}
REASON = "One-click unsubscribe from sales email"


@pytest.fixture
def sim(sim_modes):
    return sim_modes

NEW_LEAD = 12  # logged when the simulator creates a lead; not what these tests look at


def start(make_server, sim, env=None, policy="block", check=True):
    """A server with a team connected to the simulator (and the check on unless told)."""
    server = make_server(env={**FAST, **(env or {})}).start()
    admin = server.add_user("Acme", "admin@acme.com", "admin")
    if check:
        admin.enable_check(sim, policy=policy)
    else:
        assert admin.connect_marketo(sim).status_code == 200
    return server, admin


def echoes_only(sim):
    """Whether our write-back comes back through the feed only as its echo, which needs no lookup."""
    return sim.config()["api_changes_cdv_only"]


def integration(admin):
    reply = admin.get("/integrations/marketo")
    assert reply.status_code == 200, reply.text
    return reply.json()


def wait_for_sync(admin, timeout=10):
    """The sync status once the feed has been read successfully."""
    return wait_until(lambda: (s := integration(admin)["sync"])["last_success_at"] and s, timeout,
                      "first successful sync")


def set_authoritative(admin, on):
    reply = admin.put("/settings/mirror", {"authoritative": on})
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"authoritative": on}
    assert admin.get("/settings/mirror").json() == {"authoritative": on}


def leads_of(sim, email):
    return [lead for lead in sim.leads() if lead["email"].lower() == email.lower()]


def wait_unsubscribed(sim, email, timeout=8):
    return wait_until(lambda: (leads := leads_of(sim, email)) and all(l["unsubscribed"] for l in leads)
                      and leads, timeout, f"write-back of {email} to Marketo")


def sync_passes(sim, passes):
    """Waits for `passes` more reads of the activity feed, i.e. complete sync runs."""
    start_count = sim.stats()["activity_calls"]
    wait_until(lambda: sim.stats()["activity_calls"] >= start_count + passes, 5 * passes,
               f"{passes} sync passes")


def update_in_marketo(sim, records):
    """What another integration does: updateOnly by lead id through the REST API."""
    token = requests.post(f"{sim.identity_endpoint}/oauth/token", timeout=10, data={
        "grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}).json()
    return requests.post(f"{sim.rest_endpoint}/v1/leads.json", timeout=10,
                         headers={"Authorization": f"Bearer {token['access_token']}"},
                         json={"action": "updateOnly", "lookupField": "id", "input": records}).json()


def check(admin, email):
    reply = admin.post("/checks", {"recipients": [email]})
    assert reply.status_code == 200, reply.text
    return reply.json()["results"][0]


def start_with_ann(make_server, sim, env=None):
    """A followed feed and a subscribed lead ann@x.com, asked about once (answers are kept an
    hour, so only the mirror can tell of a change); returns the server, the admin and the lead."""
    server, admin = start(make_server, sim, env={"SENDGUARD_CHECK_MAX_AGE": "3600", **(env or {})})
    [lead] = sim.add_leads([{"email": "ann@x.com"}])
    assert check(admin, "ann@x.com")["allowed"]
    wait_for_sync(admin)
    return server, admin, lead


def wait_blocked(admin, email, timeout=10, what="the mirror to learn the unsubscribe"):
    wait_until(lambda: not check(admin, email)["allowed"], timeout, what)


def update_posts(sim):
    return [c for c in sim.stats()["calls"] if c["method"] == "POST" and c["path"] == "/rest/v1/leads.json"
            and "_method" not in c["query"]]


# --- one-click write-back ----------------------------------------------------------

def test_one_click_post_writes_back_but_get_and_forged_tokens_do_not(make_server, sim, sink):
    server, admin = start(make_server, sim)
    sim.add_leads([{"email": "reader@example.com"}])
    link = delivered_link(admin, sink, "Reader@Example.com")
    token = link.rsplit("/", 1)[1]

    assert requests.get(link, timeout=10).status_code == 200
    for bad in ("forged", token[:-2] + ("AA" if not token.endswith("AA") else "BB")):
        assert requests.post(f"{server.url}/u/{bad}", data=ONE_CLICK, timeout=10).status_code == 404
    sync_passes(sim, 2)  # every pass also tries due write-backs
    assert sim.stats()["update_calls"] == 0
    assert [l["unsubscribed"] for l in leads_of(sim, "reader@example.com")] == [False]
    assert check(admin, "reader@example.com")["allowed"]

    assert requests.post(link, data=ONE_CLICK, timeout=10).status_code == 200
    [lead] = wait_unsubscribed(sim, "reader@example.com")
    assert lead["unsubscribedReason"] == REASON
    assert sim.stats()["update_calls"] == 1

    assert requests.post(link, data=ONE_CLICK, timeout=10).status_code == 200  # harmless again
    sync_passes(sim, 2)
    assert sim.stats()["update_calls"] == 1
    assert check(admin, "reader@example.com") == {"email": "reader@example.com", "allowed": False,
                                                  "reason": "suppressed"}


def test_write_back_of_an_address_two_leads_share_updates_both(make_server, sim, sink):
    server, admin = start(make_server, sim)
    sim.add_leads([{"email": "dup@example.com"}, {"email": "Dup@Example.com"}, {"email": "other@example.com"}])
    link = delivered_link(admin, sink, "dup@example.com")
    no_lead = delivered_link(admin, sink, "nolead@example.com", count=2)
    lookups = sim.stats()["lookup_calls"]

    assert requests.post(no_lead, data=ONE_CLICK, timeout=10).status_code == 200
    assert requests.post(link, data=ONE_CLICK, timeout=10).status_code == 200

    both = wait_unsubscribed(sim, "dup@example.com")
    assert len(both) == 2 and all(l["unsubscribedReason"] == REASON for l in both)
    assert [l["unsubscribed"] for l in leads_of(sim, "other@example.com")] == [False]
    assert leads_of(sim, "nolead@example.com") == []  # updateOnly never creates a lead
    updates = sim.stats()["update_calls"]
    # By email (dup skipped with 1007, nolead with 1004; one pass or two), then dup's ids.
    assert updates in (2, 3), updates
    sync_passes(sim, 2)  # 1004 (no such lead) is an answer, not a failure to retry
    stats = sim.stats()
    assert stats["update_calls"] == updates
    # The shared address's lead ids, then the sync's one look at the address when the
    # feed reported the change (by email: an address is unsubscribed while any lead is),
    # unless the feed only echoes our write-back (a real instance's Change Data Value).
    assert stats["lookup_calls"] == lookups + (1 if echoes_only(sim) else 2)
    assert stats["errors_by_code"] == {}


def test_write_back_while_marketo_is_down_is_retried_until_it_lands(make_server, sim, sink):
    # The check stays off so that no sync call takes the injected faults: only the write-back
    # calls Marketo. Four 503s are every attempt of one call (the client retries 3 times);
    # the next attempt is due 30 s later, after a restart in between.
    server, admin = start(make_server, sim, check=False)
    sim.add_leads([{"email": "later@example.com"}])
    link = delivered_link(admin, sink, "later@example.com")
    sim.faults([{"kind": "http_status", "status": 503, "count": 4}])

    began = time.monotonic()
    assert requests.post(link, data=ONE_CLICK, timeout=10).status_code == 200  # answered locally
    assert time.monotonic() - began < 2
    wait_until(lambda: len(update_posts(sim)) >= 4, 15, "the first write-back attempts")
    assert [l["unsubscribed"] for l in leads_of(sim, "later@example.com")] == [False]
    assert check(admin, "later@example.com")["reason"] == "suppressed"  # the local list has it

    server.stop()
    server.start()
    wait_unsubscribed(sim, "later@example.com", timeout=60)
    assert len(update_posts(sim)) == 5
    assert sim.stats()["update_calls"] == 1  # the faulted attempts never reached the lead database


# --- the mirror on the send path ---------------------------------------------------

def test_unsubscribe_in_marketo_blocks_the_next_send_without_a_lookup(make_server, sim, sink):
    server, admin = start(make_server, sim, env={"SENDGUARD_CHECK_MAX_AGE": "3600"})
    sim.add_leads([{"email": "ann@x.com"}])
    first = admin.send(["ann@x.com"])
    assert first.status_code == 202, first.text
    admin.wait_status(first.json()["id"], {"sent"})
    wait_for_sync(admin)
    lookups = sim.stats()["lookup_calls"]
    assert lookups == 1  # the cache (an hour) would say "allowed" from now on

    sim.set_unsubscribed("ann@x.com")
    wait_blocked(admin, "ann@x.com")
    refused = admin.send(["ann@x.com"], subject="After unsubscribe")

    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["recipients"] == ["ann@x.com"]
    assert check(admin, "ann@x.com") == {"email": "ann@x.com", "allowed": False, "reason": "marketo_unsubscribed"}
    [blocked] = [e for e in admin.get("/emails").json()["emails"] if e["subject"] == "After unsubscribe"]
    assert (blocked["status"], blocked["reason"]) == ("blocked", "marketo_unsubscribed")
    stats = sim.stats()
    # One lookup by the sync when the feed reported the change; none by the sends.
    assert stats["lookup_calls"] == lookups + 1
    assert stats["lead_by_id_calls"] >= 1
    # The sync's is a background call of the feed's, not one of the checks' reserve (whose
    # two are connecting's probe and the first send's).
    by_kind = integration(admin)["usage"]["by_kind"]
    assert (by_kind["lookup"], by_kind["feed_lookup"]) == (2, 1), by_kind

    sim.set_unsubscribed("ann@x.com", False)
    wait_until(lambda: check(admin, "ann@x.com")["allowed"], 10, "the mirror to learn the resubscribe")
    again = admin.send(["ann@x.com"], subject="Resubscribed")
    assert again.status_code == 202, again.text
    admin.wait_status(again.json()["id"], {"sent"})
    assert [m["msg"]["Subject"] for m in sink.wait_for(2)] == ["Hello", "Resubscribed"]


def test_resubscribe_in_marketo_lifts_a_block_a_live_lookup_found(make_server, sim, sink):
    # Unsubscribed before Sendguard ever asked: the first send learns it from a lookup.
    server, admin = start(make_server, sim, env={"SENDGUARD_CHECK_MAX_AGE": "3600"})
    sim.add_leads([{"email": "back@x.com", "unsubscribed": True}])
    wait_for_sync(admin)
    refused = admin.send(["back@x.com"])
    assert refused.status_code == 422, refused.text
    assert sim.stats()["lookup_calls"] == 1

    sim.set_unsubscribed("back@x.com", False)
    # The feed's Change Data Value is read and its lead resolved (committed late in strict
    # mode: by the next re-read).
    wait_until(lambda: check(admin, "back@x.com")["allowed"], 15, "the mirror to learn the resubscribe")
    assert sim.stats()["lead_by_id_calls"] >= 1
    assert check(admin, "back@x.com") == {"email": "back@x.com", "allowed": True}
    again = admin.send(["back@x.com"], subject="Resubscribed")
    assert again.status_code == 202, again.text
    admin.wait_status(again.json()["id"], {"sent"})


def test_authoritative_mirror_answers_steady_sends_with_zero_lookups(make_server, sim, sink):
    server, admin = start(make_server, sim, env={"SENDGUARD_CHECK_MAX_AGE": "0"})
    sim.add_leads([{"email": "ann@x.com"}, {"email": "bob@x.com"}])
    set_authoritative(admin, True)
    wait_for_sync(admin)

    def lookups_for(sends, to):
        before = sim.stats()["lookup_calls"]
        for i in range(sends):
            reply = admin.send([to], subject=f"{to} {i}")
            assert reply.status_code == 202, reply.text
            admin.wait_status(reply.json()["id"], {"sent"})  # the pre-delivery check included
        return sim.stats()["lookup_calls"] - before

    assert lookups_for(1, "ann@x.com") == 1
    assert lookups_for(5, "ann@x.com") == 0
    assert check(admin, "ann@x.com")["allowed"] and sim.stats()["lookup_calls"] == 1

    set_authoritative(admin, False)
    actions = [e["action"] for e in admin.get("/audit").json()["entries"]]
    assert actions.count("settings.mirror.updated") == 2, actions
    assert lookups_for(3, "ann@x.com") >= 3  # every send asks Marketo (max age 0)
    assert lookups_for(3, "bob@x.com") >= 3


def test_an_address_stays_blocked_while_any_of_its_leads_is_unsubscribed(make_server, sim, sink):
    # MARKETO.md: treat an address as unsubscribed when any lead with it says so. Another
    # integration resubscribes one of two leads sharing an address; the feed reports that lead.
    server, admin = start(make_server, sim)
    set_authoritative(admin, True)
    first, second = sim.add_leads([{"email": "pair@x.com", "unsubscribed": True},
                                   {"email": "Pair@X.com", "unsubscribed": True}])
    wait_for_sync(admin)
    assert check(admin, "pair@x.com")["reason"] == "marketo_unsubscribed"  # a lookup finds both

    reply = update_in_marketo(sim, [{"id": second["id"], "unsubscribed": False}])
    assert reply["result"] == [{"id": second["id"], "status": "updated"}], reply
    resolved = sim.stats()["lead_by_id_calls"]
    wait_until(lambda: sim.stats()["lead_by_id_calls"] > resolved, 10, "the sync to resolve the changed lead")
    sync_passes(sim, 1)

    assert check(admin, "pair@x.com") == {"email": "pair@x.com", "allowed": False, "reason": "marketo_unsubscribed"}
    assert admin.send(["pair@x.com"]).status_code == 422


def test_activities_without_an_integer_id_still_reach_the_mirror(make_server, sim, sink):
    # An instance on Marketo's Activity Service: activities carry marketoGUID but no "id".
    sim.config(activity_fields_dropped=["id"])
    server, admin, _ = start_with_ann(make_server, sim)

    sim.set_unsubscribed("ann@x.com")
    wait_blocked(admin, "ann@x.com")
    assert integration(admin)["sync"]["last_error"] is None


def test_a_page_with_an_unreadable_activity_is_a_sync_failure_not_a_quiet_skip(make_server, sim, sink):
    server, admin, _ = start_with_ann(make_server, sim)

    sim.config(activity_fields_dropped=["leadId"])
    sim.set_unsubscribed("ann@x.com")
    failed = wait_until(lambda: (s := integration(admin)["sync"])["last_error"] and s, 10, "a sync error")
    assert "leadId" in failed["last_error"], failed
    assert check(admin, "ann@x.com")["allowed"]  # nothing learned from a page read in part

    # Readable again: the same page is read from where the feed stopped, and nothing is lost.
    sim.config(activity_fields_dropped=[])
    wait_blocked(admin, "ann@x.com")
    assert wait_until(lambda: (s := integration(admin)["sync"])["last_error"] is None and s, 10, "recovery")


# --- what a real instance logs, and how the feed pages ------------------------------

def leads_looked_up_by_id(sim):
    """The lead ids the sync resolved, over every call the simulator still remembers."""
    ids = []
    for call in sim.stats()["calls"]:
        if call["path"] == "/rest/v1/leads.json" and "filterType=id" in call["query"]:
            values = call["query"].split("filterValues=")[1].split("&")[0]
            ids += [int(v) for v in requests.utils.unquote(values).split(",")]
    return ids


def test_an_api_change_of_a_relabelled_field_reaches_the_mirror(make_server, sim, sink):
    # Another integration unsubscribes the lead through the REST API: Marketo logs only a
    # Change Data Value, of a field an admin relabelled "Opted Out" (found by its id).
    sim.config(unsubscribed_display_name="Opted Out", api_changes_cdv_only=True)
    server, admin, lead = start_with_ann(make_server, sim)

    assert update_in_marketo(sim, [{"id": lead["id"], "unsubscribed": True}])["success"]
    logged = [a for a in sim.activities() if a["leadId"] == lead["id"] and a["activityTypeId"] != NEW_LEAD]
    assert [(a["activityTypeId"], a["primaryAttributeValue"]) for a in logged] == [(13, "Opted Out")]
    wait_blocked(admin, "ann@x.com")
    # The field's id is kept: asked once by the first feed read (before or after the counts
    # were cleared), never again.
    assert sim.stats()["describe_calls"] <= 1


def test_a_noisy_instance_resolves_only_the_leads_whose_unsubscribe_changed(make_server, sim, sink):
    # Four times the strict noise. Not more: strict pages are short (50 activities a call on
    # average) and the feed shares 50 calls per 20 s, so at 50 changes a second a sanitizer
    # build on a loaded machine fell behind for good (every call spent, the end never
    # reached). How fast the feed reads is measured in bench/mirror.py, not here.
    sim.config(cdv_noise_per_second=20)
    server, admin, lead = start_with_ann(make_server, sim)

    sim.set_unsubscribed("ann@x.com")
    wait_blocked(admin, "ann@x.com", timeout=30)
    assert any(a["primaryAttributeValue"] == "Lead Score" for a in sim.activities())
    assert set(leads_looked_up_by_id(sim)) == {lead["id"]}


def test_activities_committed_late_are_not_missed(make_server, sim, sink):
    # Date-based tokens: the noise moves the feed's token to "now"; the unsubscribe is then
    # committed dated 20 s back, behind the token. The periodic re-read finds it.
    sim.config(date_based_paging=True, late_commit_seconds=20, cdv_noise_per_second=5)
    server, admin, _ = start_with_ann(make_server, sim)
    sync_passes(sim, 2)

    sim.set_unsubscribed("ann@x.com")
    wait_blocked(admin, "ann@x.com", timeout=20, what="the mirror to learn the late unsubscribe")


def test_short_and_empty_pages_with_more_result_are_read_through(make_server, sim, sink):
    sim.config(short_pages=True, cdv_noise_per_second=20)
    server, admin, _ = start_with_ann(make_server, sim)
    sim.set_unsubscribed("ann@x.com")
    wait_blocked(admin, "ann@x.com", timeout=15)
    assert integration(admin)["sync"]["last_error"] is None


def test_an_expired_paging_token_is_replaced_and_the_status_says_so(make_server, sim, sink):
    server, admin, _ = start_with_ann(make_server, sim, env={"SENDGUARD_MIRROR_REREAD": "3600"})
    before = integration(admin)["sync"]
    assert before["feed_restarted_at"] is None and before["feed_restart_reason"] is None

    sim.expire_paging_tokens()
    sim.set_unsubscribed("ann@x.com")
    wait_blocked(admin, "ann@x.com")
    sync = wait_until(lambda: (s := integration(admin)["sync"])["feed_restarted_at"] and s, 10, "the restart noted")
    assert "expired" in sync["feed_restart_reason"], sync
    assert wait_until(lambda: (s := integration(admin)["sync"])["last_error"] is None and s, 10, "a clean pass")


def test_an_address_too_many_leads_share_does_not_wedge_the_feed(make_server, sim, sink):
    # More leads share crowd@x.com than a lookup may match (1003 even alone): the feed
    # mirrors the unsubscribe it read of one of them and goes on to the next change.
    sim.config(lookup_match_limit=3)
    server, admin, _ = start_with_ann(make_server, sim)
    [first, *_] = sim.add_leads([{"email": "crowd@x.com"} for _ in range(4)])
    assert update_in_marketo(sim, [{"id": first["id"], "unsubscribed": True}])["success"]
    wait_until(lambda: sim.stats()["lead_by_id_calls"], 10, "the feed to resolve the crowded address's lead")
    sim.set_unsubscribed("ann@x.com")
    wait_blocked(admin, "ann@x.com", what="the change after the crowded one")
    assert integration(admin)["sync"]["last_error"] is None
    # Marketo cannot be asked about it, but the feed saw a lead of it unsubscribe.
    assert check(admin, "crowd@x.com") == {"email": "crowd@x.com", "allowed": False,
                                            "reason": "marketo_unsubscribed"}


def test_a_describe_failure_is_shown_as_a_warning_and_asked_again(make_server, sim, sink):
    # Without the unsubscribed field's id the feed matches changes by display name: it
    # says so in the sync status, and reads the field again at later passes.
    sim.config(describe_error_code="603")
    server, admin = start(make_server, sim)
    synced = wait_for_sync(admin)
    assert "display name" in synced["warning"] and "603" in synced["warning"], synced
    assert synced["last_error"] is None
    asked = sim.stats()["describe_calls"]
    sync_passes(sim, 2)
    assert sim.stats()["describe_calls"] > asked

    sim.config(describe_error_code=None)
    wait_until(lambda: integration(admin)["sync"]["warning"] is None, 10, "the warning to go")


def test_reconnecting_to_another_instance_forgets_what_the_old_one_taught(make_server, sim, sink):
    # ann unsubscribed on the first instance, not on the second: her mirrored unsubscribe,
    # the feed's position and the seed belong to the first and must not follow the team.
    server, admin = start(make_server, sim, env={"SENDGUARD_CHECK_MAX_AGE": "3600"})
    sim.add_leads([{"email": "ann@x.com", "unsubscribed": True}])
    assert check(admin, "ann@x.com")["reason"] == "marketo_unsubscribed"
    first = wait_for_sync(admin)
    with MarketoSim() as other:
        other.add_leads([{"email": "ann@x.com"}])
        reply = admin.connect_marketo(other)
        assert reply.status_code == 200, reply.text
        synced = wait_until(lambda: (s := integration(admin)["sync"])["confirmed_at"]
                            and s["confirmed_at"] > first["confirmed_at"] and s, 10, "the new instance's feed read")
        assert synced["last_error"] is None
        assert other.stats()["paging_token_calls"] >= 1  # a feed of its own, not the old token
        asked = other.stats()["lookup_calls"]
        assert check(admin, "ann@x.com") == {"email": "ann@x.com", "allowed": True}
        assert other.stats()["lookup_calls"] == asked + 1, "asked the new instance"


def test_new_credentials_for_the_same_instance_keep_what_the_feed_learned(make_server, sim, sink):
    # A rotated secret is the same instance: the feed continues from its token (no new
    # one) and the mirror's unsubscribe still answers without a lookup.
    server, admin = start(make_server, sim, env={"SENDGUARD_CHECK_MAX_AGE": "0", "SENDGUARD_MIRROR_REREAD": "3600"})
    set_authoritative(admin, True)
    sim.add_leads([{"email": "ann@x.com"}])
    wait_for_sync(admin)
    sim.set_unsubscribed("ann@x.com")
    wait_blocked(admin, "ann@x.com")  # a live lookup's answer is mirrored too
    tokens = sim.stats()["paging_token_calls"]

    sim.config(clients={"sg-client": "rotated"})
    reply = admin.connect_marketo(sim, client_secret="rotated")
    assert reply.status_code == 200, reply.text
    checks = integration(admin)["usage"]["by_kind"]["lookup"]  # connecting's probe included
    assert check(admin, "ann@x.com")["reason"] == "marketo_unsubscribed"
    sync_passes(sim, 2)
    assert integration(admin)["usage"]["by_kind"]["lookup"] == checks, "the mirror answered, not a lookup"
    assert sim.stats()["paging_token_calls"] == tokens


def test_our_write_back_echoed_by_the_feed_needs_no_lookup(make_server, sim, sink):
    # A real instance logs the write-back only as Change Data Value from "Web service API".
    sim.config(api_changes_cdv_only=True)
    server, admin = start(make_server, sim)
    [lead] = sim.add_leads([{"email": "reader@example.com"}])
    link = delivered_link(admin, sink, "reader@example.com")
    wait_for_sync(admin)
    assert requests.post(link, data=ONE_CLICK, timeout=10).status_code == 200
    wait_unsubscribed(sim, "reader@example.com")
    echoed = [a for a in sim.activities() if a["leadId"] == lead["id"] and a["activityTypeId"] != NEW_LEAD]
    assert [a["activityTypeId"] for a in echoed] == [13]
    sync_passes(sim, 3)
    assert lead["id"] not in leads_looked_up_by_id(sim)


def test_a_quiet_feed_is_read_less_often_and_its_calls_are_reported(make_server, sim, sink):
    server, admin = start(make_server, sim, env={"SENDGUARD_MIRROR_MAX_BACKOFF": "8"})
    wait_for_sync(admin)

    def widest_gap():  # between reads of the feed
        reads = [c["ts"] for c in sim.stats()["calls"] if c["path"] == "/rest/v1/activities.json"]
        return max((b - a for a, b in zip(reads, reads[1:])), default=0)

    # Reads 1, 2, 4 then 8 s apart (every second without the backoff).
    wait_until(lambda: widest_gap() >= 3.5, 40, "a read at least 4 s after the one before")
    status = integration(admin)  # one answer: the feed may read again between two
    usage = status["usage"]["by_kind"]
    feed = sum(usage.get(k, 0) for k in ("paging_token", "activity_types", "describe", "activity", "lead_by_id",
                                         "feed_lookup"))
    reported = status["sync"]["feed_calls_today"]
    assert reported == feed and reported >= 5, (reported, usage)


def failing_feeds(server):
    """The /metrics gauge of teams whose latest feed read failed."""
    metrics = server.raw("GET", "/metrics").text
    return int(float(re.search(r"^sendguard_marketo_feed_failing_teams (\S+)$", metrics, re.M).group(1)))


def test_a_failing_feed_makes_the_next_send_look_up_live(make_server, sim, sink):
    # The authoritative mirror answered for ann; once a sync run fails it may be missing an
    # unsubscribe, so it is not trusted until a run succeeds again, however recent the last.
    # Max age 0: no cached answer stands in for the mirror.
    server, admin = start(make_server, sim, env={"SENDGUARD_CHECK_MAX_AGE": "0"})
    sim.add_leads([{"email": "ann@x.com"}, {"email": "carl@x.com"}])
    set_authoritative(admin, True)
    wait_for_sync(admin)
    assert check(admin, "ann@x.com")["allowed"]
    before = sim.stats()["lookup_calls"]
    assert check(admin, "ann@x.com")["allowed"] and sim.stats()["lookup_calls"] == before

    sim.config(activity_fields_dropped=["leadId"])
    sim.set_unsubscribed("carl@x.com")  # a change on a page the sync cannot read
    wait_until(lambda: integration(admin)["sync"]["last_error"], 10, "a sync error")
    assert failing_feeds(server) == 1
    reply = admin.send(["ann@x.com"])
    assert reply.status_code == 202, reply.text
    admin.wait_status(reply.json()["id"], {"sent"})
    assert sim.stats()["lookup_calls"] > before, "the send asked Marketo"

    sim.config(activity_fields_dropped=[])
    wait_until(lambda: integration(admin)["sync"]["last_error"] is None, 10, "recovery")
    assert failing_feeds(server) == 0
    settled = sim.stats()["lookup_calls"]
    assert check(admin, "ann@x.com")["allowed"] and sim.stats()["lookup_calls"] == settled


# --- sync status and the daily budget ----------------------------------------------

def test_sync_status_reports_success_lag_and_errors(make_server, sim, sink):
    server, admin = start(make_server, sim)
    sync = wait_for_sync(admin)
    assert sync["lag_seconds"] is not None and 0 <= sync["lag_seconds"] <= 2, sync
    assert sync["last_error"] is None and sync["last_error_at"] is None
    usage = integration(admin)["usage"]
    assert usage["daily_budget"] == 10000
    assert {"paging_token", "activity_types", "activity"} <= set(usage["by_kind"]), usage
    assert usage["calls_today"] == sum(usage["by_kind"].values())

    # Marketo down for longer than one call's retries.
    sim.faults([{"kind": "error", "code": "608", "count": 4}], endpoint="any")
    failed = wait_until(lambda: (s := integration(admin)["sync"])["last_error"] and s, 10, "a sync error")
    assert "608" in failed["last_error"] and failed["last_error_at"], failed
    recovered = wait_until(lambda: (s := integration(admin)["sync"])["last_error"] is None and s, 10,
                           "recovery")
    assert recovered["last_success_at"] > sync["last_success_at"]
    assert recovered["lag_seconds"] <= 2

    # The credentials stop working: the token expires and the secret was rotated in Marketo.
    sim.config(clients={"sg-client": "rotated"})
    sim.expire_tokens()
    failed = wait_until(lambda: (s := integration(admin)["sync"])["last_error"] and s, 10, "a credential error")
    assert "credentials" in failed["last_error"], failed
    assert failed["last_error_at"] and failed["last_success_at"] <= failed["last_error_at"], failed


def test_budget_exhaustion_applies_the_team_policy(make_server, sim, sink):
    # A long interval keeps the sync's own calls out of this small budget; connecting
    # spends 2 of its 5 (verifying reads a lead and the activity types).
    server, admin = start(make_server, sim, env={"SENDGUARD_MARKETO_DAILY_BUDGET": "5",
                                                 "SENDGUARD_MIRROR_INTERVAL": "3600"})
    assert integration(admin)["sync"] == {"last_success_at": None, "lag_seconds": None, "last_error": None,
                                          "last_error_at": None, "feed_restarted_at": None,
                                          "feed_restart_reason": None, "feed_calls_today": 1,
                                          "confirmed_at": None, "warning": None}
    for to in ("a1@x.com", "a2@x.com", "a3@x.com"):
        reply = admin.send([to])
        assert reply.status_code == 202, reply.text
        admin.wait_status(reply.json()["id"], {"sent"})
    usage = integration(admin)["usage"]
    assert usage == {"calls_today": 5, "daily_budget": 5, "background_calls_today": 1, "background_budget": 1,
                     "other_calls_today": 0, "daily_quota": 50000, "near_quota": False,
                     "by_kind": {"lookup": 4, "activity_types": 1}}, usage

    refused = admin.send(["a4@x.com"])
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"]["code"] == "unsubscribe_check_unavailable"
    assert admin.post("/checks", {"recipients": ["a5@x.com"]}).status_code == 503
    assert check(admin, "a1@x.com")["allowed"]  # answered before, so no call needed
    assert sim.stats()["lookup_calls"] == 3

    assert admin.put("/settings/unsubscribe", {"on_check_unavailable": "send"}).status_code == 200
    accepted = admin.send(["a4@x.com"])
    assert accepted.status_code == 202, accepted.text
    email = admin.wait_status(accepted.json()["id"], {"sent"})
    assert email.get("unverified") is True, email
    assert sim.stats()["lookup_calls"] == 3
    assert integration(admin)["usage"]["calls_today"] == 5

    metrics = server.raw("GET", "/metrics").text
    lookups = [line for line in metrics.splitlines() if line.startswith("sendguard_marketo_calls_total{")
               and 'kind="lookup"' in line]
    assert lookups == ['sendguard_marketo_calls_total{kind="lookup",result="success"} 4'], lookups
