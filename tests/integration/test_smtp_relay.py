"""SMTP submission: mail clients (smtplib, swaks, msmtp) and relay credentials send through
the listener, over STARTTLS and implicit TLS, and pass the same gate as POST /emails."""
import base64
import select
import smtplib
import socket
import ssl
import subprocess
import time
from email.message import EmailMessage

import pytest

from peers import free_port
from sendguard import Client


class Relay:
    """A server with both SMTP listeners, one team with the check on, and its admin."""

    def __init__(self, make_server, sim, tls_certificate, env=None, workdir=None):
        cert, key = tls_certificate
        self.smtp_port, self.smtps_port = free_port(), free_port()
        self.cert = cert
        self.server = make_server(workdir=workdir, env={
            "SENDGUARD_SMTP_LISTEN": f"127.0.0.1:{self.smtp_port}",
            "SENDGUARD_SMTPS_LISTEN": f"127.0.0.1:{self.smtps_port}",
            "SENDGUARD_TLS_CERT": str(cert), "SENDGUARD_TLS_KEY": str(key), **(env or {})}).start()
        self.sim = sim

    def tls(self):
        return ssl.create_default_context(cafile=str(self.cert))

    def connect(self, implicit=False):
        if implicit:
            return smtplib.SMTP_SSL("localhost", self.smtps_port, context=self.tls(), timeout=30)
        client = smtplib.SMTP("localhost", self.smtp_port, timeout=30)
        client.starttls(context=self.tls())
        client.ehlo()  # TLS starts the session afresh (RFC 3207)
        return client


def message(sender, to, subject="Hello", body="Hi there\n", **headers):
    m = EmailMessage()
    m["From"] = sender
    m["To"] = ", ".join(to)
    m["Subject"] = subject
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    m.set_content(body)
    return m


@pytest.fixture
def relay(make_server, sim, tls_certificate):
    return Relay(make_server, sim, tls_certificate)


def member(relay, email, role="user"):
    """A member of Acme; their address and an API token are their SMTP login."""
    client = relay.server.add_user("Acme", email, role)
    client.email = email
    return client


@pytest.fixture
def ada(relay, sim):
    """A team admin with the Marketo check on (policy block)."""
    admin = member(relay, "ada@acme.com", "admin")
    admin.enable_check(sim)
    return admin


def send(relay, user, msg, rcpt=None, implicit=False):
    """Submits `msg` after AUTH as `user`; returns the refusal (code, text), or None when accepted."""
    with relay.connect(implicit) as client:
        client.login(user.email, user.token)
        try:
            client.send_message(msg, to_addrs=rcpt)
        except smtplib.SMTPRecipientsRefused as e:
            return next(iter(e.recipients.values()))
        except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as e:
            return e.smtp_code, e.smtp_error.decode()
    return None


def last_email(client):
    return client.get("/emails").json()["emails"][0]


