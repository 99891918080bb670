#!/usr/bin/env python3
"""Messages per second through the SMTP submission relay, and what the gate adds per message.

Starts the Marketo simulator (Marketo's real limits plus 30 ms latency per REST call), the
SMTP sink and one sendguard server with its SMTP listener, all on 127.0.0.1. 2 x MESSAGES
recipients are leads in the simulator, none unsubscribed; the team's check is on (policy
block) and its mirror complete (seeded from a bulk export, followed since) and
authoritative, as a team in steady state runs: the gate then answers without a Marketo
call, so the figures are the relay's, the gate's and the database's, not Marketo's rate
limit (100 calls / 20 s, which bounds first sends to new addresses without a complete
mirror: bench/mirror.py (h)). Then SESSIONS concurrent SMTP sessions (Python's smtplib,
one message per recipient, each session logged in once) submit:

  (a) straight to the SMTP sink (no TLS, no AUTH): the baseline;
  (b) to the relay without TLS (AUTH allowed on loopback);
  (c) to the relay over STARTTLS, as mail clients connect;

each to its own recipients, so that (b) and (c) meet no answer cached by an earlier run.
Per run: messages per second accepted (the last 250 after the first connect) and the
latency of each message (from MAIL FROM to the 250 after DATA), median and 95th percentile;
for the relay also the Marketo lookups and how long the outbox took to deliver all.

Prints a Markdown table and appends a dated section to bench/RESULTS.md. Exits non-zero
when an invariant fails; the numbers are recorded either way.
Usage: bench/smtp_relay.py [--no-record] [--keep]
"""
import os
import smtplib
import ssl
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (SERVER_ENV, SIM_CONFIG, BenchBase, Stats, drain_outbox, main, ms,  # noqa: E402
                    percentile, server_limits, simulator_limits)
from peers import free_port  # noqa: E402

MESSAGES = 1_000  # per run
SESSIONS = 20
LEAD_CHUNK = 2_000
DRAIN_TIMEOUT = 600
SEED_TIMEOUT = 120
SENDER = "admin@bench-example.com"


def address(run, i):
    return f"{run}{i:05d}@relay-example.com"


def message(to, i):
    m = EmailMessage()
    m["From"] = SENDER
    m["To"] = to
    m["Subject"] = f"Relay bench {i}"
    m.set_content("Hello from a mail client.\n" * 20)
    return m


def submit(connect, login, recipients):
    """Sends one message to each recipient over SESSIONS sessions; (seconds, latencies, errors)."""
    latencies, errors, lock = [], [], threading.Lock()
    shares = [recipients[k::SESSIONS] for k in range(SESSIONS)]

    def session(share):
        try:
            with connect() as client:
                if login:
                    client.login(*login)
                for i, to in enumerate(share):
                    began = time.perf_counter()
                    client.send_message(message(to, i))
                    with lock:
                        latencies.append(time.perf_counter() - began)
        except Exception as error:  # noqa: BLE001 - counted, reported as an invariant
            with lock:
                errors.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=session, args=(share,)) for share in shares]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - began, latencies, errors


