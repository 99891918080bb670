"""The HTTP edge against hostile clients: body limits decided from the headers, connection
and memory caps, accept() under descriptor exhaustion, fixed metric labels, HEAD framing,
UTF-8 in paths, who may read /metrics and the database file's mode. Raw sockets talk to
127.0.0.1 only."""
import json
import os
import random
import re
import resource
import socket
import stat
import string
import time

import pytest

from assertions import wait_until
from sendguard import sanitized_build, serving

DECLARED = 66060288  # 63 MiB: under the old 64 MiB limit of every route


def connect(server, timeout=10):
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)
    sock.settimeout(timeout)
    return sock


def read_response(sock, buffered=b""):
    """Reads one response; returns (status, headers, body, bytes left over)."""
    data = buffered
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed after {data!r}")
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, value = line.split(":", 1)
        headers[name.strip().lower()] = value.strip()
    return status, headers, rest


def read_full_response(sock, buffered=b""):
    status, headers, rest = read_response(sock, buffered)
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, headers, rest[:length], rest[length:]


def post_head(path, length, token=None, extra=""):
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}{extra}"
            f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n").encode()


def token_of(client):
    return client.http.headers["Authorization"].split(" ", 1)[1]


def assert_closed_by_server(sock):
    """The server closes (or resets) the connection."""
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        pass


# --- item 3: body limits from the headers, caps on connections and in-flight bytes -------

def test_bodies_declared_larger_than_the_route_allows_get_413_before_being_sent(server, admin):
    sockets = []
    try:
        for _ in range(60):
            sock = connect(server)
            sock.sendall(post_head("/api/v1/emails", DECLARED, token_of(admin)) + b"{")
            sockets.append(sock)
        for sock in sockets:
            status, _, body, _ = read_full_response(sock)
            assert status == 413
            assert json.loads(body)["error"]["code"] == "payload_too_large"
    finally:
        for sock in sockets:
            sock.close()
    assert server.raw("GET", "/healthz").status_code == 200


