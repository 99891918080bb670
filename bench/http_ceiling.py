#!/usr/bin/env python3
"""How close Sendguard's HTTP answers come to a static server's, measured with wrk.

In one run, on 127.0.0.1 only, wrk drives in turn:

  (a) nginx serving a small static JSON answer (nginx started here, unprivileged, in the
      foreground, with its own temporary config, pid file and logs): the ceiling;
  (b) Sendguard's GET /healthz;
  (c) a warm POST /checks of one address (check on, the address answered once before, so
      it is served from the freshness cache);
  (d) POST /emails to one recipient, check off, delivered to Postfix's smtp-sink;
  (e) the warm POST /checks of (c) against a second server on PostgreSQL (a cluster of
      the run's own, tests/support/postgres_cluster.py), idle while the others run.

Each target runs ROUNDS times, interleaved (a, b, c, d, e, a, b, ...) so that the load of
other work on the machine falls on all alike; after each target the outbox is drained,
so that the deliveries (d) leaves behind compete with no target. Reported per target: requests/s
min / median / max and the median's ratio to nginx's median; every answer must be 2xx.

Prints a Markdown table and appends a dated section to bench/RESULTS.md. Exits non-zero
when an invariant fails (a non-2xx answer, a socket error, wrk failing).
Usage: bench/http_ceiling.sh [--no-record] [--keep]
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# common puts tests/support on sys.path, for the peers and the server wrapper.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (SERVER_ENV, SIM_CONFIG, BenchBase, PostfixSink, Stats, drain_outbox, free_port,  # noqa: E402
                    main, server_limits, simulator_limits)
from postgres_cluster import Cluster  # noqa: E402

ROUNDS = 3
DURATION_S = 10
CONNECTIONS = 50
THREADS = 2
NGINX = "/usr/sbin/nginx"
STATIC_ANSWER = '{"status":"ok"}'
CHECKED = "warm@ceiling-example.com"
RECIPIENT = "reader@ceiling-example.com"
DRAIN_TIMEOUT = 300
# The checked address stays answered for the whole run: at the default 60 s, its expiry
# under 50 concurrent requests turns (c) into a measure of the team's Marketo bound
# (503 marketo_busy while the one refresh is under way), not of the warm path.
WARM_ENV = {"SENDGUARD_CHECK_MAX_AGE": "3600"}
START_TIMEOUT = 10

NGINX_CONF = """\
daemon off;
worker_processes auto;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location / {{ default_type application/json; return 200 '{answer}'; }}
  }}
}}
"""

# wrk's request, as its Lua API wants it; a POST carries the body and the bearer token.
WRK_SCRIPT = """\
wrk.method = "{method}"
wrk.body = [[{body}]]
wrk.headers["Content-Type"] = "application/json"
{auth}
"""


class Nginx:
    """nginx in the foreground with a config, pid file and logs of its own."""

    def __init__(self, directory):
        directory.mkdir(parents=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        conf = directory / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=directory, port=self.port, answer=STATIC_ANSWER))
        # -e: the error log before the config is read, which otherwise is /var/log/nginx.
        self.process = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(directory), "-e",
                                         str(directory / "error.log")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while subprocess.run(["curl", "-sf", "-o", "/dev/null", self.url]).returncode != 0:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"nginx did not start: {(directory / 'error.log').read_text()}")
            time.sleep(0.05)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: fast shutdown of the master and its workers
            self.process.wait(10)


def wrk(url, script, threads=THREADS, connections=CONNECTIONS, duration_s=DURATION_S):
    """One wrk run: (requests/s, non-2xx answers, socket errors)."""
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration_s}s", "-s", str(script), url],
                         capture_output=True, text=True, timeout=duration_s + 60)
    if out.returncode != 0:
        raise RuntimeError(f"wrk failed: {out.stderr or out.stdout}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out.stdout).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out.stdout)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out.stdout)
    return rate, int(bad.group(1)) if bad else 0, sum(map(int, errors.groups())) if errors else 0


class Bench(BenchBase):
    def __init__(self, sim, sink, server, admin, workdir):
        super().__init__(sim, sink, server, admin)
        self.workdir = workdir

    def script(self, name, method, body="", token=None):
        path = self.workdir / f"{name}.lua"
        auth = f'wrk.headers["Authorization"] = "Bearer {token}"' if token else ""
        path.write_text(WRK_SCRIPT.format(method=method, body=body, auth=auth))
        return path

    def targets(self, nginx, checker, sender, on_postgres, postgres_checker):
        """(label, url, wrk script) of each target, in the order of a round."""
        api = f"{self.server.url}/api/v1"
        check = f'{{"recipients": ["{CHECKED}"], "source": "api"}}'
        return [
            ("(a) nginx, static JSON", nginx.url, self.script("nginx", "GET")),
            ("(b) Sendguard GET /healthz", f"{self.server.url}/healthz", self.script("healthz", "GET")),
            ("(c) Sendguard POST /checks, 1 address, warm", f"{api}/checks",
             self.script("checks", "POST", check, checker)),
            ("(d) Sendguard POST /emails, 1 recipient, check off", f"{api}/emails",
             self.script("emails", "POST", f'{{"workflow": "individual", "source": "api", "to": ["{RECIPIENT}"], '
                                           f'"subject": "Ceiling", "text": "Hello"}}', sender)),
            ("(e) Sendguard on PostgreSQL POST /checks, 1 address, warm", f"{on_postgres.url}/api/v1/checks",
             self.script("checks-postgres", "POST", check, postgres_checker)),
        ]

    def run(self, nginx, checker, sender, on_postgres, postgres_checker):
        """checker: the token of (c); sender: the client of (d), whose outbox is drained;
        on_postgres and postgres_checker: the server of (e) and its token."""
        targets = self.targets(nginx, checker, sender.token, on_postgres, postgres_checker)
        rates = {label: [] for label, _, _ in targets}
        stats = Stats(self.sim)
        self.load = [os.getloadavg()[0], None]
        for _ in range(ROUNDS):
            for label, url, script in targets:
                rate, bad, errors = wrk(url, script)
                rates[label].append(rate)
                self.expect(bad == 0 and errors == 0, f"{label}: {bad} non-2xx answers, {errors} socket errors")
                # After every target, so that no target runs beside the deliveries (d) left.
                drained, _ = drain_outbox(sender, DRAIN_TIMEOUT)
                self.expect(drained, f"the outbox did not drain in {DRAIN_TIMEOUT} s")
        self.load[1] = os.getloadavg()[0]
        ceiling = statistics.median(rates[targets[0][0]])
        for label, values in rates.items():
            median = statistics.median(values)
            self.row(f"{label}: requests/s min / median / max; median ÷ nginx's",
                     f"{min(values):,.0f} / {median:,.0f} / {max(values):,.0f}; {median / ceiling:.2f}×")
        self.row("Marketo lookup calls during the runs", stats.delta()["lookup_calls"])


def measure(sim, sink, start):
    sim.config(**SIM_CONFIG)
    sim.add_leads([{"email": CHECKED, "unsubscribed": False}])
    workdir = Path(tempfile.mkdtemp(prefix="http-ceiling-", dir=sink.root))
    cluster = Cluster.create()
    try:
        with PostfixSink() as postfix:
            nginx = Nginx(workdir / "nginx")
            try:
                env = {**SERVER_ENV, **WARM_ENV, "SENDGUARD_SMTP_URL": postfix.url}
                server, admin = start("server", env)
                bench = Bench(sim, sink, server, admin, workdir)
                on_postgres, postgres_admin = start("postgres", {**env, "SENDGUARD_DB": cluster.create_database(),
                                                                 "SENDGUARD_SECRET_KEY_FILE": str(workdir / "key")})
                for label, checker in (("SQLite", admin), ("PostgreSQL", postgres_admin)):
                    warm = checker.post("/checks", {"recipients": [CHECKED], "source": "api"})
                    bench.expect(warm.status_code == 200 and warm.json()["results"][0]["allowed"],
                                 f"warm-up check on {label}: {warm.status_code} {warm.text[:200]}")
                # The sends go through a second team with the check off, so that (c) keeps it on.
                sender = server.add_user("Bench senders", "sender@bench-example.com", "admin")
                bench.run(nginx, admin.token, sender, on_postgres, postgres_admin.token)
                on_postgres.stop()  # before its database goes
            finally:
                nginx.stop()
    finally:
        cluster.stop()
    return bench


def describe(bench, elapsed):
    return [f"- wrk {THREADS} threads, {CONNECTIONS} connections, {DURATION_S} s per run; {ROUNDS} rounds of "
            "(a)–(e) interleaved, the outbox drained after each target; all on 127.0.0.1",
            f"- nginx (nginx-light) `worker_processes auto`, answering `{STATIC_ANSWER}` with `return 200`",
            f"- Marketo simulator: {simulator_limits(SIM_CONFIG)}",
            f"- Server: {server_limits({**SERVER_ENV, **WARM_ENV})}, SQLite, SMTP to Postfix's smtp-sink; "
            "(e) a second such server on PostgreSQL (Debian's server, a cluster of the run's own on a Unix "
            f"socket, fsync off; default pool of 8), idle during (a)–(d); whole run {elapsed:.0f} s"]


if __name__ == "__main__":
    sys.exit(main("http_ceiling", __doc__, measure, describe))
