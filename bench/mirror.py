#!/usr/bin/env python3
"""Marketo calls per send with the unsubscribe mirror, and how soon it learns an unsubscribe.

Starts the Marketo simulator (30 ms latency per REST call, 10 concurrent; the 100 calls /
20 s window is raised, see below), the SMTP sink and two sendguard servers, all on
127.0.0.1, each with one team connected and the check on (policy block), then measures:

  (a) steady state, mirror authoritative: after one warm-up send to each of 200 addresses
      (leads in Marketo, none unsubscribed), 1,000 POST /emails cycling over them from 8
      threads; Marketo lookups and addresses asked per 1,000 sends, pre-delivery checks
      included (the outbox is drained before counting). Goal: 0.
  (b) the same with the mirror not authoritative, SENDGUARD_CHECK_MAX_AGE=0 (each check
      asks Marketo unless the mirror has seen the address unsubscribed).
  (c) from an unsubscribe in the simulator to the first refused send: an address in steady
      state (authoritative, zero lookups) is unsubscribed through the simulator at a random
      point of the sync interval, then sent to every POLL seconds until the send is refused
      (422); repeated for several addresses, with SENDGUARD_MIRROR_INTERVAL=1 and with the
      default 30 s. Sends accepted in that window are counted, and whether the pre-delivery
      check stopped them.
  (d) the sync's own cost: its Marketo calls by kind over the run, the feed reads a day at
      its interval, and the lookups a day of such feed traffic leaves in the daily budget
      with its background share (SENDGUARD_MARKETO_BACKGROUND_PERCENT) and without one.
  (e) feed calls a day for a quiet and a noisy team at the default interval (30 s,
      adaptive polling up to 10x, a re-read every 30 min): a third server runs every
      pace 30 times faster (interval 1 s, re-read every 60 s) for FEED_SECONDS per team
      after FEED_SETTLE s of settling, and its feed calls (GET /integrations/marketo
      sync.feed_calls_today) are scaled to a day: calls * 86,400 / (seconds * 30). The
      noisy team's instance logs NOISY_PER_DAY leadScore changes a day (Change Data
      Value), also 30 times faster, so each read meets the same noise as at 30 s, and two
      of its leads unsubscribe. The overlap of a re-read (60 s) does not scale: at this
      pace each re-read covers two periods instead of 1.03, so the noisy figure is an
      upper bound. The servers of (a)-(d) read at their interval, without the backoff.
  (f) pages to read the noisy window of (e) from its start, three ways: activities.json
      with types 9 and 13 (what the sync reads), leadchanges.json?fields=unsubscribed
      (Change Data Value of that field only, filtered by Marketo), and activities.json
      with type 9 alone (Unsubscribe Email, which leadchanges never returns).
  (g) (c) with the webhook: the default-interval server's team creates its Marketo webhook
      and the simulator calls it on every unsubscribe, as a trigger campaign would; the
      time from the unsubscribe to the first refused send, a send every 0.05 s. Goal:
      median under 1 s.
  (h) first sends to NEW_ADDRESSES people never sent to before, mirror authoritative:
      Marketo lookups with a complete mirror (a fourth server seeds it from a bulk export,
      SENDGUARD_MIRROR_SEED=1, after its feed began) and, for comparison, on the fast
      server, whose mirror is not seeded. Goal for the complete mirror: 0.

The servers of (a)-(g) do not seed their mirror (SENDGUARD_MIRROR_SEED=0), so that their
feeds read only unsubscribe changes, as they did before seeding existed.

The simulator's rolling window and the server's limiter are raised to 10,000 calls / 20 s
because (b) makes thousands of lookups a minute: this benchmark counts calls, and with
Marketo's real 100 / 20 s (b) would only measure the limiter. Lookups are counted by the
simulator; the sync's calls from each server's GET /integrations/marketo usage.

Prints a Markdown table and appends a dated section to bench/RESULTS.md. Exits non-zero
when an invariant fails; the numbers are recorded either way.
Usage: bench/mirror.py [--no-record] [--keep]
"""
import os
import random
import requests
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

