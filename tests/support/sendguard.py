"""Starts the real `sendguard` binary for black-box tests and talks to it over HTTP."""
import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import requests

from peers import CLIENT_ID, CLIENT_SECRET, free_port, listens_on

ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("SENDGUARD_BIN", ROOT / "build" / "sendguard"))
PASSWORD = "correct horse 1"  # what users made with a password sign in with


def connection_body(sim, **overrides):
    """The body of PUT /integrations/marketo for the simulator; a field overridden with None is left out."""
    body = {"rest_endpoint": sim.rest_endpoint, "identity_endpoint": sim.identity_endpoint,
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def delivered_link(client, sink, to, count=1):
    """Sends to `to`, waits for the `count`th delivery and returns its one-click unsubscribe link."""
    reply = client.send([to])
    assert reply.status_code == 202, reply.text
    client.wait_status(reply.json()["id"], {"sent"})
    msg = sink.wait_for(count)[-1]["msg"]
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    return re.fullmatch(r"<(.+)>", msg["List-Unsubscribe"]).group(1)


def sanitized_build():
    """True when the binary under test was built with AddressSanitizer (it then links libasan)."""
    with open(BINARY, "rb") as f:
        return b"libasan.so" in f.read()


class Client:
    """An API client acting as one user (or nobody, when token is None)."""

    def __init__(self, base_url, token=None):
        self.base = base_url
        self.token = token
        self.http = requests.Session()
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"

    def request(self, method, path, **kw):
        kw.setdefault("timeout", 30)
        url = path if path.startswith("http") else f"{self.base}/api/v1{path}"
        return self.http.request(method, url, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, json=body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, json=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    # Shortcuts for the set-up most tests need.
    def connect_marketo(self, sim, **overrides):
        return self.put("/integrations/marketo", connection_body(sim, **overrides))

    def enable_check(self, sim, policy="block"):
        """Connects and turns the check on; the simulator's call counts then start from zero,
        so tests count only what follows (connecting reads through REST to verify, and the
        sync then reads the new feed's start)."""
        r = self.connect_marketo(sim)
        assert r.status_code == 200, r.text
        r = self.put("/settings/unsubscribe", {"marketo_check_enabled": True, "on_check_unavailable": policy})
        assert r.status_code == 200, r.text
        sim.wait_first_feed_read()
        sim.clear_stats()

    def send(self, to, **fields):
        body = {"workflow": "individual", "source": "web_app", "to": to, "subject": "Hello",
                "text": "Hi there"}
        body.update(fields)
        return self.post("/emails", body)

    def bulk(self, mode, recipients, **fields):
        """POST /bulk-sends; a recipient is an address or an {"email", "vars"} object."""
        body = {"mode": mode, "source": "web_app",
                "recipients": [r if isinstance(r, dict) else {"email": r, "vars": {}}
                               for r in recipients],
                "subject": "Hello", "text": "Hi there"}
        body.update(fields)
        return self.post("/bulk-sends", body)

    def wait_status(self, email_id, statuses, timeout=15):
        deadline = time.monotonic() + timeout
        while True:
            email = self.get(f"/emails/{email_id}").json()
            if email["status"] in statuses:
                return email
            if time.monotonic() > deadline:
                raise TimeoutError(f"email {email_id} still {email['status']} after {timeout} s")
            time.sleep(0.05)


def serving(base_url, timeout=1):
    """True when GET /healthz answers 200; a refused or reset connection is "not yet"."""
    try:
        return requests.get(f"{base_url}/healthz", timeout=timeout).status_code == 200
    except requests.ConnectionError:
        return False


class Sendguard:
    """One server process with its own database, key and mail settings."""

    def __init__(self, smtp_url=None, env=None, workdir=None):
        self.dir = Path(workdir or tempfile.mkdtemp(prefix="sendguard-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        self.env = dict(os.environ)
        self._take_port()
        self.env.update({
            "SENDGUARD_DB": str(self.dir / "sendguard.db"),
            "SENDGUARD_MAIL_DIR": str(self.dir / "mail"),
            "SENDGUARD_RETRY_BASE_MS": "200",
            "SENDGUARD_HOLD_RETRY_BASE_MS": "200",
            "SENDGUARD_LOG_LEVEL": "warn",
            # The Marketo simulator listens on loopback, which production refuses.
            "SENDGUARD_ALLOW_LOOPBACK_MARKETO": "1",
            # Off unless a test seeds: a seed's bulk-export calls would blur the exact call
            # counts and small budgets other tests rely on (test_mirror_seed.py turns it on).
            "SENDGUARD_MIRROR_SEED": "0",
        })
        if smtp_url:
            self.env["SENDGUARD_SMTP_URL"] = smtp_url
        self.env.update(env or {})
        self.chose_port = "SENDGUARD_LISTEN" not in (env or {})
        self.started = False
        self.process = None
        self.log = self.dir / "server.log"

    def _take_port(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env["SENDGUARD_LISTEN"] = f"127.0.0.1:{self.port}"
        self.env["SENDGUARD_PUBLIC_URL"] = self.url

    def start(self):
        # The port was free when picked; another process may have taken it since. Before any
        # client knows the port, a new one is picked; after, the failure is reported.
        for _ in range(3):
            if self._start_once():
                self.started = True
                return self
            if self.started or not self.chose_port:
                break
            self._take_port()
        raise RuntimeError(f"sendguard exited: {self.log.read_text()}")

    def _start_once(self):
        """True once this process serves on its port; False when it exited, having lost the port."""
        self.port = int(self.env["SENDGUARD_LISTEN"].rsplit(":", 1)[1])
        logged_before = self.log.stat().st_size if self.log.exists() else 0
        self.process = subprocess.Popen([str(BINARY), "serve"], env=self.env,
                                        stdout=open(self.log, "ab"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if f"cannot listen on 127.0.0.1:{self.port}:".encode() in self.log.read_bytes()[logged_before:]:
                    return False
                raise RuntimeError(f"sendguard exited: {self.log.read_text()}")
            # Another process on the port would answer /healthz as well.
            if serving(self.url) and listens_on(self.process.pid, self.port):
                return True
            time.sleep(0.05)
        raise RuntimeError("sendguard did not become healthy")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self):
        """SIGKILL: a crash with no chance to clean up."""
        self.process.kill()
        self.process.wait()
        self.process = None

    def cli(self, *args, input=None):
        return subprocess.run([str(BINARY), *args], env=self.env, input=input,
                              capture_output=True, text=True, timeout=60)

    def add_user(self, team, email, role="user", password=None):
        """Creates the user (who may sign in with `password` when given) and returns an API
        client acting as it."""
        args = ["user", "add", "--team", team, "--email", email, "--role", role]
        if password is None:
            result = self.cli(*args)
        else:
            result = self.cli(*args, "--password-stdin", input=password + "\n")
        assert result.returncode == 0, result.stderr
        return Client(self.url, result.stdout.strip().splitlines()[-1])

    def stored_bytes(self):
        """The database as it lies on disk: the main file and its write-ahead log."""
        base = self.dir / "sendguard.db"
        return b"".join(p.read_bytes() for p in (base, base.with_name(base.name + "-wal")) if p.exists())

    def sign_in(self, email, password=PASSWORD, **kw):
        """Signs in through the web app's login; returns (the session holding its cookie, the reply)."""
        kw.setdefault("timeout", 30)
        session = requests.Session()
        reply = session.post(f"{self.url}/api/v1/auth/login", json={"email": email, "password": password}, **kw)
        return session, reply

    def anonymous(self):
        return Client(self.url)

    def raw(self, method, path, **kw):
        kw.setdefault("timeout", 30)
        return requests.request(method, f"{self.url}{path}", **kw)

    def metric(self, name, labels=""):
        """One sample of /metrics (`labels` as written there, e.g. '{result="retry"}'); 0 when absent."""
        text = self.raw("GET", "/metrics").text
        found = re.search(rf"^{re.escape(name + labels)} (\d+(?:\.\d+)?)$", text, re.M)
        return int(float(found.group(1))) if found else 0
