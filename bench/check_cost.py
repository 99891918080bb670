#!/usr/bin/env python3
"""What the unsubscribe check costs in Marketo calls and latency.

Starts the Marketo simulator (Marketo's real limits: 100 calls per 20 s, 10 concurrent,
plus 30 ms latency per REST call), the SMTP sink and one sendguard server, all on
127.0.0.1, then measures:

  (a) one POST /checks of 900 distinct addresses: Marketo lookups and latency;
  (c) POST /emails throughput to allowed recipients with the cache warm;
  (b) a burst of 200 concurrent POST /checks of 5 fresh addresses each: wall time,
      latency, status codes, Marketo lookups and the simulator's 606/615 limit errors.

(c) runs before (b) because (b) deliberately fills Marketo's rolling window; the
throughput of cached sends should not depend on whether the limiter is saturated.

Prints a Markdown table and appends a dated section to bench/RESULTS.md. Exits non-zero
when an invariant fails (limit errors, unexpected statuses or answers); the numbers are
recorded either way. Usage: bench/check_cost.py [--no-record] [--keep]
"""
import argparse
import datetime
import hashlib
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from peers import MarketoSim, SmtpSink  # noqa: E402
from sendguard import Client, Sendguard  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"

# Marketo's documented per-instance limits; the latency stands in for the network.
SIM_CONFIG = {"rate_limit_calls": 100, "rate_limit_window_seconds": 20, "max_concurrent": 10,
              "latency_ms": 30}
# The server's shipped defaults, pinned so that results stay comparable across commits.
SERVER_ENV = {"SENDGUARD_MARKETO_CALLS_PER_20S": "50", "SENDGUARD_MARKETO_MAX_CONCURRENT": "5",
              "SENDGUARD_CHECK_MAX_AGE": "60", "SENDGUARD_LOG_LEVEL": "warn"}

BIG_CHECK = 900
BURST = 200
BURST_ADDRESSES = 5
SENDS = 500
SEND_THREADS = 8
SEND_RECIPIENTS = 50
# Generous: a burst request may queue behind the limiter for several 20 s windows.
BURST_TIMEOUT = 150
DRAIN_TIMEOUT = 60


def percentile(values, p):
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil without floats
    return ordered[int(rank) - 1]


def ms(seconds):
    return "n/a" if seconds is None else f"{seconds * 1000:.0f} ms"


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