# common puts tests/support on sys.path, for the peers and the server wrapper.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (SERVER_ENV, SIM_CONFIG, BenchBase, Stats, drain_outbox, fmt_counts, main,  # noqa: E402
                    send_emails, server_limits)
from peers import CLIENT_ID, CLIENT_SECRET  # noqa: E402

BENCH_SIM_CONFIG = {**SIM_CONFIG, "rate_limit_calls": 10_000}
BENCH_SERVER_ENV = {**SERVER_ENV, "SENDGUARD_MARKETO_CALLS_PER_20S": "10000", "SENDGUARD_CHECK_MAX_AGE": "0",
                    "SENDGUARD_MARKETO_DAILY_BUDGET": "10000", "SENDGUARD_MIRROR_SEED": "0"}
FAST_INTERVAL = 1        # SENDGUARD_MIRROR_INTERVAL of the first server
DEFAULT_INTERVAL = 30    # the shipped default; the second server leaves the variable unset

ADDRESSES = 200
SENDS = 1_000
SEND_THREADS = 8
FAST_TRIALS = 8
DEFAULT_TRIALS = 3
POLL = {FAST_INTERVAL: 0.1, DEFAULT_INTERVAL: 0.5}  # seconds between sends awaiting the refusal
SEED = 8058              # the unsubscribes' offsets into the sync interval are drawn from it
WEBHOOK_TRIALS = 5
WEBHOOK_POLL = 0.05
REFUSAL_TIMEOUT = 120
SYNC_TIMEOUT = 2 * DEFAULT_INTERVAL + 15
DRAIN_TIMEOUT = 120
FEED_INTERVAL = 1        # (e): every pace of the sync 30 times faster than the default
FEED_SCALE = DEFAULT_INTERVAL // FEED_INTERVAL
FEED_SETTLE = 30         # seconds for the feed to back off to its quiet pace
FEED_SECONDS = 120       # measured per team
NOISY_PER_DAY = 200_000  # leadScore changes a day on the noisy instance
NEW_ADDRESSES = 1_000    # (h)
SEED_TIMEOUT = 600       # (h): the seed's 14 or so export jobs, a status read every 0.1 s


def steady_address(i):
    return f"steady{i:03d}@mirror-example.com"


def slow_address(i):
    return f"slow{i:03d}@mirror-example.com"


def webhook_address(i):
    return f"hooked{i:03d}@mirror-example.com"


def new_address(tag, i):
    return f"new-{tag}{i:04d}@mirror-example.com"


def per_thousand(count, sends):
    return f"{count * 1000 / sends:.1f}"


def seconds(values):
    """min / median / max of a list of seconds."""
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f} s"


class Team:
    """One server, its admin client and the sync interval it runs with."""

    def __init__(self, server, admin, interval):
        self.server = server
        self.admin = admin
        self.interval = interval
        self.started = time.monotonic()

    def integration(self):
        reply = self.admin.get("/integrations/marketo")
        reply.raise_for_status()
        return reply.json()

    def set_authoritative(self, on):
        reply = self.admin.put("/settings/mirror", {"authoritative": on})
        if reply.status_code != 200 or reply.json()["authoritative"] is not on:
            raise RuntimeError(f"mirror_authoritative: {reply.status_code} {reply.text}")

    def wait_for_sync(self):
        """Seconds until the feed was first read successfully; None on timeout (asked at
        least once: the server may have synced long before it is asked)."""
        while True:
            if self.integration()["sync"]["last_success_at"]:
                return time.monotonic() - self.started
            if time.monotonic() - self.started > SYNC_TIMEOUT:
                return None
            time.sleep(0.2)

    def wait_for_outbox(self):
        """Waits until no email is queued or held, so that delivery-time checks are counted."""
        return drain_outbox(self.admin, DRAIN_TIMEOUT)[0]


