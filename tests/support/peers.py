"""Pytest-side handles on the test peers: the Marketo simulator and the SMTP sink.

Each peer is a separate process on a loopback port it picks itself (port 0), so parallel
runs never race for a port. Use them as context managers or call stop().
"""
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

import requests

SUPPORT_DIR = Path(__file__).resolve().parent
START_TIMEOUT = 10
CLIENT_ID = "sg-client"  # the simulator's default credentials
CLIENT_SECRET = "sg-secret"
SINK_MODES = ("", "tempfail", "permfail", "drop")


def free_port():
    """A loopback port that was free a moment ago (for processes that need one given)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listens_on(pid, port):
    """True when process `pid` holds a socket listening on loopback `port`. A port that was
    free a moment ago may since have gone to another process, whose answers would then be
    taken for those of the one started on it."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        address, state, inode = fields[1], fields[3], fields[9]
        if state == "0A" and address == f"0100007F:{port:04X}":
            inodes.add(f"socket:[{inode}]")
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except FileNotFoundError:
        return False
    for fd in fds:
        try:
            if os.readlink(fd) in inodes:
                return True
        except OSError:
            pass  # closed meanwhile
    return False


class _Peer:
    """A peer process that announces its port with a first stdout line "LISTENING <port>"."""

    def __init__(self, script, *args):
        self.process = subprocess.Popen(
            [sys.executable, str(SUPPORT_DIR / script), "--port", "0", *args],
            stdout=subprocess.PIPE, text=True)
        ready, _, _ = select.select([self.process.stdout], [], [], START_TIMEOUT)
        line = self.process.stdout.readline() if ready else ""
        if not line.startswith("LISTENING "):
            self.stop()
            raise RuntimeError(f"{script} did not start: {line!r}")
        self.port = int(line.split()[1])
        self.host = "127.0.0.1"

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class MarketoSim(_Peer):
    def __init__(self):
        self._http = requests.Session()
        super().__init__("marketo_sim.py")
        self.url = f"http://{self.host}:{self.port}"
        self.rest_endpoint = self.url + "/rest"
        self.identity_endpoint = self.url + "/identity"

    def _call(self, action, body=None):
        reply = self._http.post(f"{self.url}/_sim/{action}", json=body or {}, timeout=10)
        reply.raise_for_status()
        return reply.json()

    def reset(self):
        self._call("reset")

    def add_leads(self, leads):
        """Creates leads (ids assigned by the simulator) and returns them."""
        return self._call("leads", {"leads": leads})["leads"]

    def leads(self):
        reply = self._http.get(f"{self.url}/_sim/leads", timeout=10)
        reply.raise_for_status()
        return reply.json()["leads"]

    def set_unsubscribed(self, email, unsubscribed=True):
        return self._call("unsubscribe", {"email": email, "unsubscribed": unsubscribed})["leads"]

    def change_email(self, email, new_email):
        """Every lead with `email` gets `new_email`, as an admin's edit in Marketo logs it."""
        return self._call("change_email", {"email": email, "new_email": new_email})["leads"]

    def config(self, **changes):
        return self._call("config", changes)["config"]

    def faults(self, faults, endpoint="leads"):
        return self._call("faults", {"faults": faults, "endpoint": endpoint})["queued"]

    def clear_faults(self):
        """Drops the faults still queued: every call is answered normally again."""
        self._call("clear_faults")

    def clear_stats(self):
        """Forgets the calls counted so far (connecting verifies with a few), keeping state."""
        self._call("clear_stats")

    def expire_tokens(self):
        self._call("expire_tokens")

    def other_calls(self, count, user="crm-sync@customer.test"):
        """Calls by another integration of the customer today; returns usage.json's result."""
        return self._call("other_calls", {"user": user, "count": count})["result"]

    def stats(self):
        reply = self._http.get(f"{self.url}/_sim/stats", timeout=10)
        reply.raise_for_status()
        return reply.json()

    def wait_first_feed_read(self, quiet=1.0, settle=0.3, timeout=10):
        """Waits until the sync has asked for a paging token and then read a page of the feed
        (no call for `settle` seconds after it) or made no call for `quiet` seconds: a newly
        connected team's first feed read, which starts on its own after connecting, is over.
        Gives up after `timeout` without failing, since a team that already follows its
        feed asks for no new token."""
        deadline = time.monotonic() + timeout
        seen, quiet_since = -1, time.monotonic()
        while time.monotonic() < deadline:
            stats = self.stats()
            paths = [c["path"] for c in stats["calls"]]
            token = "/rest/v1/activities/pagingtoken.json"
            asked = token in paths
            read = asked and "/rest/v1/activities.json" in paths[paths.index(token):]
            if stats["rest_calls"] != seen:
                seen, quiet_since = stats["rest_calls"], time.monotonic()
            elif asked and time.monotonic() - quiet_since >= (settle if read else quiet):
                return
            time.sleep(0.05)

    def activities(self):
        """The simulator's whole activity log, oldest first, as the feed serves its items."""
        reply = self._http.get(f"{self.url}/_sim/activities", timeout=10)
        reply.raise_for_status()
        return reply.json()["activities"]

    def add_activities(self, activities):
        """Logs activities as given ({"leadId", "activityTypeId", "primaryAttributeValue",
        "attributes"}), e.g. of other types to check filtering; returns them as logged."""
        return self._call("activities", {"activities": activities})["activities"]

    def add_webhook(self, url, headers, payload_template):
        """Registers a webhook the simulator calls on every change of a lead's unsubscribed,
        as a Marketo trigger campaign with a Call Webhook step would."""
        return self._call("webhooks", {"url": url, "headers": headers, "payload_template": payload_template})

    def webhook_calls(self):
        """The simulator's webhook calls so far: url, email, unsubscribed, status."""
        reply = self._http.get(f"{self.url}/_sim/webhooks", timeout=10)
        reply.raise_for_status()
        return reply.json()["calls"]

    def expire_paging_tokens(self):
        """Every activity paging token issued so far is refused from now on."""
        self._call("expire_paging_tokens")

    def stop(self):
        self._http.close()
        super().stop()