class Bench:
    def __init__(self, sim, sink, server, admin):
        self.sim = sim
        self.sink = sink
        self.server = server
        self.admin = admin
        self.rows = []      # (measure, value) for the table
        self.failures = []  # broken invariants, reported and turned into the exit code

    def row(self, measure, value):
        self.rows.append((measure, str(value)))

    def expect(self, ok, what):
        if not ok:
            self.failures.append(what)

    # (a) ---------------------------------------------------------------------------
    def big_check(self):
        addresses = [f"prospect{i:04d}@bigcorp-example.com" for i in range(BIG_CHECK)]
        unsubscribed = set(addresses[::97])
        # Leads for a third of the addresses, a few unsubscribed: misses cost the same.
        self.sim.add_leads([{"email": a, "unsubscribed": a in unsubscribed} for a in addresses[::3]]
                           + [{"email": a, "unsubscribed": True} for a in unsubscribed - set(addresses[::3])])
        stats = Stats(self.sim)
        started = time.perf_counter()
        reply = self.admin.post("/checks", {"recipients": addresses, "source": "api"}, timeout=60)
        latency = time.perf_counter() - started
        d = stats.delta()
        self.expect(reply.status_code == 200, f"(a) status {reply.status_code}: {reply.text[:200]}")
        if reply.status_code == 200:
            results = reply.json()["results"]
            self.expect([r["email"] for r in results] == addresses, "(a) results not in request order")
            refused = {r["email"] for r in results if not r["allowed"]}
            self.expect(refused == unsubscribed,
                        f"(a) {len(refused)} refused, expected {len(unsubscribed)}")
        self.expect(d["lookup_calls"] <= 3, f"(a) {d['lookup_calls']} lookups for {BIG_CHECK} addresses")
        self.row(f"(a) POST /checks of {BIG_CHECK} distinct addresses: status", reply.status_code)
        self.row("(a) Marketo lookup calls", d["lookup_calls"])
        self.row("(a) addresses sent to Marketo", d["lookup_values"])
        self.row("(a) latency", ms(latency))

    # (c) ---------------------------------------------------------------------------
    def cached_sends(self):
        recipients = [f"buyer{i:02d}@allowed-example.com" for i in range(SEND_RECIPIENTS)]
        self.sim.add_leads([{"email": a} for a in recipients])
        warm = Stats(self.sim)
        reply = self.admin.post("/checks", {"recipients": recipients}, timeout=60)
        self.expect(reply.status_code == 200 and all(r["allowed"] for r in reply.json()["results"]),
                    f"(c) warm-up check: {reply.status_code} {reply.text[:200]}")
        warm_lookups = warm.delta()["lookup_calls"]

        stats = Stats(self.sim)
        latencies = [None] * SENDS
        codes = [None] * SENDS
        local = threading.local()

        def send(i):
            if not hasattr(local, "client"):  # one keep-alive session per thread
                local.client = Client(self.server.url, self.admin.token)
            started = time.perf_counter()
            try:
                r = local.client.post("/emails", {"workflow": "individual", "source": "api",
                                                  "to": [recipients[i % SEND_RECIPIENTS]],
                                                  "subject": f"Bench {i}", "text": "Hello"}, timeout=60)
                codes[i] = r.status_code
            except Exception as error:  # noqa: BLE001 - counted, not fatal
                codes[i] = type(error).__name__
            latencies[i] = time.perf_counter() - started

        started = time.perf_counter()
        with ThreadPoolExecutor(SEND_THREADS) as pool:
            list(pool.map(send, range(SENDS)))
        wall = time.perf_counter() - started
        during = stats.delta()
        drained, drain_wait = self.wait_for_outbox()
        after_delivery = stats.delta()
        counts = Counter(codes)
        self.expect(counts == Counter({202: SENDS}), f"(c) statuses {dict(counts)}")
        self.expect(drained, f"(c) outbox not drained after {DRAIN_TIMEOUT} s")
        self.row("(c) warm-up: Marketo lookups for one check of the recipients", warm_lookups)
        self.row(f"(c) POST /emails x{SENDS} over {SEND_THREADS} threads: statuses", fmt_counts(counts))
        self.row("(c) throughput", f"{SENDS / wall:.0f} requests/s ({wall:.2f} s)")
        self.row("(c) latency p50 / p95", f"{ms(percentile(latencies, 50))} / {ms(percentile(latencies, 95))}")
        self.row("(c) Marketo lookups per send (while sending)",
                 f"{during['lookup_calls'] / SENDS:.3f} ({during['lookup_calls']} in all)")
        self.row("(c) Marketo lookups incl. pre-delivery checks",
                 f"{after_delivery['lookup_calls']} (outbox drained in {drain_wait:.1f} s)")
        delivered = len(list(self.sink.maildir.glob("*.eml")))
        self.expect(delivered == SENDS, f"(c) {delivered} of {SENDS} messages reached the SMTP sink")
        self.row("(c) messages delivered to the SMTP sink", delivered)

    def wait_for_outbox(self):
        """Waits until no email is queued or held, so (b) sees no delivery-time lookups."""
        started = time.monotonic()
        while time.monotonic() - started < DRAIN_TIMEOUT:
            pending = [self.admin.get("/emails", params={"status": s, "limit": 1}).json()["emails"]
                       for s in ("queued", "held")]
            if not any(pending):
                return True, time.monotonic() - started
            time.sleep(0.2)
        return False, time.monotonic() - started

    # (b) ---------------------------------------------------------------------------
    def burst(self):
        batches = [[f"burst{i:03d}-{k}@fresh-example.com" for k in range(BURST_ADDRESSES)]
                   for i in range(BURST)]
        # The last address of each request is unsubscribed, to check answers stay right.
        self.sim.add_leads([{"email": b[-1], "unsubscribed": True} for b in batches])
        expected = [True] * (BURST_ADDRESSES - 1) + [False]
        stats = Stats(self.sim)
        released = []
        # Every request leaves at once; wall time counts from that moment.
        gate = threading.Barrier(BURST, action=lambda: released.append(time.perf_counter()))
        outcomes = [None] * BURST

        def one(i):
            client = Client(self.server.url, self.admin.token)
            gate.wait(timeout=30)
            started = time.perf_counter()
            try:
                r = client.post("/checks", {"recipients": batches[i], "source": "gmail"},
                                timeout=BURST_TIMEOUT)
                body = r.json()
                outcomes[i] = (r.status_code, time.perf_counter() - started, body)
            except Exception as error:  # noqa: BLE001 - counted, not fatal
                outcomes[i] = (type(error).__name__, time.perf_counter() - started, None)
            finally:
                client.http.close()
            return time.perf_counter()

        with ThreadPoolExecutor(BURST) as pool:
            ends = list(pool.map(one, range(BURST)))
        wall = max(ends) - released[0]
        d = stats.delta()

        codes = Counter(o[0] for o in outcomes)
        latencies = [o[1] for o in outcomes]
        wrong = sum(1 for code, _, body in outcomes
                    if code == 200 and [r["allowed"] for r in body["results"]] != expected)
        error_codes = Counter(body["error"]["code"] for code, _, body in outcomes
                              if code != 200 and isinstance(body, dict) and "error" in body)
        self.expect(d["limit_errors"]["606"] == 0 and d["limit_errors"]["615"] == 0,
                    f"(b) Marketo limit errors {d['limit_errors']}")
        self.expect(wrong == 0, f"(b) {wrong} answers with wrong verdicts")
        # A clean 503 is the fail-closed answer when no Marketo slot came in time; it is
        # counted and shown, not treated as a broken invariant.
        self.expect(set(codes) <= {200, 503}, f"(b) statuses {dict(codes)}")
        self.expect(set(error_codes) <= {"unsubscribe_check_unavailable"}, f"(b) error codes {dict(error_codes)}")
        self.row(f"(b) burst of {BURST} concurrent POST /checks ({BURST_ADDRESSES} fresh addresses each): "
                 "statuses", fmt_counts(codes) + (f" ({fmt_counts(error_codes)})" if error_codes else ""))
        self.row("(b) total wall time", f"{wall:.1f} s")
        # When refused requests gave up tells whether the limiter ran out of capacity or
        # a request lost the race for slots that were there.
        refused_at = sorted(lat for code, lat, _ in outcomes if code != 200)
        if refused_at:
            self.row("(b) non-200 answers after", ", ".join(f"{t:.1f} s" for t in refused_at))
        self.row("(b) latency p50 / p95 / max",
                 f"{ms(percentile(latencies, 50))} / {ms(percentile(latencies, 95))} / {ms(max(latencies))}")
        self.row("(b) Marketo lookup calls", d["lookup_calls"])
        self.row("(b) Marketo limit errors 606 / 615", f"{d['limit_errors']['606']} / {d['limit_errors']['615']}")
        self.row("(b) max concurrent calls seen by Marketo (whole run)", d["max_concurrent_seen"])
        self.row("(b) wrong verdicts in 200 answers", wrong)


