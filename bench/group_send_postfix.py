#!/usr/bin/env python3
"""A 10,000-recipient group email delivered to Postfix's smtp-sink: emails per second.

bench/group_send.py proves each recipient got exactly one message, through a Python sink
that writes every message to disk and so bounds the rate it can show. This sibling times
delivery against a real, fast SMTP server instead: Postfix's smtp-sink (Debian postfix;
only the binary runs, not the service) on a free 127.0.0.1 port. Two phases, each on a
fresh server and database:

  - check off: the unsubscribe check disabled, every recipient delivered;
  - check on, warm mirror: the mirror seeded from Marketo and authoritative before the
    send, so that neither accepting nor delivering waits for Marketo.

Each phase times one POST /bulk-sends (mode "group") from its 202 until no email is
queued or held, and counts the log's statuses (smtp-sink keeps nothing to count).

Prints a Markdown table and appends a dated section to bench/RESULTS.md. Exits non-zero
when an invariant fails; the numbers are recorded either way.
Usage: bench/group_send_postfix.py [--no-record] [--keep]
"""
import os
import sys
import time
from collections import Counter
from pathlib import Path

# common puts tests/support on sys.path, for the peers and the server wrapper.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (SERVER_ENV, SIM_CONFIG, PostfixSink, drain_outbox, fmt_counts, main,  # noqa: E402
                    ms, server_limits, simulator_limits)
import group_send  # noqa: E402
from group_send import RECIPIENTS, UNSUBSCRIBED_EVERY  # noqa: E402

ACCEPT_TIMEOUT = 120
DELIVERY_TIMEOUT = 600  # the run is bounded even if delivery stalls
SEED_TIMEOUT = 180
# A delivery takes about 2 s: polled every 0.2 s, the time was up to a tenth too long.
DRAIN_POLL = 0.02


class Bench(group_send.Bench):
    def phase(self, label, admin, check_on):
        self.admin = admin
        everyone = [group_send.address(i) for i in range(RECIPIENTS)]
        unsubscribed = set(everyone[::UNSUBSCRIBED_EVERY]) if check_on else set()
        body = {"mode": "group", "source": "web_app",
                "recipients": [{"email": a, "vars": {"first_name": f"Lead {i}"}} for i, a in enumerate(everyone)],
                "subject": "Hello {{first_name}}", "text": "Hi {{first_name}}, our spring offer.",
                "html": "<p>Hi {{first_name}}, our spring offer.</p>"}
        started = time.perf_counter()
        reply = admin.post("/bulk-sends", body, timeout=ACCEPT_TIMEOUT)
        accepted = time.perf_counter()
        self.row(f"{label}: POST /bulk-sends status, accept time", f"{reply.status_code}, {ms(accepted - started)}")
        if reply.status_code != 202:
            self.expect(False, f"{label}: status {reply.status_code}: {reply.text[:300]}")
            return
        drained, delivery = drain_outbox(admin, DELIVERY_TIMEOUT, poll=DRAIN_POLL)
        self.expect(drained, f"{label}: emails still queued or held {DELIVERY_TIMEOUT} s after the 202")
        statuses = self.log_statuses()
        expected = Counter({"sent": RECIPIENTS - len(unsubscribed), "suppressed": len(unsubscribed)})
        self.expect(statuses == +expected, f"{label}: log statuses {dict(statuses)}, expected {dict(+expected)}")
        self.row(f"{label}: delivery time (202 until every email is final)", f"{delivery:.1f} s")
        self.row(f"{label}: delivery rate", f"{statuses['sent'] / delivery:.0f} emails/s")
        self.row(f"{label}: emails in the log by status", fmt_counts(statuses))

    def complete_mirror(self, admin):
        """Waits until the seed is done, then makes the mirror authoritative; seconds taken."""
        began = time.monotonic()
        while not (seed := admin.get("/integrations/marketo").json()["seed"])["complete"]:
            if time.monotonic() - began > SEED_TIMEOUT:
                raise RuntimeError(f"the mirror was not complete after {SEED_TIMEOUT} s: {seed}")
            time.sleep(0.2)
        reply = admin.put("/settings/mirror", {"authoritative": True})
        if reply.status_code != 200:
            raise RuntimeError(f"authoritative: {reply.status_code} {reply.text}")
        return time.monotonic() - began

    def notes(self):
        return []


def measure(sim, sink, start):
    sim.config(**SIM_CONFIG, export_status_reads=0)
    with PostfixSink() as postfix:
        bench = Bench(sim, sink, None, None)
        bench.seed()  # before the servers start, so that a seed finds the leads
        load_before = os.getloadavg()[0]
        server, admin = start("check-off", {**SERVER_ENV, "SENDGUARD_SMTP_URL": postfix.url})
        reply = admin.put("/settings/unsubscribe", {"marketo_check_enabled": False})
        bench.expect(reply.status_code == 200, f"check off: {reply.status_code} {reply.text[:200]}")
        bench.phase("(a) check off", admin, check_on=False)
        server.stop()

        server, admin = start("check-on", {**SERVER_ENV, "SENDGUARD_SMTP_URL": postfix.url,
                                           "SENDGUARD_MIRROR_SEED": "1", "SENDGUARD_MIRROR_SEED_POLL_MS": "100",
                                           # the seed is complete once the feed has caught up with it
                                           "SENDGUARD_MIRROR_INTERVAL": "1"})
        bench.row("(b) mirror complete (seeded) after", f"{bench.complete_mirror(admin):.0f} s")
        bench.phase("(b) check on, warm mirror", admin, check_on=True)
        bench.load = (load_before, os.getloadavg()[0])
    return bench


def describe(bench, elapsed):
    return [f"- Marketo simulator: {simulator_limits(SIM_CONFIG)}; a lead for each of the "
            f"{RECIPIENTS:,} recipients, every {UNSUBSCRIBED_EVERY}th unsubscribed",
            f"- Server: {server_limits(SERVER_ENV)}, default outbox, SQLite; SMTP to Postfix's smtp-sink "
            f"(`smtp-sink 127.0.0.1:PORT 1000`); a fresh server per phase, (b)'s mirror seeded and fed every 1 s; whole run {elapsed:.0f} s"]


if __name__ == "__main__":
    sys.exit(main("group_send_postfix", __doc__, measure, describe))
