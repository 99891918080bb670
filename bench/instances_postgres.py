#!/usr/bin/env python3
"""Sendguard on SQLite, on PostgreSQL with 1 instance and with 3, in one run.

A PostgreSQL cluster of the run's own (tests/support/postgres_cluster.py: a temporary
directory, a Unix socket, fsync off) gives each PostgreSQL configuration a fresh database.
For each configuration, on fresh servers, the check off, all on 127.0.0.1:

  - group send: one POST /bulk-sends (mode "group") of 10,000 recipients to one instance,
    timed from its 202 until no email is queued or held, delivered by every instance's
    outbox into Postfix's smtp-sink (as bench/group_send_postfix.py does on SQLite);
  - POST /emails throughput: wrk, THREADS threads taking the instances in turn (each thread
    keeps to one instance: no balancer in between), CONNECTIONS connections, DURATION_S s,
    one recipient per email; then the outbox is drained before the next configuration.

Prints a Markdown table and appends a dated section to bench/RESULTS.md. Exits non-zero
when an invariant fails (a group send not delivered in full, a non-2xx answer).
Needs wrk, Debian's postgresql and Postfix's smtp-sink.
Usage: /usr/bin/python3 bench/instances_postgres.py [--no-record] [--keep]
"""
import os
import sys
import tempfile
from pathlib import Path

# common puts tests/support on sys.path, for the peers, the server wrapper and the cluster.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SERVER_ENV, SIM_CONFIG, PostfixSink, drain_outbox, main  # noqa: E402
import group_send_postfix  # noqa: E402
from group_send import RECIPIENTS  # noqa: E402
from http_ceiling import WRK_SCRIPT, wrk  # noqa: E402
from postgres_cluster import Cluster  # noqa: E402
from sendguard import Sendguard  # noqa: E402

THREADS = 3  # one per instance with three; the same load with one
CONNECTIONS = 48
DURATION_S = 10
DRAIN_TIMEOUT = 600
RECIPIENT = "reader@instances-example.com"

# Sent before each thread starts: it keeps to one instance, taken in turn.
ROUND_ROBIN = """\
local ports = {{{ports}}}
local taken = 0
function setup(thread)
  thread.addr = wrk.lookup("127.0.0.1", tostring(ports[taken % #ports + 1]))[1]
  taken = taken + 1
end
"""


def configurations(cluster, workdir):
    """(label, the environment of its instances, how many) of each configuration."""
    def postgres():
        return {"SENDGUARD_DB": cluster.create_database(), "SENDGUARD_SECRET_KEY_FILE": str(workdir / "shared.key")}
    return [("SQLite", {}, 1), ("PostgreSQL ×1", postgres(), 1), ("PostgreSQL ×3", postgres(), 3)]


def throughput(bench, label, instances, token, script):
    body = (f'{{"workflow": "individual", "source": "api", "to": ["{RECIPIENT}"], '
            f'"subject": "Throughput", "text": "Hello"}}')
    script.write_text(WRK_SCRIPT.format(method="POST", body=body, auth=f'wrk.headers["Authorization"] = "Bearer {token}"')
                      + ROUND_ROBIN.format(ports=", ".join(str(s.port) for s in instances)))
    rate, bad, errors = wrk(f"{instances[0].url}/api/v1/emails", script, THREADS, CONNECTIONS, DURATION_S)
    bench.expect(bad == 0 and errors == 0, f"{label}: {bad} non-2xx answers, {errors} socket errors")
    bench.row(f"{label}: POST /emails, requests/s", f"{rate:,.0f}")


def measure(sim, sink, start):
    sim.config(**SIM_CONFIG)
    workdir = Path(tempfile.mkdtemp(prefix="instances-", dir=sink.root))
    bench = group_send_postfix.Bench(sim, sink, None, None)
    cluster = Cluster.create()
    others = []  # the instances beyond the first, which main() does not know of
    try:
        with PostfixSink() as postfix:
            load_before = os.getloadavg()[0]
            for n, (label, env, count) in enumerate(configurations(cluster, workdir)):
                env = {**SERVER_ENV, **env, "SENDGUARD_SMTP_URL": postfix.url}
                first, admin = start(f"config{n}-0", env)
                reply = admin.put("/settings/unsubscribe", {"marketo_check_enabled": False})
                bench.expect(reply.status_code == 200, f"{label}: check off: {reply.status_code} {reply.text[:200]}")
                instances = [first]
                for k in range(1, count):
                    others.append(Sendguard(env=env, workdir=workdir / f"config{n}-{k}").start())
                    instances.append(others[-1])
                bench.phase(f"{label}: group send", admin, check_on=False)
                throughput(bench, label, instances, admin.token, workdir / f"emails-{n}.lua")
                drained, _ = drain_outbox(admin, DRAIN_TIMEOUT)
                bench.expect(drained, f"{label}: the outbox did not drain in {DRAIN_TIMEOUT} s")
                for server in instances:
                    server.stop()
            bench.load = (load_before, os.getloadavg()[0])
    finally:
        for server in others:
            server.stop()
        cluster.stop()
    return bench


def describe(bench, elapsed):
    return [f"- Group send: {RECIPIENTS:,} recipients accepted by the first instance, check off; SMTP to "
            "Postfix's smtp-sink (`smtp-sink 127.0.0.1:PORT 1000`), shared by every instance",
            f"- POST /emails: wrk {THREADS} threads (each on one instance, taken in turn), {CONNECTIONS} connections, "
            f"{DURATION_S} s, one recipient per email, check off; the outbox drained afterwards",
            "- PostgreSQL: Debian's server, a cluster of the run's own on a Unix socket, fsync and "
            "synchronous_commit off (tests/support/postgres_cluster.py); a fresh database per configuration, "
            "default pool (8 connections per instance); SQLite's file on the same disk",
            f"- Each configuration on fresh servers, in the order of the table; whole run {elapsed:.0f} s"]


if __name__ == "__main__":
    sys.exit(main("instances_postgres", __doc__, measure, describe))
