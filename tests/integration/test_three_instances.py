"""Three Sendguard instances on one PostgreSQL: a group send whose instance is killed
mid-delivery is finished by the other two, campaign steps fire once with three instances
running and go on when the leading one dies, and the Marketo feed is followed by one
instance at a time."""
import re

from sendguard import Client

from test_bulk_sends import FAST_MARKETO, received, sink_count, wait_settled
from test_campaigns import create_campaign, deliveries, enroll, settled, wait_enrollments
from test_postgresql import on_postgres, wait_until

WORKERS = 4
# A short lease (renewed every third of it), so that a killed instance's emails are taken
# over within seconds.
FAST_TAKEOVER = {**FAST_MARKETO, "SENDGUARD_OUTBOX_WORKERS": str(WORKERS), "SENDGUARD_OUTBOX_LEASE_MS": "2000"}


def three_instances(make_server, postgres, tmp_path, env):
    # One after the other: the first migrates the database.
    return [on_postgres(make_server, postgres, tmp_path, env).start() for _ in range(3)]


def feed_reads(server):
    """Pages of Marketo's activity feed this instance read, from its own metrics."""
    text = server.raw("GET", "/metrics").text
    return sum(int(float(n)) for n in re.findall(r'^sendguard_marketo_calls_total\{[^}]*kind="activity"[^}]*\} (\S+)$',
                                                   text, re.M))


def test_two_instances_finish_a_group_send_whose_instance_was_killed(make_server, postgres, tmp_path, sim, sink):
    sim.config(rate_limit_calls=100000)
    first, *others = three_instances(make_server, postgres, tmp_path, FAST_TAKEOVER)
    admin = first.add_user("Acme", "admin@acme.com", "admin")
    people = [f"t{i:05d}@prospects.example" for i in range(3000)]
    gone = set(people[11::100])
    sim.add_leads([{"email": a, "unsubscribed": a in gone} for a in people])
    admin.enable_check(sim)
    sink.set_delay(5)  # each instance's workers keep emails on the wire

    reply = admin.bulk("group", people, subject="Three instances", text="Hi")
    assert reply.status_code == 202, reply.text[:300]
    assert len(reply.json()["emails"]) == len(people) - len(gone)
    wait_until(lambda: sink_count(sink) >= 300, 60, "the first 300 deliveries", poll=0.005)
    first.kill()
    at_kill = sink_count(sink)

    wait_settled(others[0], timeout=60)
    copies = received(sink)
    lost = [a for a in people if a not in gone and copies[a] == 0]
    duplicates = sum(n - 1 for n in copies.values() if n > 1)
    print(f"\nkilled after {at_kill} of {len(people) - len(gone)}: lost={len(lost)} duplicates={duplicates}")
    assert at_kill < len(people) - len(gone), "killed after the send had finished: nothing to take over"
    assert lost == [], lost[:5]
    assert duplicates <= WORKERS, "more duplicates than the killed instance had emails on the wire"
    assert not set(copies) & gone, sorted(set(copies) & gone)[:5]
    assert set(copies) <= set(people)
    assert others[1].metric("sendguard_emails", '{status="sent"}') == len(people) - len(gone)
    assert others[1].metric("sendguard_emails", '{status="suppressed"}') == len(gone)


TWO_STEPS = [{"delay_seconds": 0, "subject": "One", "text": "Hi {{first_name}}, one."},
             {"delay_seconds": 1, "subject": "Two", "text": "Hi {{first_name}}, two."}]


def run_two_steps(sim, sink, admin, instance, people, timeout):
    """Enrols `people` in a two-step campaign through `admin` and checks that each person got
    each step exactly once; `instance` is one still running, whose view of the outbox is waited on."""
    sim.add_leads([{"email": e} for e, _ in people])
    campaign = create_campaign(admin, TWO_STEPS)
    enroll(admin, campaign["id"], people)
    wait_enrollments(admin, campaign["id"], settled, timeout=timeout)
    sink.wait_for(2 * len(people), timeout=30)
    wait_settled(instance, timeout=30)
    got = sorted((r, s) for r, s, _, _ in deliveries(sink))
    assert got == sorted((e, s) for e, _ in people for s in ("One", "Two")), "each step once to each person"


def test_campaign_steps_fire_once_with_three_schedulers(make_server, postgres, tmp_path, sim, sink):
    sim.config(rate_limit_calls=100000)
    instances = three_instances(make_server, postgres, tmp_path, FAST_MARKETO)
    admin = instances[0].add_user("Acme", "admin@acme.com", "admin")
    admin.enable_check(sim)
    people = [(f"c{i:02d}@prospects.example", f"P{i}") for i in range(20)]
    run_two_steps(sim, sink, admin, instances[1], people, timeout=45)


def leading(instances, reads=1):
    """The one instance that reads the Marketo feed, once `reads` pages were read: the leader."""
    wait_until(lambda: sum(feed_reads(s) for s in instances) >= reads, 30, f"{reads} reads of the feed")
    readers = [s for s in instances if feed_reads(s) > 0]
    assert len(readers) == 1, [feed_reads(s) for s in instances]
    return readers[0]


def test_campaign_steps_go_on_when_the_leading_instance_dies(make_server, postgres, tmp_path, sim, sink):
    # Only the leader runs the campaign scheduler: once it dies, the new leader sends the steps.
    sim.config(rate_limit_calls=100000)
    instances = three_instances(make_server, postgres, tmp_path,
                                {**FAST_MARKETO, "SENDGUARD_MIRROR_INTERVAL": "1", "SENDGUARD_MIRROR_MAX_BACKOFF": "1"})
    token = instances[0].add_user("Acme", "admin@acme.com", "admin").token
    Client(instances[0].url, token).enable_check(sim)
    leader = leading(instances)
    leader.kill()
    survivor = next(s for s in instances if s is not leader)
    people = [(f"d{i:02d}@prospects.example", f"P{i}") for i in range(10)]
    run_two_steps(sim, sink, Client(survivor.url, token), survivor, people, timeout=60)


def test_the_feed_is_followed_by_one_instance_and_taken_over_when_it_dies(make_server, postgres, tmp_path, sim):
    instances = three_instances(make_server, postgres, tmp_path,
                                {"SENDGUARD_MIRROR_INTERVAL": "1", "SENDGUARD_MIRROR_MAX_BACKOFF": "1"})
    admin = instances[0].add_user("Acme", "admin@acme.com", "admin")
    admin.enable_check(sim)
    leader = leading(instances, reads=3)
    leader.kill()
    survivors = [s for s in instances if s is not leader]
    before = {id(s): feed_reads(s) for s in survivors}
    wait_until(lambda: sum(feed_reads(s) - before[id(s)] for s in survivors) >= 3, 30,
               "another instance to take the feed over")
    readers = [s for s in survivors if feed_reads(s) > before[id(s)]]
    assert len(readers) == 1, [feed_reads(s) for s in survivors]
