"""Marketo's limits belong to the Marketo instance: three Sendguard instances on one
PostgreSQL keep to 50 calls per 20 s and 5 at once together, and spend one daily budget,
which also outlives a restart (on SQLite too); a quota Marketo says is spent (607) stops
every instance."""
import threading

from sendguard import Client
from test_postgresql import on_postgres

TEAMS = 6  # one lookup at a time per team and instance (CoalescingSource): 18 may run at once
CHECKS_PER_TEAM = 4  # 72 checks: more than one window's 50 calls


def lookups_today(client):
    """Today's lookup calls as Sendguard counted them: the feed's calls are of other kinds,
    so this count moves only with checks."""
    reply = client.get("/integrations/marketo")
    assert reply.status_code == 200, reply.text
    return reply.json()["usage"]["by_kind"].get("lookup", 0)


def test_three_instances_keep_to_marketos_rate_and_concurrency_together(make_server, postgres, tmp_path, sim):
    # Strict Marketo; every check asks it (max age 0, no seed, the mirror not trusted).
    sim.config(rate_limit_calls=50, rate_limit_window_seconds=20, max_concurrent=5, latency_ms=100)
    env = {"SENDGUARD_CHECK_MAX_AGE": "0", "SENDGUARD_MARKETO_TEAM_CONCURRENCY": "8"}
    servers = [on_postgres(make_server, postgres, tmp_path, env).start() for _ in range(3)]
    admins = [servers[0].add_user(f"Team{t}", f"admin@team{t}.com", "admin") for t in range(TEAMS)]
    for admin in admins:
        admin.enable_check(sim)
    sim.clear_stats()
    replies = []
    lock = threading.Lock()

    def checks_of(team, server):
        client = Client(server.url, admins[team].token)
        for i in range(CHECKS_PER_TEAM):
            reply = client.post("/checks", {"recipients": [f"t{team}-{server.port}-{i}@example.com"]}, timeout=120)
            with lock:
                replies.append(reply)

    threads = [threading.Thread(target=checks_of, args=(team, server))
               for team in range(TEAMS) for server in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats = sim.stats()

    assert len(replies) == TEAMS * 3 * CHECKS_PER_TEAM
    for reply in replies:
        # A check the limiter cannot fit in time is refused cleanly, never sent to Marketo.
        assert reply.status_code in (200, 503), reply.text
        if reply.status_code == 503:
            assert reply.json()["error"]["code"] == "unsubscribe_check_unavailable", reply.text
    answered = sum(reply.status_code == 200 for reply in replies)
    print(f"\n{answered} checks answered, {len(replies) - answered} refused; Marketo saw {stats['rest_calls']} calls, "
          f"{stats['lookup_calls']} lookups, at most {stats['max_concurrent_seen']} at once")
    assert stats["lookup_calls"] > 50, "the burst must need more than one window to mean anything"
    assert stats["limit_errors"]["606"] == 0, stats["limit_errors"]
    assert stats["limit_errors"]["615"] == 0, stats["limit_errors"]
    assert stats["max_concurrent_seen"] <= 5

    # One day's count of calls, the same seen from every instance.
    counts = [lookups_today(Client(server.url, admins[0].token)) for server in servers]
    assert counts == [counts[0]] * 3 and counts[0] >= stats["lookup_calls"], counts


def test_a_spent_quota_stops_every_instance_and_outlives_a_restart(make_server, postgres, tmp_path, sim):
    # Every check asks Marketo (max age 0); the first call after the fault draws its 607.
    env = {"SENDGUARD_CHECK_MAX_AGE": "0"}
    servers = [on_postgres(make_server, postgres, tmp_path, env).start() for _ in range(2)]
    admin = servers[0].add_user("Acme", "admin@acme.com", "admin")
    admin.enable_check(sim)
    other = Client(servers[1].url, admin.token)
    sim.faults([{"kind": "error", "code": "607", "count": 1}])

    first = admin.post("/checks", {"recipients": ["ann@example.com"]})
    calls_after_first = sim.stats()["rest_calls"]
    elsewhere = other.post("/checks", {"recipients": ["bob@example.com"]})
    servers[1].stop()
    servers[1].start()
    restarted = other.post("/checks", {"recipients": ["carl@example.com"]})

    for reply in (first, elsewhere, restarted):
        assert reply.status_code == 503, reply.text
        assert reply.json()["error"]["code"] == "unsubscribe_check_unavailable", reply.text
    assert sim.stats()["errors_by_code"] == {"607": 1}
    assert calls_after_first >= 1
    assert sim.stats()["rest_calls"] == calls_after_first, "no instance asks Marketo again today"


def test_the_days_count_of_calls_outlives_a_restart_on_sqlite(make_server, sim):
    server = make_server(env={"SENDGUARD_CHECK_MAX_AGE": "0"}).start()
    admin = server.add_user("Acme", "admin@acme.com", "admin")
    admin.enable_check(sim)
    for i in range(3):
        assert admin.post("/checks", {"recipients": [f"r{i}@example.com"]}).status_code == 200
    before = lookups_today(admin)
    assert before >= 3

    server.stop()
    server.start()
    assert lookups_today(admin) == before
    assert admin.post("/checks", {"recipients": ["r9@example.com"]}).status_code == 200
    assert lookups_today(admin) == before + 1
