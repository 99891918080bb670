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
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# common puts tests/support on sys.path, for the peers and the server wrapper.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (SERVER_ENV, SIM_CONFIG, BenchBase, Client, Stats, drain_outbox, fmt_counts,  # noqa: E402
                    main, ms, percentile, send_emails, server_limits, simulator_limits)

BIG_CHECK = 900
BURST = 200
BURST_ADDRESSES = 5
SENDS = 500
SEND_THREADS = 8
SEND_RECIPIENTS = 50
# Generous: a burst request may queue behind the limiter for several 20 s windows.
BURST_TIMEOUT = 150
DRAIN_TIMEOUT = 60


class Bench(BenchBase):
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
        started = time.perf_counter()
        codes, latencies = send_emails(self.server, self.admin, recipients, SENDS, SEND_THREADS, "Bench")
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
        return drain_outbox(self.admin, DRAIN_TIMEOUT)

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


def measure(sim, sink, start):
    sim.config(**SIM_CONFIG)
    server, admin = start("server", SERVER_ENV)
    bench = Bench(sim, sink, server, admin)
    bench.big_check()
    bench.cached_sends()
    bench.burst()
    return bench


def describe(bench, elapsed):
    return [f"- Marketo simulator: {simulator_limits(SIM_CONFIG)}",
            f"- Server: {server_limits(SERVER_ENV)}, SQLite, SMTP sink; whole run {elapsed:.0f} s"]


if __name__ == "__main__":
    sys.exit(main("check_cost", __doc__, measure, describe))