def test_an_allowed_message_over_starttls_is_delivered_as_written(relay, ada, sim, sink):
    sim.add_leads([{"email": "ann@x.com"}])
    msg = message("ada@acme.com", ["ann@x.com"], subject="Quarterly plans", X_Mailer="Thunderbird 115")
    assert send(relay, ada, msg) is None

    email = ada.wait_status(last_email(ada)["id"], {"sent"})
    assert (email["workflow"], email["source"], email["subject"]) == ("individual", "email_client", "Quarterly plans")
    [delivered] = sink.wait_for(1)
    assert delivered["rcpt_tos"] == ["ann@x.com"]
    got = delivered["msg"]
    assert (got["Subject"], got["X-Mailer"], got["From"]) == ("Quarterly plans", "Thunderbird 115", "ada@acme.com")
    assert got["Message-ID"] and got["Date"]
    assert got["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert got["List-Unsubscribe"].startswith(f"<{relay.server.url}/")
    assert got.get_content().strip() == "Hi there"


def test_an_unsubscribed_recipient_refuses_the_whole_message_naming_them(relay, ada, sim, sink):
    sim.add_leads([{"email": "ann@x.com"}, {"email": "una@x.com", "unsubscribed": True}])
    refused = send(relay, ada, message("ada@acme.com", ["ann@x.com", "una@x.com"]))
    assert refused[0] == 550 and "5.7.1" in refused[1] and "una@x.com" in refused[1], refused
    assert "ann@x.com" not in refused[1]
    email = last_email(ada)
    assert (email["status"], email["source"]) == ("blocked", "email_client")
    reply = ada.send(["barrier@x.com"], subject="barrier")
    ada.wait_status(reply.json()["id"], {"sent"})
    assert [m["msg"]["Subject"] for m in sink.wait_for(1)] == ["barrier"]


def test_a_bcc_recipient_is_checked_and_stripped(relay, ada, sim, sink):
    sim.add_leads([{"email": "ann@x.com"}, {"email": "bo@x.com"}, {"email": "una@x.com", "unsubscribed": True}])
    # A client sends Bcc as an envelope recipient only; some leave the header in.
    refused = send(relay, ada, message("ada@acme.com", ["ann@x.com"], Bcc="una@x.com"),
                   rcpt=["ann@x.com", "una@x.com"])
    assert refused[0] == 550 and "una@x.com" in refused[1], refused

    assert send(relay, ada, message("ada@acme.com", ["ann@x.com"], subject="With Bcc", Bcc="bo@x.com"),
                rcpt=["ann@x.com", "bo@x.com"]) is None
    ada.wait_status(last_email(ada)["id"], {"sent"})
    delivered = sink.wait_for(2)
    assert sorted(r for m in delivered for r in m["rcpt_tos"]) == ["ann@x.com", "bo@x.com"]
    for m in delivered:
        assert "Bcc" not in m["msg"] and b"bo@x.com" not in m["raw"].split(b"\r\n\r\n")[0], m["raw"][:2000]


def test_marketo_down_with_policy_block_is_451_then_accepted_on_the_clients_retry(relay, ada, sim, sink):
    sim.faults([{"kind": "error", "code": "608", "count": 1000}])
    refused = send(relay, ada, message("ada@acme.com", ["ann@x.com"], subject="Retry me"))
    assert refused[0] == 451 and "4.7.0" in refused[1], refused
    assert sink.messages() == []
    sim.reset()
    sim.add_leads([{"email": "ann@x.com"}])
    assert send(relay, ada, message("ada@acme.com", ["ann@x.com"], subject="Retry me")) is None
    ada.wait_status(last_email(ada)["id"], {"sent"})
    assert [m["msg"]["Subject"] for m in sink.wait_for(1)] == ["Retry me"]


def test_a_user_may_send_only_as_their_own_address(relay, ada, sim, sink):
    sam = member(relay, "sam@acme.com")
    refused = send(relay, sam, message("ada@acme.com", ["ann@x.com"]))  # From: someone else
    assert refused[0] == 550 and "5.7.1" in refused[1], refused
    with relay.connect() as client:
        client.login("sam@acme.com", sam.token)
        code, text = client.mail("ada@acme.com")  # the envelope sender too
        assert code == 550 and b"5.7.1" in text, (code, text)
    assert sink.messages() == []


def test_a_wrong_token_or_another_users_token_is_refused(relay, ada):
    sam = member(relay, "sam@acme.com")
    # A connection each: smtplib tries PLAIN then LOGIN, and the third failure closes it.
    for username, password in (("ada@acme.com", "not-a-token"), ("ada@acme.com", sam.token)):
        with relay.connect() as client:
            with pytest.raises(smtplib.SMTPAuthenticationError) as e:
                client.login(username, password)
            assert e.value.smtp_code == 535
    with relay.connect() as client:  # MAIL before AUTH
        code, text = client.mail("ada@acme.com")
        assert code == 530, (code, text)


def test_a_relay_credential_sends_as_two_members(relay, ada, sim, sink):
    member(relay, "sam@acme.com")
    sim.add_leads([{"email": "ann@x.com"}])
    created = ada.post("/relay-credentials", {"name": "Salesforce"})
    assert created.status_code == 201, created.text
    cred = created.json()
    for sender in ("ada@acme.com", "sam@acme.com"):
        with relay.connect() as client:
            client.login(cred["username"], cred["password"])
            client.send_message(message(sender, ["ann@x.com"], subject=f"From {sender}"))
    delivered = sink.wait_for(2)
    assert sorted(m["msg"]["From"] for m in delivered) == ["ada@acme.com", "sam@acme.com"]
    emails = ada.get("/emails").json()["emails"][:2]
    assert {e["source"] for e in emails} == {"salesforce"}
    # Not someone outside the team.
    with relay.connect() as client:
        client.login(cred["username"], cred["password"])
        with pytest.raises(smtplib.SMTPSenderRefused) as e:
            client.send_message(message("eve@evil.example", ["ann@x.com"]))
        assert e.value.smtp_code == 550


def test_swaks_over_implicit_tls_and_msmtp_over_starttls_deliver(relay, ada, sim, sink, tmp_path):
    sim.add_leads([{"email": "ann@x.com"}])
    swaks = subprocess.run(
        ["swaks", "--server", "127.0.0.1", "--port", str(relay.smtps_port), "--tls-on-connect",
         "--auth", "PLAIN", "--auth-user", "ada@acme.com", "--auth-password", ada.token,
         "--from", "ada@acme.com", "--to", "ann@x.com", "--header", "Subject: via swaks",
         "--body", "sent by swaks"], capture_output=True, text=True, timeout=60)
    assert swaks.returncode == 0, swaks.stdout + swaks.stderr
    config = tmp_path / "msmtprc"
    config.write_text(f"account sendguard\nhost localhost\nport {relay.smtp_port}\ntls on\ntls_starttls on\n"
                      f"tls_trust_file {relay.cert}\nauth login\nuser ada@acme.com\npassword {ada.token}\n"
                      "from ada@acme.com\n")
    config.chmod(0o600)
    msmtp = subprocess.run(["msmtp", "-C", str(config), "-a", "sendguard", "ann@x.com"],
                           input="From: ada@acme.com\nTo: ann@x.com\nSubject: via msmtp\n\nsent by msmtp\n",
                           capture_output=True, text=True, timeout=60)
    assert msmtp.returncode == 0, msmtp.stdout + msmtp.stderr
    assert sorted(m["msg"]["Subject"] for m in sink.wait_for(2, timeout=20)) == ["via msmtp", "via swaks"]


def test_a_late_unsubscribe_is_not_delivered_and_the_sender_gets_a_report(make_server, sim, sink, tls_certificate,
                                                                          tmp_path):
    workdir = tmp_path / "late"
    closed = free_port()
    first = Relay(make_server, sim, tls_certificate, workdir=workdir,
                  env={"SENDGUARD_SMTP_URL": f"smtp://127.0.0.1:{closed}"})
    ada = member(first, "ada@acme.com", "admin")
    ada.enable_check(sim)
    sim.add_leads([{"email": "late@x.com"}])
    assert send(first, ada, message("ada@acme.com", ["late@x.com"], subject="Too late")) is None
    email_id = last_email(ada)["id"]
    sim.set_unsubscribed("late@x.com")
    first.server.stop()

    second = Relay(make_server, sim, tls_certificate, workdir=workdir, env={"SENDGUARD_CHECK_MAX_AGE": "0"})
    ada = Client(second.server.url, ada.token)
    ada.email = "ada@acme.com"
    email = ada.wait_status(email_id, {"sent", "failed"}, timeout=30)
    assert (email["status"], email["reason"]) == ("failed", "marketo_unsubscribed")
    [report] = sink.wait_for(1, timeout=20)
    assert report["rcpt_tos"] == ["ada@acme.com"]
    msg = report["msg"]
    assert msg.get_content_type() == "multipart/report"
    assert msg.get_param("report-type") == "delivery-status"
    status = next(p for p in msg.walk() if p.get_content_type() == "message/delivery-status")
    text = status.as_string()
    assert "late@x.com" in text and "failed" in text.lower() and "5.7.1" in text


def test_a_crash_right_after_250_still_delivers(make_server, sim, sink, tls_certificate, tmp_path):
    workdir = tmp_path / "crash"
    sink.set_mode("tempfail")
    first = Relay(make_server, sim, tls_certificate, workdir=workdir)
    ada = member(first, "ada@acme.com", "admin")
    ada.enable_check(sim)
    assert send(first, ada, message("ada@acme.com", ["ann@x.com"], subject="Survives")) is None
    first.server.kill()
    sink.set_mode("")
    second = Relay(make_server, sim, tls_certificate, workdir=workdir)
    ada = Client(second.server.url, ada.token)
    ada.email = "ada@acme.com"
    ada.wait_status(last_email(ada)["id"], {"sent"}, timeout=30)
    assert [m["msg"]["Subject"] for m in sink.wait_for(1)] == ["Survives"]


class Wire:
    """A hand-driven SMTP session over a plain socket, for input no client library sends."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buffer = b""
        self.greeting = self.reply()

    def send(self, data):
        self.sock.sendall(data)

    def reply(self):
        """(code, text of every line) of the next reply; (None, "") once the server closed."""
        lines = []
        while True:
            while b"\r\n" not in self.buffer:
                try:
                    chunk = self.sock.recv(65536)
                except ConnectionResetError:  # closed with our pipelined commands unread
                    chunk = b""
                if not chunk:
                    return None, "\n".join(lines)
                self.buffer += chunk
            line, self.buffer = self.buffer.split(b"\r\n", 1)
            lines.append(line.decode(errors="replace"))
            if len(line) < 4 or line[3:4] != b"-":
                return int(line[:3]), "\n".join(lines)

    def command(self, line):
        self.send(line.encode() + b"\r\n")
        return self.reply()

    def login(self, user):
        self.command("EHLO wire.test")
        plain = base64.b64encode(f"\0{user.email}\0{user.token}".encode()).decode()
        return self.command(f"AUTH PLAIN {plain}")

    def close(self):
        self.sock.close()


def begin_data(wire, user, rcpts=("ann@x.com",)):
    assert wire.login(user)[0] == 235
    assert wire.command(f"MAIL FROM:<{user.email}>")[0] == 250
    for r in rcpts:
        assert wire.command(f"RCPT TO:<{r}>")[0] == 250
    assert wire.command("DATA")[0] == 354


def headers(user, subject=b"Hello"):
    return b"From: " + user.email.encode() + b"\r\nTo: ann@x.com\r\nSubject: " + subject + b"\r\n\r\n"


def test_bad_input_gets_the_right_reply_and_nothing_half_written_is_queued(relay, ada, sim, sink):
    sim.add_leads([{"email": "ann@x.com"}])
    cases = {
        "a bare LF": headers(ada) + b"line one\nline two\r\n.\r\n",
        "a NUL byte": headers(ada) + b"nul \0 here\r\n.\r\n",
        "a header over 998 octets": b"X-Long: " + b"a" * 1200 + b"\r\n" + headers(ada) + b"body\r\n.\r\n",
    }
    for what, data in cases.items():
        wire = Wire(relay.smtp_port)
        begin_data(wire, ada)
        wire.send(data)
        code, text = wire.reply()
        assert code is not None and 500 <= code < 600, (what, code, text)
        assert wire.command("NOOP")[0] == 250, what  # the session goes on
        wire.close()
    # Pipelined garbage: every line answered, in order, and the session still usable.
    wire = Wire(relay.smtp_port)
    wire.send(b"EHLO x\r\nFOO bar\r\n\x01\x02\x03\r\nMAIL FROM:<ada@acme.com>\r\nNOOP\r\n")
    codes = [wire.reply()[0] for _ in range(5)]
    assert codes[0] == 250 and codes[1] == 500 and codes[2] == 500 and codes[3] == 530 and codes[4] == 250, codes
    wire.close()
    assert [e["status"] for e in ada.get("/emails").json()["emails"]] == []
    assert sink.messages() == []


def test_a_non_utf8_subject_is_accepted_and_recorded_legibly(relay, ada, sim, sink):
    sim.add_leads([{"email": "ann@x.com"}])
    wire = Wire(relay.smtp_port)
    begin_data(wire, ada)
    wire.send(headers(ada, subject=b"Caf\xe9 au lait") + b"body\r\n.\r\n")
    code, text = wire.reply()
    wire.close()
    assert code == 250, text
    email = ada.wait_status(last_email(ada)["id"], {"sent"})
    assert email["subject"].startswith("Caf") and "au lait" in email["subject"]
    assert sink.wait_for(1)[0]["rcpt_tos"] == ["ann@x.com"]


def test_too_many_recipients_and_too_large_a_message_are_refused(relay, ada, sim, sink):
    wire = Wire(relay.smtp_port)
    assert wire.login(ada)[0] == 235
    assert wire.command("MAIL FROM:<ada@acme.com>")[0] == 250
    # 10,000 RCPTs pipelined: the first 1,000 are taken, the rest refused with 452 until the
    # cap on commands per connection ends it with 421.
    wire.send(b"".join(f"RCPT TO:<r{n}@x.com>\r\n".encode() for n in range(10000)))
    codes = []
    while len(codes) < 10000 and (code := wire.reply()[0]) is not None:
        codes.append(code)
    assert codes[:1000] == [250] * 1000 and codes[1000] == 452, codes[995:1005]
    assert set(codes[1000:-1]) == {452} and codes[-1] in (452, 421), codes[-3:]
    wire.close()

    wire = Wire(relay.smtp_port)
    begin_data(wire, ada)
    chunk = b"x" * 998 + b"\r\n"
    for _ in range(100 * 1024 * 1024 // len(chunk)):  # 100 MB
        wire.send(chunk)
    wire.send(b".\r\n")
    code, text = wire.reply()
    assert code == 552 and "5.3.4" in text, (code, text)
    assert wire.command("NOOP")[0] == 250
    wire.close()
    assert ada.get("/emails").json()["emails"] == []
    # HTTP and other sessions were served meanwhile.
    assert relay.server.raw("GET", "/healthz").status_code == 200


def test_auth_is_refused_before_starttls_unless_the_peer_is_trusted(make_server, sim, tls_certificate):
    relay = Relay(make_server, sim, tls_certificate, env={"SENDGUARD_SMTP_TRUST_LOOPBACK": "0"})
    ada = member(relay, "ada@acme.com", "admin")
    wire = Wire(relay.smtp_port)
    code, text = wire.command("EHLO wire.test")
    assert code == 250 and "STARTTLS" in text and "AUTH" not in text, text
    plain = base64.b64encode(f"\0{ada.email}\0{ada.token}".encode()).decode()
    code, text = wire.command(f"AUTH PLAIN {plain}")
    assert code == 538 and "5.7.11" in text, (code, text)
    wire.close()
    # Inside TLS the same login works.
    with relay.connect() as client:
        assert client.login(ada.email, ada.token)[0] == 235


def test_a_client_sending_a_byte_at_a_time_is_cut_off_while_others_are_served(make_server, sim, tls_certificate):
    relay = Relay(make_server, sim, tls_certificate, env={"SENDGUARD_SMTP_COMMAND_TIMEOUT": "2"})
    ada = member(relay, "ada@acme.com", "admin")
    slow = Wire(relay.smtp_port)
    # A byte every 0.5 s, never idle for long, yet the line's 2 s deadline passes: the
    # server must end it, and serve another session meanwhile.
    for byte in b"EHLO slow.test\r\n":
        if select.select([slow.sock], [], [], 0)[0]:
            break  # the server spoke: its closing reply is waiting
        slow.send(bytes([byte]))
        with relay.connect() as other:
            assert other.noop()[0] == 250
        time.sleep(0.5)
    else:
        pytest.fail("the server waited for a whole line sent a byte at a time")
    code, text = slow.reply()
    assert code in (421, None), (code, text)  # None: closed before we read its 421
    if code == 421:
        assert "4.4.2" in text, text
    slow.close()
    with relay.connect() as client:
        assert client.login(ada.email, ada.token)[0] == 235