def test_json_body_over_one_mebibyte_is_413(server, admin):
    r = admin.request("POST", "/emails", data=b"{" + b" " * (1 << 20) + b"}",
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 413, r.text
    assert r.json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize("who,status", [("nobody", 401), ("user", 403)])
def test_large_import_is_refused_from_the_headers_unless_the_caller_is_an_admin(server, admin, user, who, status):
    token = token_of(user) if who == "user" else None
    with connect(server) as sock:
        sock.sendall(post_head("/api/v1/suppressions/import", DECLARED, token))
        got, headers, body, _ = read_full_response(sock)
    assert got == status, body
    if status == 401:
        assert headers["www-authenticate"] == "Bearer"
    assert server.raw("GET", "/healthz").status_code == 200


def test_an_admin_may_import_a_csv_larger_than_the_json_limit(server, admin):
    rows = [f"person{i:07d}@example.com" for i in range(60000)]
    body = ("email\r\n" + "\r\n".join(rows) + "\r\n").encode()
    assert len(body) > (1 << 20)
    r = admin.request("POST", "/suppressions/import", data=body, headers={"Content-Type": "text/csv"})
    assert r.status_code == 200, r.text[:500]
    assert r.json()["added"] == len(rows)


def test_connections_past_the_cap_are_closed_and_service_resumes(make_server):
    server = make_server(env={"SENDGUARD_MAX_CONNECTIONS": "20"}).start()
    idle = []
    try:
        refused = False
        # Idle connections fill the cap (the server accepts them asynchronously), then the
        # next connection is closed without an answer.
        for _ in range(60):
            sock = connect(server)
            idle.append(sock)
            if len(idle) <= 20:
                continue
            try:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                refused = sock.recv(65536) == b""
            except (ConnectionResetError, BrokenPipeError):
                refused = True
            except socket.timeout:
                pass
            if refused:
                break
        assert refused, "a connection past the cap was served"
    finally:
        for sock in idle:
            sock.close()
    # Until the server has seen the idle connections go, a new one is still past the cap and
    # is closed at once, which the client may see as a reset.
    wait_until(lambda: serving(server.url), 15, "serving again after the connections closed", poll=0.1)


def test_idle_connections_close_sooner_near_the_cap(make_server):
    server = make_server(env={"SENDGUARD_MAX_CONNECTIONS": "8"}).start()
    idle = [connect(server, timeout=30) for _ in range(7)]
    try:
        # The last one is served after the six before it were accepted: the server is near
        # its cap, so this keep-alive connection is closed well before the usual minute.
        idle[-1].sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        status, _, _, _ = read_full_response(idle[-1])
        assert status == 200
        assert_closed_by_server(idle[-1])
    finally:
        for sock in idle:
            sock.close()


def test_bodies_in_flight_share_one_budget_past_which_requests_get_503(make_server):
    server = make_server(env={"SENDGUARD_MAX_IMPORT_BYTES": "1500000",
                              "SENDGUARD_MAX_INFLIGHT_BYTES": "3000000"}).start()
    admin = server.add_user("Acme", "admin@acme.com", "admin")
    held = []
    try:
        busy = None
        # Each connection promises a 1 MB body and sends 900 KB of it: the bytes received
        # count, so the budget runs out during the fourth (keep trying a few more, as the
        # server reads them asynchronously).
        for _ in range(12):
            sock = connect(server, timeout=2)
            held.append(sock)
            sock.sendall(post_head("/api/v1/emails", 1000000, token_of(admin)) + b"{" + b" " * 899999)
            try:
                status, _, body, _ = read_full_response(sock)
            except socket.timeout:
                continue
            busy = (status, body)
            break
        assert busy is not None, "no request was refused"
        assert busy[0] == 503
        assert json.loads(busy[1])["error"]["code"] == "server_busy"
    finally:
        for sock in held:
            sock.close()
    wait_until(lambda: admin.get("/emails").status_code == 200, 15, "GET /emails answered", poll=0.1)


def test_promised_bytes_that_never_arrive_spend_no_budget(make_server):
    server = make_server(env={"SENDGUARD_MAX_IMPORT_BYTES": "1500000",
                              "SENDGUARD_MAX_INFLIGHT_BYTES": "3000000"}).start()
    admin = server.add_user("Acme", "admin@acme.com", "admin")
    held = []
    try:
        # Ten connections promising 1 MB each and sending one byte: 10 MB promised, 10 bytes sent.
        for _ in range(10):
            sock = connect(server, timeout=2)
            held.append(sock)
            sock.sendall(post_head("/api/v1/emails", 1000000, token_of(admin)) + b"{")
        reply = admin.post("/emails", {"workflow": "individual", "source": "api", "to": ["ann@x.com"],
                                       "subject": "Hi", "text": "Hello"})
        assert reply.status_code == 202, reply.text
    finally:
        for sock in held:
            sock.close()


# --- item 4: metric labels from fixed sets ------------------------------------------------

def request_series(server):
    text = server.raw("GET", "/metrics").text
    return {line.rsplit(" ", 1)[0] for line in text.splitlines()
            if line.startswith("sendguard_http_requests_total{")}


def test_random_methods_add_no_metric_series(server, admin):
    before = request_series(server)
    rng = random.Random(8)
    methods = {"".join(rng.choices(string.ascii_uppercase, k=10)) for _ in range(500)}
    with connect(server) as sock:
        for i, method in enumerate(sorted(methods)):
            path = ["/healthz", "/api/v1/emails", "/no/such/path"][i % 3]
            sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            status, _, _, _ = read_full_response(sock)
            assert status in (404, 405)
    after = request_series(server)

    labels = {m for line in after for m in re.findall(r'method="([^"]*)"', line)}
    assert labels <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}
    assert len(after - before) <= 6, sorted(after - before)


# --- item 5: accept() under descriptor exhaustion -------------------------------------------