class Bench(BenchBase):
    def __init__(self, sim, sink, fast, default):
        super().__init__(sim, sink)
        self.fast = fast
        self.default = default
        self.rng = random.Random(SEED)

    def seed(self):
        self.sim.add_leads([{"email": steady_address(i)} for i in range(ADDRESSES)]
                           + [{"email": slow_address(i)} for i in range(DEFAULT_TRIALS)]
                           + [{"email": webhook_address(i)} for i in range(WEBHOOK_TRIALS)])

    def sends(self, team, recipients, count, tag):
        """`count` POST /emails over SEND_THREADS threads cycling over `recipients`; status counts."""
        codes, _ = send_emails(team.server, team.admin, recipients, count, SEND_THREADS, tag)
        return Counter(codes)

    # (a) and (b) -----------------------------------------------------------------
    def steady_state(self, label, authoritative):
        team = self.fast
        team.set_authoritative(authoritative)
        recipients = [steady_address(i) for i in range(ADDRESSES)]
        warm = Stats(self.sim)
        codes = self.sends(team, recipients, ADDRESSES, f"{label} warm-up")
        drained = team.wait_for_outbox()
        warm_lookups = warm.delta()["lookup_calls"]
        self.expect(codes == Counter({202: ADDRESSES}) and drained, f"{label} warm-up: {dict(codes)}, drained {drained}")

        stats = Stats(self.sim)
        started = time.perf_counter()
        codes = self.sends(team, recipients, SENDS, label)
        accepting = stats.delta()
        wall = time.perf_counter() - started
        drained = team.wait_for_outbox()
        total = stats.delta()
        self.expect(codes == Counter({202: SENDS}), f"{label} statuses {dict(codes)}")
        self.expect(drained, f"{label} outbox not drained after {DRAIN_TIMEOUT} s")
        mode = "authoritative" if authoritative else "not authoritative"
        self.row(f"{label} mirror {mode}: warm-up lookups (one send to each of {ADDRESSES} addresses)",
                 warm_lookups)
        self.row(f"{label} {SENDS:,} sends over {SEND_THREADS} threads: statuses, time",
                 f"{fmt_counts(codes)}; {wall:.1f} s")
        self.row(f"{label} Marketo lookups per 1,000 sends: accept / incl. pre-delivery checks",
                 f"{per_thousand(accepting['lookup_calls'], SENDS)} / {per_thousand(total['lookup_calls'], SENDS)}")
        self.row(f"{label} addresses asked of Marketo per 1,000 sends (incl. pre-delivery checks)",
                 per_thousand(total["lookup_values"], SENDS))
        return total

    # (c) -------------------------------------------------------------------------
    def time_to_refusal(self, team, addresses, tag, poll=None):
        """Per address: (seconds from the unsubscribe to the first 422, ids of sends accepted before)."""
        team.set_authoritative(True)
        # Steady state: each address sent to once (a lookup), then answered by the mirror.
        codes = self.sends(team, addresses, len(addresses), f"{tag} warm-up")
        self.expect(codes == Counter({202: len(addresses)}), f"{tag} warm-up statuses {dict(codes)}")
        trials = []
        for address in addresses:
            accepted = []
            # Each trial would otherwise begin just after the previous refusal, i.e. just
            # after a sync pass, and always wait a whole interval.
            time.sleep(self.rng.uniform(0, team.interval))
            lookups = Stats(self.sim)
            began = time.monotonic()
            self.sim.set_unsubscribed(address)
            while True:
                reply = team.admin.post("/emails", {"workflow": "individual", "source": "api", "to": [address],
                                                    "subject": f"{tag} after unsubscribe", "text": "Hello"})
                elapsed = time.monotonic() - began
                if reply.status_code == 422:
                    break
                if reply.status_code != 202 or elapsed > REFUSAL_TIMEOUT:
                    self.expect(False, f"{tag} {address}: {reply.status_code} after {elapsed:.1f} s")
                    elapsed = None
                    break
                accepted.append(reply.json()["id"])
                time.sleep(poll or POLL[team.interval])
            # Each server's sync reads a reported address once by email (unsubscribed while
            # any lead is), and both servers here follow the one simulator; the sends ask nothing.
            self.expect(lookups.delta()["lookup_calls"] <= 2, f"{tag} {address}: lookups while waiting")
            trials.append((elapsed, accepted))
        team.wait_for_outbox()
        return trials

    def report_refusals(self, label, team, trials, poll=None, how=""):
        times = [t for t, _ in trials if t is not None]
        accepted = [i for _, ids in trials for i in ids]
        outcomes = Counter(team.admin.get(f"/emails/{i}").json()["status"] for i in accepted)
        where = f"SENDGUARD_MIRROR_INTERVAL={team.interval}{how}"
        if times:
            self.row(f"{label} {where}: unsubscribe to first refused send, min / median / max "
                     f"({len(times)} addresses, a send every {poll or POLL[team.interval]:g} s)", seconds(times))
        self.row(f"{label} {where}: sends accepted after the unsubscribe (all trials), final status",
                 f"{len(accepted)}" + (f" ({fmt_counts(outcomes)})" if accepted else ""))

    # (g) -------------------------------------------------------------------------
    def webhook_refusals(self, label, team):
        reply = team.admin.post("/integrations/marketo/webhook")
        self.expect(reply.status_code == 201, f"{label} creating the webhook: {reply.status_code} {reply.text}")
        hook = reply.json()
        self.sim.add_webhook(hook["url"], {hook["header"]: hook["secret"]}, hook["payload_template"])
        addresses = [webhook_address(i) for i in range(WEBHOOK_TRIALS)]
        trials = self.time_to_refusal(team, addresses, label, WEBHOOK_POLL)
        self.report_refusals(label, team, trials, WEBHOOK_POLL, " with the webhook")
        times = [t for t, _ in trials if t is not None]
        self.expect(times and statistics.median(times) < 1, f"{label} median unsubscribe-to-refusal {times}")

    # (h) -------------------------------------------------------------------------
    def wait_for_complete_mirror(self, team):
        """Seconds until the team's seed is done and its mirror complete; None on timeout."""
        while True:
            seed = team.integration()["seed"]
            if seed["state"] == "done" and seed["complete"]:
                return time.monotonic() - team.started
            if time.monotonic() - team.started > SEED_TIMEOUT:
                return None
            time.sleep(0.5)

    def first_sends(self, label, team, tag, how):
        team.set_authoritative(True)
        recipients = [new_address(tag, i) for i in range(NEW_ADDRESSES)]
        stats = Stats(self.sim)
        codes = self.sends(team, recipients, NEW_ADDRESSES, label)
        drained = team.wait_for_outbox()
        total = stats.delta()
        self.expect(codes == Counter({202: NEW_ADDRESSES}) and drained, f"{label} {how}: {dict(codes)}, drained {drained}")
        self.row(f"{label} {how}, authoritative: Marketo lookups for a first send to each of {NEW_ADDRESSES:,} "
                 "new addresses (incl. pre-delivery checks)", total["lookup_calls"])
        return total["lookup_calls"]

    # (d) -------------------------------------------------------------------------
    def sync_cost(self, label, team):
        usage = team.integration()["usage"]
        up = time.monotonic() - team.started
        sync_kinds = ("activity", "lead_by_id", "feed_lookup", "paging_token", "activity_types", "describe")
        calls = {k: usage["by_kind"].get(k, 0) for k in sync_kinds}
        self.row(f"{label} SENDGUARD_MIRROR_INTERVAL={team.interval}: the sync's Marketo calls in {up:.0f} s; "
                 "feed reads a day at this rate",
                 f"{fmt_counts(Counter(calls))}; {calls['activity'] * 86400 / up:,.0f}")
        self.row(f"{label} SENDGUARD_MIRROR_INTERVAL={team.interval}: Marketo calls today / daily budget",
                 f"{usage['calls_today']:,} / {usage['daily_budget']:,}")
        self.row(f"{label} SENDGUARD_MIRROR_INTERVAL={team.interval}: lookups left after a day of this feed, "
                 "with the background share / without it (computed)",
                 lookups_left(sum(calls.values()) * 86400 / up, usage))

    # (e) and (f) ---------------------------------------------------------------------
    def feed_calls_a_day(self, label, team, noise_per_day):
        """Feed calls a day at the default interval, scaled from the fast pace."""
        self.sim.config(cdv_noise_per_second=noise_per_day * FEED_SCALE / 86400)
        time.sleep(FEED_SETTLE)
        began, before = time.monotonic(), team.integration()["sync"]["feed_calls_today"]
        token = self.paging_token(time.time())
        if noise_per_day:  # two unsubscribes in the window, so that the feed has something to find
            for i in range(2):
                self.sim.set_unsubscribed(steady_address(ADDRESSES - 1 - i))
                time.sleep(FEED_SECONDS / 2)
        else:
            time.sleep(FEED_SECONDS)
        calls = team.integration()["sync"]["feed_calls_today"] - before
        elapsed = time.monotonic() - began
        a_day = calls * 86400 / (elapsed * FEED_SCALE)
        self.row(f"{label} feed calls a day at the default interval, {noise_per_day:,} leadScore changes a day "
                 f"({calls} calls in {elapsed:.0f} s at {FEED_SCALE}x pace)", f"{a_day:,.0f}")
        self.row(f"{label} lookups left after a day of this feed at a budget of "
                 f"{BENCH_SERVER_ENV['SENDGUARD_MARKETO_DAILY_BUDGET']}, with the background share / without it "
                 "(computed)", lookups_left(a_day, team.integration()["usage"]))
        return token

    def rest(self, path, **params):
        if not hasattr(self, "bearer"):
            self.bearer = requests.post(f"{self.sim.identity_endpoint}/oauth/token", timeout=10, data={
                "grant_type": "client_credentials", "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET}).json()["access_token"]
        reply = requests.get(f"{self.sim.rest_endpoint}/v1/{path}", params=params, timeout=30,
                             headers={"Authorization": f"Bearer {self.bearer}"}).json()
        if not reply.get("success"):
            raise RuntimeError(f"{path}: {reply}")
        return reply

    def paging_token(self, since):
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(since))
        return self.rest("activities/pagingtoken.json", sinceDatetime=since)["nextPageToken"]

    def pages(self, token, path, **params):
        """(pages, items) to read from `token` until moreResult is false."""
        pages = items = 0
        while True:
            reply = self.rest(path, nextPageToken=token, **params)
            pages, items = pages + 1, items + len(reply.get("result", []))
            token = reply["nextPageToken"]
            if not reply.get("moreResult"):
                return pages, items

    def compare_feeds(self, label, token):
        ways = {"activities.json types 9,13": self.pages(token, "activities.json", activityTypeIds="9,13"),
                "leadchanges.json fields=unsubscribed": self.pages(token, "activities/leadchanges.json",
                                                                   fields="unsubscribed"),
                "activities.json type 9": self.pages(token, "activities.json", activityTypeIds="9")}
        for way, (pages, items) in ways.items():
            self.row(f"{label} the noisy window read with {way}: pages (items)", f"{pages} ({items:,})")


def lookups_left(feed_calls_a_day, usage):
    """Lookups the day's budget still holds once the feed ran all day at its measured rate:
    the feed stops at its share (background_budget), where without the share it would run
    on until the budget is spent. Computed from the rate, not a day of real time."""
    budget, share = usage["daily_budget"], usage["background_budget"]
    with_share = budget - min(feed_calls_a_day, share)
    without = max(budget - feed_calls_a_day, 0)
    hours = 24 * min(share / feed_calls_a_day, 1) if feed_calls_a_day else 24
    return f"{with_share:,.0f} / {without:,.0f} (the feed stops after {hours:.1f} h)"


def measure(sim, sink, start):
    sim.config(**BENCH_SIM_CONFIG)
    load_before = os.getloadavg()[0]
    # The default-interval server starts first: its first read of the feed comes one
    # interval after the check is on, and it waits while (a) and (b) run.
    # Both read the feed at their interval however quiet it is (no adaptive backoff), so that
    # (c) measures the interval; the adaptive pace is the subject of (e).
    steady = {**BENCH_SERVER_ENV, "SENDGUARD_MIRROR_MAX_BACKOFF": "1"}
    default = Team(*start("server-default", steady), DEFAULT_INTERVAL)
    fast = Team(*start("server-fast", {**steady, "SENDGUARD_MIRROR_INTERVAL": str(FAST_INTERVAL)}),
                FAST_INTERVAL)

    bench = Bench(sim, sink, fast, default)
    bench.seed()
    bench.expect(fast.wait_for_sync() is not None, "the fast server's sync never succeeded")
    bench.steady_state("(a)", authoritative=True)
    bench.steady_state("(b)", authoritative=False)

    fast_trials = bench.time_to_refusal(fast, [steady_address(i) for i in range(FAST_TRIALS)], "(c)")
    bench.report_refusals("(c)", fast, fast_trials)
    first_sync = default.wait_for_sync()
    bench.expect(first_sync is not None, "the default server's sync never succeeded")
    default_trials = bench.time_to_refusal(default, [slow_address(i) for i in range(DEFAULT_TRIALS)], "(c)")
    bench.report_refusals("(c)", default, default_trials)

    bench.webhook_refusals("(g)", default)
    bench.sync_cost("(d)", fast)
    bench.sync_cost("(d)", default)

    feed = Team(*start("server-feed", {**BENCH_SERVER_ENV, "SENDGUARD_MIRROR_INTERVAL": str(FEED_INTERVAL),
                                       "SENDGUARD_MIRROR_REREAD": str(1800 // FEED_SCALE)}), FEED_INTERVAL)
    bench.expect(feed.wait_for_sync() is not None, "the feed server's sync never succeeded")
    bench.feed_calls_a_day("(e) quiet team:", feed, 0)
    noisy_window = bench.feed_calls_a_day("(e) noisy team:", feed, NOISY_PER_DAY)
    sim.config(cdv_noise_per_second=0)
    bench.compare_feeds("(f)", noisy_window)

    seeded = Team(*start("server-seeded", {**BENCH_SERVER_ENV, "SENDGUARD_MIRROR_INTERVAL": str(FAST_INTERVAL),
                                           "SENDGUARD_MIRROR_SEED": "1", "SENDGUARD_MIRROR_SEED_POLL_MS": "100"}),
                  FAST_INTERVAL)
    sim.config(export_status_reads=0)
    complete_after = bench.wait_for_complete_mirror(seeded)
    bench.expect(complete_after is not None, "the seeded server's mirror never became complete")
    bench.row("(h) seeded server: seconds until its mirror was complete", f"{complete_after or 0:.0f}")
    complete = bench.first_sends("(h)", seeded, "c", "complete mirror")
    bench.expect(complete == 0, f"(h) {complete} lookups with a complete mirror")
    bench.first_sends("(h)", fast, "f", "mirror not seeded")
    bench.load = (load_before, os.getloadavg()[0])
    return bench


def describe(bench, elapsed):
    return [
        f"- Marketo simulator: {BENCH_SIM_CONFIG['rate_limit_calls']:,} calls / "
        f"{BENCH_SIM_CONFIG['rate_limit_window_seconds']} s (raised: calls are counted, not paced), "
        f"{BENCH_SIM_CONFIG['max_concurrent']} concurrent, {BENCH_SIM_CONFIG['latency_ms']} ms latency per REST "
        f"call; a lead for each of the {ADDRESSES} steady addresses, none unsubscribed at the start",
        f"- Servers: {server_limits(BENCH_SERVER_ENV)}, daily budget "
        f"{BENCH_SERVER_ENV['SENDGUARD_MARKETO_DAILY_BUDGET']}, check on (policy block), SQLite, SMTP sink; "
        f"one with SENDGUARD_MIRROR_INTERVAL={FAST_INTERVAL} for (a)-(c), one with the default "
        f"({DEFAULT_INTERVAL} s) for (c), one with SENDGUARD_MIRROR_INTERVAL={FEED_INTERVAL} and "
        f"SENDGUARD_MIRROR_REREAD={1800 // FEED_SCALE} for (e), one seeding its mirror for (h); "
        f"whole run {elapsed:.0f} s",
    ]


if __name__ == "__main__":
    sys.exit(main("mirror", __doc__, measure, describe,
                  keep="the servers' directories (logs, databases)", kept="servers' directories"))
