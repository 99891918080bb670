#!/usr/bin/env python3
"""A 10,000-recipient group email, end to end, with the unsubscribe check on.

Starts the Marketo simulator (Marketo's real limits: 100 calls per 20 s, 10 concurrent,
plus 30 ms latency per REST call), the SMTP sink and one sendguard server, all on
127.0.0.1. The simulator holds a lead for every recipient, 2% of them unsubscribed. Then
one POST /bulk-sends (mode "group") to all 10,000, and measures:

  - accept time: the POST's latency (validation, personalization, the gate, storing);
  - delivery time: from the 202 until no email is queued or held (every one final);
  - delivery rate: messages the SMTP sink received per second of delivery time;
  - Marketo lookups while accepting and in all (delivery-time re-checks included);

and checks that no unsubscribed recipient reached the sink, that each other recipient got
exactly one message, and that the log holds 9,800 sent and 200 suppressed emails.

Prints a Markdown table and appends a dated section to bench/RESULTS.md. Exits non-zero
when an invariant fails; the numbers are recorded either way.
Usage: bench/group_send.py [--no-record] [--keep]
"""
import datetime
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

# common puts tests/support on sys.path, for the peers and the server wrapper.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (SERVER_ENV, SIM_CONFIG, BenchBase, Stats, fmt_counts, main, ms,  # noqa: E402
                    server_limits, simulator_limits)

RECIPIENTS = 10_000
UNSUBSCRIBED_EVERY = 50  # 2%
LEAD_CHUNK = 2_000       # leads per simulator call, well under its 1 MiB body limit
ACCEPT_TIMEOUT = 120
DELIVERY_TIMEOUT = 600   # the run is bounded even if delivery stalls
POLL = 0.25


def address(i):
    return f"lead{i:05d}@group-example.com"