def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# UBSan checks whether memory is readable through a pipe of its own, so with every
# descriptor taken it reports false errors and stops the server: this runs unsanitized only.
@pytest.mark.skipif(sanitized_build(), reason="sanitizer runtimes need free descriptors")
def test_accept_does_not_spin_when_descriptors_run_out(server):
    pid = server.process.pid
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (96, 96))
    sockets = []
    try:
        for _ in range(160):
            sockets.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
        time.sleep(0.5)  # let the server take what it can and hit the limit
        cpu_before, wall_before = cpu_seconds(pid), time.monotonic()
        time.sleep(2)
        cpu = cpu_seconds(pid) - cpu_before
        wall = time.monotonic() - wall_before
        # A busy-loop detector, not a timing: a spinning accept burns a whole core.
        assert cpu < 0.5 * wall, f"{cpu:.2f} s of CPU in {wall:.2f} s"
    finally:
        for sock in sockets:
            sock.close()
    deadline = time.monotonic() + 20
    while True:
        try:
            if server.raw("GET", "/healthz", timeout=2).status_code == 200:
                break
        except Exception:
            pass
        assert time.monotonic() < deadline, "/healthz did not answer once descriptors freed up"
        time.sleep(0.1)
    assert server.process.poll() is None


# --- item 15: HEAD ------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/healthz", "/api/v1/emails", "/api/v1/settings/unsubscribe"])
def test_head_then_get_on_one_connection_stay_in_step(server, admin, path):
    auth = f"Authorization: Bearer {token_of(admin)}\r\n"
    with connect(server) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\n".encode())
        status, headers, get_body, left = read_full_response(sock)
        assert status == 200 and left == b""

        sock.sendall(f"HEAD {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\n".encode())
        status, head_headers, left = read_response(sock)
        assert status == 200
        assert head_headers.get("content-length", str(len(get_body))) == str(len(get_body))

        # No body followed the HEAD answer: the next answer starts right at its status line.
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\n".encode())
        status, _, body, left = read_full_response(sock, left)
        assert status == 200
        assert json.loads(body) is not None and left == b""


def test_head_of_the_csv_export_is_refused_without_building_it(server, admin):
    r = admin.request("HEAD", "/suppressions/export")
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET"
    assert r.content == b""
    assert admin.get("/suppressions/export").status_code == 200


# --- item 16: UTF-8 in the path -------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/suppressions/%C3%28@example.com", "/api/v1/emails/em_%FF%FE",
                                  "/%ED%A0%80", "/api/v1/emails?cursor=%C0%AF"])
def test_invalid_utf8_in_the_url_is_refused(server, admin, path):
    method = "DELETE" if "suppressions" in path else "GET"
    r = admin.request(method, f"{server.url}{path}")
    assert r.status_code == 400, r.text
    error = json.loads(r.content.decode("utf-8"))["error"]
    assert error["code"] == "invalid_request"
    assert ("path" if "?" not in path else "query") in error["message"]


def test_valid_utf8_in_the_path_still_reaches_the_route(server, admin):
    r = admin.get("/emails/em_caf%C3%A9")
    assert r.status_code == 404, r.text
    assert r.json()["error"]["code"] == "not_found"


# --- item 20: /metrics and the database file ---------------------------------------------

def test_metrics_need_the_token_when_one_is_set(make_server):
    server = make_server(env={"SENDGUARD_METRICS_TOKEN": "scrape-me-7f3a"}).start()
    anonymous = server.raw("GET", "/metrics")
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == "Bearer"
    assert "sendguard_" not in anonymous.text
    wrong = server.raw("GET", "/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    right = server.raw("GET", "/metrics", headers={"Authorization": "Bearer scrape-me-7f3a"})
    assert right.status_code == 200
    assert "sendguard_http_requests_total" in right.text


def test_database_files_are_readable_by_their_owner_only(server, admin):
    assert admin.send(["ann@example.com"]).status_code in (200, 201, 202)
    for name in ("sendguard.db", "sendguard.db-wal", "sendguard.db-shm"):
        mode = stat.S_IMODE(os.stat(server.dir / name).st_mode)
        assert mode == 0o600, f"{name}: {oct(mode)}"