class SmtpSink(_Peer):
    def __init__(self, root=None):
        """Keeps mail in <root>/mail and reads its mode from <root>/sink-mode."""
        self._owns_root = root is None
        self.root = Path(root or tempfile.mkdtemp(prefix="smtp-sink-"))
        self.maildir = self.root / "mail"
        super().__init__("smtp_sink.py", "--maildir", str(self.maildir))

    def messages(self):
        """Every stored message in arrival order: "raw" is the bytes as sent on the wire;
        "msg" is parsed from them with CRLF turned into the newlines Python expects."""
        found = []
        for eml in sorted(self.maildir.glob("*.eml"), key=lambda p: int(p.stem)):
            envelope = json.loads(eml.with_suffix(".json").read_text())
            raw = eml.read_bytes()
            found.append({"mail_from": envelope["mail_from"], "rcpt_tos": envelope["rcpt_tos"],
                          "client_port": envelope["client_port"], "raw": raw,
                          "msg": BytesParser(policy=policy.default).parsebytes(
                              raw.replace(b"\r\n", b"\n"))})
        return found

    def wait_for(self, count, timeout=10):
        """The stored messages once at least `count` arrived; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages()
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(found)} of {count} messages after {timeout} s")
            time.sleep(0.05)

    def clear(self):
        # Messages before sidecars, so messages() never meets one without the other.
        for pattern in ("*.eml", "*.json"):
            for path in self.maildir.glob(pattern):
                path.unlink(missing_ok=True)

    def set_mode(self, mode):
        if mode not in SINK_MODES:
            raise ValueError(f"sink mode must be one of {SINK_MODES}")
        (self.root / "sink-mode").write_text(mode)

    def set_delay(self, millis):
        """Each message waits `millis` before the sink answers its DATA."""
        (self.root / "sink-delay").write_text(str(int(millis)))

    def stop(self):
        super().stop()
        if self._owns_root:
            shutil.rmtree(self.root, ignore_errors=True)