class Bench(BenchBase):
    def __init__(self, sim, sink, server, admin):
        super().__init__(sim, sink, server, admin)
        self.progress = []  # (seconds after the 202, messages in the sink)

    def seed(self):
        everyone = [address(i) for i in range(RECIPIENTS)]
        unsubscribed = set(everyone[::UNSUBSCRIBED_EVERY])
        leads = [{"email": a, "unsubscribed": a in unsubscribed} for a in everyone]
        for start in range(0, len(leads), LEAD_CHUNK):
            self.sim.add_leads(leads[start:start + LEAD_CHUNK])
        return everyone, unsubscribed

    def run(self):
        everyone, unsubscribed = self.seed()
        allowed = [a for a in everyone if a not in unsubscribed]
        body = {"mode": "group", "source": "web_app",
                "recipients": [{"email": a, "vars": {"first_name": f"Lead {i}"}}
                               for i, a in enumerate(everyone)],
                "subject": "Hello {{first_name}}", "text": "Hi {{first_name}}, our spring offer.",
                "html": "<p>Hi {{first_name}}, our spring offer.</p>"}
        self.row("request body", f"{len(json.dumps(body)) / 1024:.0f} KiB")

        stats = Stats(self.sim)
        started_wall = time.time()
        started = time.perf_counter()
        reply = self.admin.post("/bulk-sends", body, timeout=ACCEPT_TIMEOUT)
        accepted_at = time.perf_counter()
        accepted_wall = time.time()
        accept = stats.delta()
        self.row(f"POST /bulk-sends (group, {RECIPIENTS:,} recipients, {len(unsubscribed)} unsubscribed): status",
                 reply.status_code)
        self.row("accept time (POST latency)", ms(accepted_at - started))
        if reply.status_code != 202:
            self.expect(False, f"status {reply.status_code}: {reply.text[:300]}")
            return
        emails = reply.json()["emails"]
        listed = {e["email"] for e in emails}
        self.expect(listed == set(allowed),
                    f"202 lists {len(listed)} recipients, expected the {len(allowed)} subscribed ones")
        self.expect(not listed & unsubscribed, "the 202 lists unsubscribed recipients (group drops are silent)")
        self.row("emails in the 202", f"{len(emails):,} ({fmt_counts(Counter(e['status'] for e in emails))})")

        done, finished_at = self.wait_until_final(accepted_at)
        total = stats.delta()
        delivery = finished_at - accepted_at
        delivered, received = self.sink_deliveries()
        self.expect(done, f"emails still queued or held {DELIVERY_TIMEOUT} s after the 202")
        self.row("delivery time (202 until every email is final)", f"{delivery:.1f} s")
        self.row("end to end (POST sent until every email is final)", f"{finished_at - started:.1f} s")
        self.row("delivery rate", f"{len(delivered) / delivery:.0f} emails/s" if delivery > 0 else "n/a")
        if received:
            self.row("first / last message in the sink, after the 202",
                     f"{min(received) - accepted_wall:.2f} s / {max(received) - accepted_wall:.1f} s")
        self.row("Marketo lookup calls: accept / total",
                 f"{accept['lookup_calls']} / {total['lookup_calls']} "
                 f"({accept['lookup_values']:,} / {total['lookup_values']:,} addresses)")
        self.row("accept: Marketo lookups start to start (first to last call)",
                 self.lookup_spacing(started_wall, accepted_wall))
        self.row("Marketo limit errors 606 / 615", f"{total['limit_errors']['606']} / {total['limit_errors']['615']}")
        self.row("max concurrent calls seen by Marketo", total["max_concurrent_seen"])
        self.expect(total["limit_errors"]["606"] == 0 and total["limit_errors"]["615"] == 0,
                    f"Marketo limit errors {total['limit_errors']}")

        statuses = self.log_statuses()
        self.row("emails in the log by status", fmt_counts(statuses))
        self.expect(statuses == Counter({"sent": len(allowed), "suppressed": len(unsubscribed)}),
                    f"log statuses {dict(statuses)}")

        per_rcpt = Counter(r.lower() for r in delivered)
        leaked = sorted(set(per_rcpt) & unsubscribed)
        twice = sorted(r for r, n in per_rcpt.items() if n > 1)
        missing = [a for a in allowed if a not in per_rcpt]
        self.row("messages in the SMTP sink", f"{len(delivered):,}")
        self.row("unsubscribed recipients reached", len(leaked))
        self.row("subscribed recipients missing / sent twice", f"{len(missing)} / {len(twice)}")
        self.expect(not leaked, f"{len(leaked)} unsubscribed recipient(s) reached the sink: {leaked[:5]}")
        self.expect(not missing and not twice,
                    f"{len(missing)} missing, {len(twice)} delivered twice: {(missing + twice)[:5]}")

    def wait_until_final(self, since):
        """Polls until no email is queued or held; (all final?, when the last was seen pending)."""
        while True:
            now = time.perf_counter()
            pending = [self.admin.get("/emails", params={"status": s, "limit": 1}).json()["emails"]
                       for s in ("queued", "held")]
            self.progress.append((now - since, len(list(self.sink.maildir.glob("*.eml")))))
            if not any(pending):
                return True, now
            if now - since > DELIVERY_TIMEOUT:
                return False, now
            time.sleep(POLL)

    def lookup_spacing(self, since, until):
        """How the accept's lookups were spread: serial calls start one latency apart."""
        starts = sorted(c["ts"] for c in self.sim.stats()["calls"]
                        if c["path"].endswith("/leads.json") and since <= c["ts"] <= until)
        if len(starts) < 2:
            return "n/a"
        return f"{(starts[-1] - starts[0]) / (len(starts) - 1) * 1000:.0f} ms apart ({starts[-1] - starts[0]:.2f} s)"

    def sink_deliveries(self):
        """Every recipient the sink received mail for, and when each message arrived."""
        rcpts, received = [], []
        for sidecar in self.sink.maildir.glob("*.json"):
            envelope = json.loads(sidecar.read_text())
            rcpts += envelope["rcpt_tos"]
            received.append(datetime.datetime.fromisoformat(envelope["received_at"]).timestamp())
        return rcpts, received

    def log_statuses(self):
        counts, cursor = Counter(), None
        while True:
            page = self.admin.get("/emails", params={"limit": 200, **({"cursor": cursor} if cursor else {})},
                                  timeout=60).json()
            counts.update(e["status"] for e in page["emails"])
            cursor = page["next_cursor"]
            if not cursor:
                return counts

    def notes(self):
        curve = ", ".join(f"{n:,} at {t:.1f} s" for t, n in self.progress[::max(1, len(self.progress) // 8)])
        return [f"Messages in the sink after the 202: {curve}."]


def measure(sim, sink, start):
    sim.config(**SIM_CONFIG)
    server, admin = start("server", SERVER_ENV)
    bench = Bench(sim, sink, server, admin)
    load_before = os.getloadavg()[0]
    bench.run()
    bench.load = (load_before, os.getloadavg()[0])
    return bench


def describe(bench, elapsed):
    return [f"- Marketo simulator: {simulator_limits(SIM_CONFIG)}; a lead for each of the "
            f"{RECIPIENTS:,} recipients, every {UNSUBSCRIBED_EVERY}th unsubscribed",
            f"- Server: {server_limits(SERVER_ENV)}, default outbox, SQLite, SMTP sink; whole run {elapsed:.0f} s"]


if __name__ == "__main__":
    sys.exit(main("group_send", __doc__, measure, describe))
