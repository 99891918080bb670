"""What the benchmarks share: the peers and servers they run against, the simulator's
counters, sending in parallel, the Markdown table and the dated sections they append to
bench/RESULTS.md.

Each benchmark defines its measurements and the set-up lines of its section, and hands
them to main(), which owns the command line, the working directory, the peers and the
record, so that all of them behave and report alike.
"""
import argparse
import datetime
import hashlib
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The peers and the server wrapper live with the integration tests.
SUPPORT = str(ROOT / "tests" / "support")
if SUPPORT not in sys.path:
    sys.path.insert(0, SUPPORT)

from peers import MarketoSim, SmtpSink, free_port  # noqa: E402
from sendguard import Client, Sendguard  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"

# Marketo's documented per-instance limits; the latency stands in for the network.
SIM_CONFIG = {"rate_limit_calls": 100, "rate_limit_window_seconds": 20, "max_concurrent": 10,
              "latency_ms": 30}
# The server's shipped defaults, pinned so that results stay comparable across commits.
# The simulator listens on loopback, which the server refuses unless told.
SERVER_ENV = {"SENDGUARD_MARKETO_CALLS_PER_20S": "50", "SENDGUARD_MARKETO_MAX_CONCURRENT": "5",
              "SENDGUARD_CHECK_MAX_AGE": "60", "SENDGUARD_LOG_LEVEL": "warn",
              "SENDGUARD_ALLOW_LOOPBACK_MARKETO": "1"}


SMTP_SINK = "/usr/sbin/smtp-sink"  # Postfix's benchmark server (Debian postfix)
START_TIMEOUT = 10


class PostfixSink:
    """Postfix's smtp-sink on a free loopback port: a fast SMTP server that accepts every
    message and keeps nothing, so that delivery is timed against a real MTA rather than the
    Python sink. Needs only the binary, not the postfix service."""

    def __init__(self, backlog=1000):
        self.port = free_port()
        self.url = f"smtp://127.0.0.1:{self.port}"
        # As root it must be told whose privileges to drop to.
        user = ["-u", "nobody"] if os.geteuid() == 0 else []
        self.process = subprocess.Popen([SMTP_SINK, *user, f"127.0.0.1:{self.port}", str(backlog)],
                                        stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"{SMTP_SINK} did not start on port {self.port}")
                time.sleep(0.05)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def percentile(values, p):
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil without floats
    return ordered[int(rank) - 1]


def ms(seconds):
    return "n/a" if seconds is None else f"{seconds * 1000:.0f} ms"


def fmt_counts(counter):
    return ", ".join(f"{k}: {v}" for k, v in sorted(counter.items(), key=lambda kv: str(kv[0])))


def table(rows):
    lines = ["| measure | value |", "|---|---|"]
    lines += [f"| {m} | {v} |" for m, v in rows]
    return "\n".join(lines)


class Stats:
    """Deltas of the simulator's counters over one phase."""

    def __init__(self, sim):
        self.sim = sim
        self.before = sim.stats()

    def delta(self):
        after = self.sim.stats()
        out = {k: after[k] - self.before[k]
               for k in ("lookup_calls", "lookup_values", "rest_calls", "token_calls")}
        out["limit_errors"] = {code: after["limit_errors"][code] - self.before["limit_errors"][code]
                               for code in after["limit_errors"]}
        out["max_concurrent_seen"] = after["max_concurrent_seen"]  # a run-wide maximum
        return out


class BenchBase:
    """The peers, the table rows and the broken invariants of one run."""

    def __init__(self, sim, sink, server=None, admin=None):
        self.sim = sim
        self.sink = sink
        self.server = server  # with its admin client, where the benchmark runs one server
        self.admin = admin
        self.rows = []      # (measure, value) for the table
        self.failures = []  # broken invariants, reported and turned into the exit code
        self.load = None    # (1 min load average at the start, at the end), where measured

    def row(self, measure, value):
        self.rows.append((measure, str(value)))

    def expect(self, ok, what):
        if not ok:
            self.failures.append(what)

    def notes(self):
        """Paragraphs that follow the table in RESULTS.md."""
        return []


def send_emails(server, admin, recipients, count, threads, subject):
    """`count` POST /emails over `threads` threads cycling over `recipients`, the subject
    numbered; per send, its status code (or exception name) and latency."""
    codes = [None] * count
    latencies = [None] * count
    local = threading.local()

    def send(i):
        if not hasattr(local, "client"):  # one keep-alive session per thread
            local.client = Client(server.url, admin.token)
        started = time.perf_counter()
        try:
            r = local.client.post("/emails", {"workflow": "individual", "source": "api",
                                              "to": [recipients[i % len(recipients)]],
                                              "subject": f"{subject} {i}", "text": "Hello"}, timeout=60)
            codes[i] = r.status_code
        except Exception as error:  # noqa: BLE001 - counted, not fatal
            codes[i] = type(error).__name__
        latencies[i] = time.perf_counter() - started

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(send, range(count)))
    return codes, latencies


