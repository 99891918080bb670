"""`make run`'s demo (scripts/run-demo.sh): on a new database the Demo team is connected to a
demo Marketo with the check on, so its unsubscribed sample person is refused at once."""
import os
import re
import signal
import smtplib
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest
import requests

from peers import free_port
from sendguard import serving

ROOT = Path(__file__).resolve().parents[2]
UNSUBSCRIBED = "una.unsubscribed@example.com"


class Demo:
    def __init__(self, tmp_path, **env):
        self.port = free_port()
        self.marketo_port = int(env.pop("SENDGUARD_DEMO_MARKETO_PORT", free_port()))
        self.smtp_port = free_port()
        self.out = tmp_path / f"out-{self.port}.txt"
        environ = dict(os.environ,
                       SENDGUARD_BIN=str(Path(os.environ.get("SENDGUARD_BIN", "build/sendguard")).resolve()),
                       SENDGUARD_DB=str(tmp_path / "sendguard.db"), SENDGUARD_MAIL_DIR=str(tmp_path / "mail"),
                       SENDGUARD_SECRET_KEY_FILE=str(tmp_path / "secret.key"),
                       SENDGUARD_LISTEN=f"127.0.0.1:{self.port}",
                       SENDGUARD_DEMO_MARKETO_PORT=str(self.marketo_port),
                       SENDGUARD_SMTP_LISTEN=f"127.0.0.1:{self.smtp_port}", **env)
        with open(self.out, "wb") as out:
            # A process group of its own, as a terminal gives it: Ctrl-C reaches all of it.
            self.proc = subprocess.Popen(["bash", str(ROOT / "scripts/run-demo.sh")], env=environ, cwd=tmp_path,
                                         stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.token = self.await_output(r"Admin API token: (\S+)").group(1)
        self.api = f"http://127.0.0.1:{self.port}/api/v1"
        self.await_listening()

    def await_listening(self, timeout=60):
        """The token is printed before the server starts; a slow start must not fail a test."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if serving(f"http://127.0.0.1:{self.port}", timeout=5):
                return
            assert self.proc.poll() is None, self.out.read_text()
            time.sleep(0.1)
        raise AssertionError(f"the server never answered:\n{self.out.read_text()}")

    def await_output(self, pattern, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.out.read_text())
            if found:
                return found
            assert self.proc.poll() is None, self.out.read_text()
            time.sleep(0.1)
        raise AssertionError(f"no {pattern!r} in:\n{self.out.read_text()}")

    def get(self, path):
        return requests.get(self.api + path, headers={"Authorization": f"Bearer {self.token}"}, timeout=10)

    def send(self, to):
        return requests.post(self.api + "/emails", headers={"Authorization": f"Bearer {self.token}"}, timeout=30,
                             json={"workflow": "individual", "source": "web_app", "to": [to],
                                   "subject": "Hello", "text": "Hi"})

    def interrupt(self):
        """Ctrl-C: every process of the demo stops."""
        os.killpg(self.proc.pid, signal.SIGINT)
        self.proc.wait(timeout=60)

    def stop(self):
        if self.proc.poll() is None:
            self.interrupt()


def refuses_connections(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture
def demo(tmp_path):
    started = []
    yield lambda **env: started.append(Demo(tmp_path, **env)) or started[-1]
    for d in started:
        d.stop()


def test_a_new_database_is_connected_to_the_demo_marketo_with_the_check_on(demo):
    d = demo()
    d.await_output("una.unsubscribed@example.com")
    connection = d.get("/integrations/marketo").json()
    assert connection["rest_endpoint"] == f"http://127.0.0.1:{d.marketo_port}/rest"
    assert d.get("/settings/unsubscribe").json()["marketo_check_enabled"] is True
    reply = d.send(UNSUBSCRIBED)
    assert reply.status_code == 422, reply.text
    assert reply.json()["error"]["code"] == "recipient_unsubscribed"


def test_ctrl_c_stops_the_demo_marketo_and_a_restart_serves_it_again(demo):
    first = demo()
    first.await_output("una.unsubscribed@example.com")
    first.interrupt()
    assert refuses_connections(first.marketo_port)
    assert refuses_connections(first.port)

    # The database now has the demo's connection: the next start serves the demo Marketo
    # again (its people live in memory) instead of connecting anew.
    second = demo(SENDGUARD_DEMO_MARKETO_PORT=str(first.marketo_port))
    second.await_output("una.unsubscribed@example.com")
    assert second.send(UNSUBSCRIBED).json()["error"]["code"] == "recipient_unsubscribed"


def test_sendguard_demo_marketo_0_skips_it(demo):
    d = demo(SENDGUARD_DEMO_MARKETO="0")
    assert d.get("/integrations/marketo").status_code == 404
    assert refuses_connections(d.marketo_port)


def test_the_demo_smtp_relay_refuses_the_unsubscribed_person_over_starttls(demo, tmp_path):
    d = demo()
    d.await_output("una.unsubscribed@example.com")
    d.await_output(r"Mail clients: SMTP 127\.0\.0\.1:\d+")
    # make run made a self-signed certificate beside the database; a client trusting it
    # verifies the relay's name.
    context = ssl.create_default_context(cafile=str(tmp_path / "tls" / "demo-cert.pem"))
    with smtplib.SMTP("localhost", d.smtp_port, timeout=30) as client:
        client.starttls(context=context)
        client.ehlo()
        client.login("admin@demo.example", d.token)
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.sendmail("admin@demo.example", [UNSUBSCRIBED],
                            f"From: admin@demo.example\r\nTo: {UNSUBSCRIBED}\r\nSubject: Hi\r\n\r\nHello\r\n")
    assert refused.value.smtp_code == 550 and UNSUBSCRIBED in refused.value.smtp_error.decode()
