#!/usr/bin/env python3
"""Drives the SMTP listener as real clients do (Python's smtplib), for smtp_server_test.

Usage: smtp_client.py SCENARIO PORT [TLS_PORT CAFILE]. Exits 0 when the server behaved as
the scenario expects, else prints what it saw and exits 1. Every wait is bounded by a
generous timeout; nothing here measures how fast the server is.
"""
import smtplib
import socket
import ssl
import sys
import threading
import time

USER, PASSWORD = "ann@acme.test", "tok_ann"
MESSAGE = "From: ann@acme.test\r\nTo: bob@example.test\r\nSubject: hi\r\n\r\n.starts with a dot\r\n"
WAIT = 120  # seconds; only a broken server comes near it


def tls_context(cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def send(port, how="plain", cafile=None, tls_port=None, to="bob@example.test"):
    if how == "ssl":
        client = smtplib.SMTP_SSL("127.0.0.1", tls_port, context=tls_context(cafile), timeout=WAIT)
    else:
        client = smtplib.SMTP("127.0.0.1", port, timeout=WAIT)
    with client:
        client.ehlo("client.test")
        if how == "starttls":
            client.starttls(context=tls_context(cafile))
            client.ehlo("client.test")
        client.login(USER, PASSWORD)
        refused = client.sendmail(USER, [to], MESSAGE)
        assert not refused, refused


def auth_before_tls(port, cafile):
    with smtplib.SMTP("127.0.0.1", port, timeout=WAIT) as client:
        client.ehlo("client.test")
        assert not client.has_extn("auth"), "AUTH offered outside TLS"
        assert client.has_extn("starttls"), "STARTTLS not offered"
        code, text = client.docmd("AUTH", "PLAIN AGFubkBhY21lLnRlc3QAdG9rX2Fubg==")
        assert code == 538 and text.startswith(b"5.7.11"), (code, text)
        code, text = client.docmd("MAIL", "FROM:<ann@acme.test>")
        assert code == 530, (code, text)
        client.starttls(context=tls_context(cafile))
        client.ehlo("client.test")
        assert client.has_extn("auth"), "AUTH not offered inside TLS"
        client.login(USER, PASSWORD)
        client.sendmail(USER, ["bob@example.test"], MESSAGE)


def read_reply(sock):
    data = b""
    sock.settimeout(WAIT)
    while not data.endswith(b"\r\n"):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def trickle(sock):
    """A byte now and then, never a whole line: the server must give up and say why."""
    deadline = time.monotonic() + WAIT
    sock.settimeout(0.2)
    received = b""
    while time.monotonic() < deadline:
        try:
            sock.send(b"N")
        except OSError:
            break
        try:
            chunk = sock.recv(4096)
            if not chunk:
                break
            received += chunk
        except socket.timeout:
            pass
    assert received.startswith(b"421 4.4.2"), received


def slow(port):
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock:
        assert read_reply(sock).startswith(b"220 ")
        trickle(sock)


def in_data(port, rcpt="bob@example.test"):
    """A logged-in session past DATA's 354, ready for the message."""
    client = smtplib.SMTP("127.0.0.1", port, timeout=WAIT)
    client.ehlo("client.test")
    client.login(USER, PASSWORD)
    client.mail(USER)
    client.rcpt(rcpt)
    code, _ = client.docmd("DATA")
    assert code == 354, code
    return client


def slow_data(port):
    """The same in a message: each byte arrives well within the block timeout."""
    with in_data(port) as client:
        trickle(client.sock)


def idle_data(port):
    """Nothing at all after 354: the block timeout ends it."""
    with in_data(port) as client:
        reply = read_reply(client.sock)
        assert reply.startswith(b"421 4.4.2"), reply


def cap(port, limit):
    """`limit` connections are served; the next is told 421 4.7.0 and closed."""
    held = [socket.create_connection(("127.0.0.1", port), timeout=WAIT) for _ in range(limit)]
    for sock in held:
        assert read_reply(sock).startswith(b"220 ")
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as extra:
        reply = read_reply(extra)
        assert reply.startswith(b"421 4.7.0"), reply
        assert extra.recv(4096) == b""
    held.pop().close()
    # The freed place is served again, once the server has seen the close.
    deadline = time.monotonic() + WAIT
    while True:
        with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock:
            if read_reply(sock).startswith(b"220 "):
                break
        assert time.monotonic() < deadline, "the freed place was never served"
        time.sleep(0.1)
    for sock in held:
        sock.close()


def big(port, megabytes):
    """Streams a huge message; another session is served meanwhile; the big one gets 552."""
    with in_data(port, "big@example.test") as client:
        line = b"x" * 998 + b"\r\n"
        chunk = line * 1024  # about 1 MB
        other = threading.Thread(target=lambda: results.append(send(port, to="other@example.test") or "ok"))
        results = []
        for i in range(megabytes):
            client.sock.sendall(chunk)
            if i == megabytes // 2:
                other.start()
        client.sock.sendall(b".\r\n")
        code, text = client.getreply()
        assert code == 552 and text.startswith(b"5.3.4"), (code, text)
        other.join(WAIT)
        assert results == ["ok"], results
        assert client.noop()[0] == 250  # the connection is still usable


def old_tls(tls_port):
    """TLS 1.1 and older are refused."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    try:
        smtplib.SMTP_SSL("127.0.0.1", tls_port, context=ctx, timeout=WAIT).quit()
    except (ssl.SSLError, OSError, smtplib.SMTPException):
        return
    raise AssertionError("a TLS 1.1 handshake succeeded")


def main(argv):
    scenario, port = argv[1], int(argv[2])
    tls_port = int(argv[3]) if len(argv) > 3 else None
    cafile = argv[4] if len(argv) > 4 else None
    if scenario in ("plain", "starttls", "ssl"):
        send(port, scenario, cafile, tls_port)
    elif scenario == "auth-before-tls":
        auth_before_tls(port, cafile)
    elif scenario == "slow":
        slow(port)
    elif scenario == "slow-data":
        slow_data(port)
    elif scenario == "idle-data":
        idle_data(port)
    elif scenario.startswith("cap"):
        cap(port, int(scenario[3:]))
    elif scenario.startswith("big"):
        big(port, int(scenario[3:]))
    elif scenario == "old-tls":
        old_tls(tls_port)
    else:
        raise SystemExit("unknown scenario " + scenario)
    print("ok")


if __name__ == "__main__":
    try:
        main(sys.argv)
    except (AssertionError, smtplib.SMTPException, OSError) as e:
        print("FAILED:", repr(e))
        sys.exit(1)