def fmt_counts(counter):
    return ", ".join(f"{k}: {v}" for k, v in sorted(counter.items(), key=lambda kv: str(kv[0])))


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


def table(rows):
    lines = ["| measure | value |", "|---|---|"]
    lines += [f"| {m} | {v} |" for m, v in rows]
    return "\n".join(lines)


def record(bench, command, elapsed, binary):
    now = datetime.datetime.now(datetime.timezone.utc)
    rev = commit()
    section = [
        f"## {now:%Y-%m-%d %H:%M} UTC — check_cost" + (" (FAILED)" if bench.failures else ""),
        "",
        f"- Command: `{command}`" + (f" (HEAD `{rev}`)" if rev else ""),
        f"- Binary: build/sendguard {binary}",
        f"- Machine: nproc {len(os.sched_getaffinity(0))}, {cpu_model()}, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}",
        f"- Marketo simulator: {SIM_CONFIG['rate_limit_calls']} calls / "
        f"{SIM_CONFIG['rate_limit_window_seconds']} s, {SIM_CONFIG['max_concurrent']} concurrent, "
        f"{SIM_CONFIG['latency_ms']} ms latency per REST call",
        f"- Server: {SERVER_ENV['SENDGUARD_MARKETO_CALLS_PER_20S']} calls / 20 s, "
        f"{SERVER_ENV['SENDGUARD_MARKETO_MAX_CONCURRENT']} concurrent, check max age "
        f"{SERVER_ENV['SENDGUARD_CHECK_MAX_AGE']} s, SQLite, SMTP sink; whole run {elapsed:.0f} s",
        "",
        table(bench.rows),
        "",
    ]
    if bench.failures:
        section += ["Failed invariants:", ""] + [f"- {f}" for f in bench.failures] + [""]
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmark results\n\nAppended by `make bench` (bench/run.sh); newest last.\n\n")
    with RESULTS.open("a") as out:
        out.write("\n".join(section) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/RESULTS.md")
    parser.add_argument("--keep", action="store_true", help="keep the server's directory (log, database)")
    args = parser.parse_args()
    command = os.environ.get("SENDGUARD_BENCH_COMMAND") or " ".join([sys.executable, *sys.argv])

    began = time.monotonic()
    binary = binary_identity()
    workdir = Path(tempfile.mkdtemp(prefix="sendguard-bench-"))
    server = None
    ok = False
    try:
        with MarketoSim() as sim, SmtpSink(root=workdir / "sink") as sink:
            sim.config(**SIM_CONFIG)
            server = Sendguard(smtp_url=f"smtp://127.0.0.1:{sink.port}", env=SERVER_ENV,
                               workdir=workdir / "server").start()
            admin = server.add_user("Bench", "admin@bench-example.com", "admin")
            for reply in (admin.connect_marketo(sim),
                          admin.put("/settings/unsubscribe", {"marketo_check_enabled": True,
                                                              "on_check_unavailable": "block"})):
                if reply.status_code != 200:
                    raise RuntimeError(f"set-up failed: {reply.status_code} {reply.text}")

            bench = Bench(sim, sink, server, admin)
            bench.big_check()
            bench.cached_sends()
            bench.burst()
            server.stop()
            bench.expect(binary_identity() == binary, "build/sendguard was rebuilt during the run")
            elapsed = time.monotonic() - began

            print(table(bench.rows))
            for failure in bench.failures:
                print(f"FAILED: {failure}", file=sys.stderr)
            if not args.no_record:
                record(bench, command, elapsed, binary)
                print(f"\nappended to {RESULTS.relative_to(ROOT)}")
            ok = not bench.failures
    finally:
        if server:
            server.stop()
        if ok and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"server directory kept: {workdir}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