def drain_outbox(admin, timeout, poll=0.2):
    """Waits until no email is queued or held; (drained?, seconds waited). The wait is known
    to within `poll`: a timed run a few seconds long needs a short one."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        pending = [admin.get("/emails", params={"status": s, "limit": 1}).json()["emails"]
                   for s in ("queued", "held")]
        if not any(pending):
            return True, time.monotonic() - started
        time.sleep(poll)
    return False, time.monotonic() - started


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def commit():
    """The checked-out commit, read from .git without running git; None when unknown."""
    git = ROOT / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head[:12]
        ref = head[5:]
        if (git / ref).exists():
            return (git / ref).read_text().strip()[:12]
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split()[0][:12]
    except OSError:
        pass
    return None


def binary_identity():
    """sha256 prefix and build time of the server binary; HEAD alone does not say what
    was built from an edited working tree."""
    binary = Path(os.environ.get("SENDGUARD_BIN", ROOT / "build" / "sendguard"))
    digest = hashlib.sha256(binary.read_bytes()).hexdigest()[:12]
    built = datetime.datetime.fromtimestamp(binary.stat().st_mtime, datetime.timezone.utc)
    return f"`{digest}` built {built:%Y-%m-%d %H:%M} UTC"


def simulator_limits(config):
    """The simulator's configuration as a RESULTS.md set-up line states it."""
    return (f"{config['rate_limit_calls']} calls / {config['rate_limit_window_seconds']} s, "
            f"{config['max_concurrent']} concurrent, {config['latency_ms']} ms latency per REST call")


def server_limits(env):
    """The server's Marketo limits as a RESULTS.md set-up line states them."""
    return (f"{env['SENDGUARD_MARKETO_CALLS_PER_20S']} calls / 20 s, "
            f"{env['SENDGUARD_MARKETO_MAX_CONCURRENT']} concurrent, check max age "
            f"{env['SENDGUARD_CHECK_MAX_AGE']} s")


def record(name, bench, command, binary, setup):
    """Appends a dated section to RESULTS.md: the run's provenance, the `setup` lines, the
    table, the bench's notes and any broken invariants."""
    now = datetime.datetime.now(datetime.timezone.utc)
    rev = commit()
    machine = (f"- Machine: nproc {len(os.sched_getaffinity(0))}, {cpu_model()}, "
               f"{platform.system()} {platform.release()}, Python {platform.python_version()}")
    if bench.load:
        machine += f"; load average {bench.load[0]:.1f} at the start, {bench.load[1]:.1f} at the end (1 min)"
    section = [
        f"## {now:%Y-%m-%d %H:%M} UTC — {name}" + (" (FAILED)" if bench.failures else ""),
        "",
        f"- Command: `{command}`" + (f" (HEAD `{rev}`)" if rev else ""),
        f"- Binary: build/sendguard {binary}",
        machine,
        *setup,
        "",
        table(bench.rows),
        "",
    ]
    for note in bench.notes():
        section += [note, ""]
    if bench.failures:
        section += ["Failed invariants:", ""] + [f"- {f}" for f in bench.failures] + [""]
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmark results\n\nAppended by `make bench` (bench/run.sh); newest last.\n\n")
    with RESULTS.open("a") as out:
        out.write("\n".join(section) + "\n")


def main(name, doc, measure, describe, keep="the server's directory (log, database)",
         kept="server directory"):
    """Runs one benchmark; its exit code.

    measure(sim, sink, start) configures the simulator, starts its servers with
    start(directory name, env) -> (server, admin client) and returns its BenchBase once
    done; describe(bench, elapsed) gives the set-up lines of its RESULTS.md section.
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/RESULTS.md")
    parser.add_argument("--keep", action="store_true", help=f"keep {keep}")
    args = parser.parse_args()
    command = os.environ.get("SENDGUARD_BENCH_COMMAND") or " ".join([sys.executable, *sys.argv])

    began = time.monotonic()
    binary = binary_identity()
    workdir = Path(tempfile.mkdtemp(prefix="sendguard-bench-"))
    servers = []
    ok = False
    try:
        with MarketoSim() as sim, SmtpSink(root=workdir / "sink") as sink:
            def start(directory, env):
                """A server with its team's Marketo connected and the check on (policy block)."""
                server = Sendguard(smtp_url=f"smtp://127.0.0.1:{sink.port}", env=env,
                                   workdir=workdir / directory).start()
                servers.append(server)  # before the set-up, so that a failing one is stopped too
                admin = server.add_user("Bench", "admin@bench-example.com", "admin")
                for reply in (admin.connect_marketo(sim),
                              admin.put("/settings/unsubscribe", {"marketo_check_enabled": True,
                                                                  "on_check_unavailable": "block"})):
                    if reply.status_code != 200:
                        raise RuntimeError(f"set-up failed: {reply.status_code} {reply.text}")
                return server, admin

            bench = measure(sim, sink, start)
            for server in servers:
                server.stop()
            bench.expect(binary_identity() == binary, "build/sendguard was rebuilt during the run")
            elapsed = time.monotonic() - began

            print(table(bench.rows))
            for failure in bench.failures:
                print(f"FAILED: {failure}", file=sys.stderr)
            if not args.no_record:
                record(name, bench, command, binary, describe(bench, elapsed))
                print(f"\nappended to {RESULTS.relative_to(ROOT)}")
            ok = not bench.failures
    finally:
        for server in servers:
            server.stop()
        if ok and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"{kept} kept: {workdir}", file=sys.stderr)
    return 0 if ok else 1