class Bench(BenchBase):
    def __init__(self, sim, sink, server, admin, smtp_port, cert):
        super().__init__(sim, sink, server, admin)
        self.smtp_port = smtp_port
        self.cert = cert

    def seed(self):
        leads = [{"email": address(run, i)} for run in ("relay", "tls") for i in range(MESSAGES)]
        for start in range(0, len(leads), LEAD_CHUNK):
            self.sim.add_leads(leads[start:start + LEAD_CHUNK])

    def record_run(self, label, seconds, latencies, errors):
        self.expect(not errors, f"{label}: {len(errors)} session(s) failed, first: {errors[:1]}")
        self.expect(len(latencies) == MESSAGES, f"{label}: {len(latencies)} of {MESSAGES} accepted")
        self.row(f"{label}: messages accepted per second ({SESSIONS} sessions)", f"{len(latencies) / seconds:.0f}")
        self.row(f"{label}: latency per message, median / p95",
                 f"{ms(percentile(latencies, 50))} / {ms(percentile(latencies, 95))}")
        return percentile(latencies, 50)

    def notes(self):
        return ["The sink is Python's aiosmtpd writing two files per message, so (a) is not a relay "
                "without the gate but the same traffic's cost at a simple SMTP server: a negative "
                "\"added latency\" means Sendguard accepted (checked, recorded, queued in one transaction) "
                "faster than the sink stored. Delivery to the sink runs behind the 250s."]

    def complete_mirror(self):
        """Waits until the team's seed is done and its mirror complete, then makes it
        authoritative; the seconds it took."""
        began = time.monotonic()
        while not (seed := self.admin.get("/integrations/marketo").json()["seed"])["complete"]:
            if time.monotonic() - began > SEED_TIMEOUT:
                raise RuntimeError(f"the mirror was not complete after {SEED_TIMEOUT} s: {seed}")
            time.sleep(0.2)
        reply = self.admin.put("/settings/mirror", {"authoritative": True})
        if reply.status_code != 200:
            raise RuntimeError(f"authoritative: {reply.status_code} {reply.text}")
        return time.monotonic() - began

    def run(self):
        self.row("mirror complete (seeded, followed) after", f"{self.complete_mirror():.0f} s")
        self.load = [os.getloadavg()[0], None]
        baseline = self.record_run("(a) straight to the SMTP sink", *submit(
            lambda: smtplib.SMTP("127.0.0.1", self.sink.port, timeout=60), None,
            [address("sink", i) for i in range(MESSAGES)]))
        self.sink.clear()

        login = (SENDER, self.admin.token)
        tls = ssl.create_default_context(cafile=str(self.cert))

        def starttls():
            client = smtplib.SMTP("localhost", self.smtp_port, timeout=60)
            client.starttls(context=tls)
            return client

        for label, connect, run in (
                ("(b) through the relay, no TLS", lambda: smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=60),
                 "relay"),
                ("(c) through the relay, STARTTLS", starttls, "tls")):
            stats = Stats(self.sim)
            median = self.record_run(label, *submit(connect, login, [address(run, i) for i in range(MESSAGES)]))
            if median is not None and baseline is not None:
                self.row(f"{label}: added latency per message (median, over the sink's)", ms(median - baseline))
            drained, waited = drain_outbox(self.admin, DRAIN_TIMEOUT)
            self.expect(drained, f"{label}: the outbox did not drain in {DRAIN_TIMEOUT} s")
            self.row(f"{label}: outbox drained after the last 250", f"{waited:.1f} s")
            lookups = stats.delta()["lookup_calls"]
            self.row(f"{label}: Marketo lookup calls", lookups)
            self.expect(lookups == 0, f"{label}: {lookups} lookups with a complete, authoritative mirror")
        delivered = len(self.sink.messages())
        self.expect(delivered == 2 * MESSAGES, f"the sink holds {delivered} relayed messages, expected {2 * MESSAGES}")
        self.load[1] = os.getloadavg()[0]


def measure(sim, sink, start):
    sim.config(**SIM_CONFIG, export_status_reads=0)
    cert_dir = Path(sink.root) / "tls"
    cert_dir.mkdir()
    cert, key = cert_dir / "cert.pem", cert_dir / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    smtp_port = free_port()
    bench = Bench(sim, sink, None, None, smtp_port, cert)
    bench.seed()  # before the server starts, so that its seed finds the leads
    bench.server, bench.admin = start("server", {
        **SERVER_ENV, "SENDGUARD_SMTP_LISTEN": f"127.0.0.1:{smtp_port}", "SENDGUARD_TLS_CERT": str(cert),
        "SENDGUARD_TLS_KEY": str(key), "SENDGUARD_MIRROR_SEED": "1", "SENDGUARD_MIRROR_SEED_POLL_MS": "100",
        "SENDGUARD_MIRROR_INTERVAL": "1"})
    bench.run()
    return bench


def describe(bench, elapsed):
    return [f"- Marketo simulator: {simulator_limits(SIM_CONFIG)}",
            f"- Server: {server_limits(SERVER_ENV)}; mirror seeded and authoritative, feed every 1 s; SMTP "
            "listener on loopback, self-signed RSA 2048 certificate",
            f"- {MESSAGES:,} messages per run, one recipient each, {SESSIONS} concurrent smtplib sessions; "
            f"run took {elapsed:.0f} s"]


if __name__ == "__main__":
    sys.exit(main("smtp_relay", __doc__, measure, describe))
