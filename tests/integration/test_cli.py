"""The sendguard command line (help, users, tokens, serve start-up errors) and the operations endpoints."""
import re
import socket
import subprocess

import pytest

from assertions import assert_one_line_error
from sendguard import BINARY, Client

SAMPLE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"'
                    r'(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*\})? '
                    r'(-?[0-9.]+(e[+-]?[0-9]+)?|NaN|[+-]Inf)( -?[0-9]+)?$')


def token_of(result):
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def serve(server, *args, **env):
    """Runs `sendguard serve` expecting it to give up at start-up."""
    try:
        return subprocess.run([str(BINARY), "serve", *args], env={**server.env, **env},
                              capture_output=True, text=True, timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail(f"serve {list(args)} kept running with {env}")


@pytest.mark.parametrize("command", [[], ["serve"], ["user"], ["user", "add"], ["token"],
                                     ["token", "create"], ["relay-credential"], ["relay-credential", "create"]])
def test_help_exits_zero_with_usage(make_server, command):
    result = make_server().cli(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout
    assert "--help" in result.stdout


def test_user_add_prints_a_working_token_last(server):
    result = server.cli("user", "add", "--team", "Acme", "--email", "admin@acme.com", "--role", "admin")

    admin = Client(server.url, token_of(result))
    assert admin.get("/settings/unsubscribe").status_code == 200
    reply = admin.put("/settings/unsubscribe", {"on_check_unavailable": "send"})
    assert reply.status_code == 200, reply.text


def test_user_add_with_role_user_makes_a_non_admin(server):
    result = server.cli("user", "add", "--team", "Acme", "--email", "sam@acme.com", "--role", "user")

    user = Client(server.url, token_of(result))
    assert user.get("/settings/unsubscribe").status_code == 200
    assert user.put("/settings/unsubscribe", {"on_check_unavailable": "send"}).status_code == 403


def test_user_add_to_an_existing_team_joins_it(server, admin):
    result = server.cli("user", "add", "--team", "Acme", "--email", "kim@acme.com", "--role", "user")
    kim = Client(server.url, token_of(result))

    reply = kim.send(["ann@example.com"])

    assert reply.status_code == 202, reply.text
    assert reply.json()["id"] in {e["id"] for e in admin.get("/emails").json()["emails"]}


@pytest.mark.parametrize("spelling", ["admin@acme.com", "Admin@ACME.com"])
def test_duplicate_user_fails_with_one_line(server, admin, spelling):
    result = server.cli("user", "add", "--team", "Acme", "--email", spelling, "--role", "admin")

    assert_one_line_error(result)
    assert admin.get("/settings/unsubscribe").status_code == 200


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@acme.com", "two@@acme.com", "a b@acme.com", ""])
def test_user_add_with_invalid_email_fails_with_one_line(server, email):
    result = server.cli("user", "add", "--team", "Acme", "--email", email, "--role", "admin")
    assert_one_line_error(result)


@pytest.mark.parametrize("role", ["owner", "Admin", ""])
def test_user_add_with_invalid_role_fails_with_one_line(server, role):
    result = server.cli("user", "add", "--team", "Acme", "--email", "x@acme.com", "--role", role)

    assert_one_line_error(result)
    assert_one_line_error(server.cli("token", "create", "--email", "x@acme.com"))


def test_user_add_without_team_fails_with_one_line(server):
    result = server.cli("user", "add", "--email", "x@acme.com", "--role", "user")
    assert_one_line_error(result)


def test_user_add_reads_the_password_from_stdin(server):
    result = server.cli("user", "add", "--team", "Acme", "--email", "pat@acme.com", "--role", "user",
                        "--password-stdin", input="correct horse battery staple\n")

    user = Client(server.url, token_of(result))
    assert user.get("/settings/unsubscribe").status_code == 200


def test_token_create_issues_a_new_working_token(server, admin):
    result = server.cli("token", "create", "--email", "admin@acme.com")

    token = token_of(result)
    assert token != admin.token
    reply = Client(server.url, token).put("/settings/unsubscribe", {"on_check_unavailable": "send"})
    assert reply.status_code == 200, reply.text


def test_token_create_matches_the_email_case_insensitively(server, admin):
    token = token_of(server.cli("token", "create", "--email", "ADMIN@Acme.com"))
    assert Client(server.url, token).get("/audit").status_code == 200


def test_token_create_for_unknown_user_fails_with_one_line(server, admin):
    assert_one_line_error(server.cli("token", "create", "--email", "nobody@acme.com"))


def test_unknown_command_fails_with_one_line(server):
    assert_one_line_error(server.cli("frobnicate"))


@pytest.mark.parametrize("listen", ["nonsense", "127.0.0.1:99999", "127.0.0.1:", "256.1.1.1:8080",
                                    "127.0.0.1:http"])
def test_serve_with_bad_listen_address_exits_with_one_line(make_server, listen):
    assert_one_line_error(serve(make_server(), SENDGUARD_LISTEN=listen))


def test_serve_on_a_port_in_use_exits_with_one_line(make_server):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = serve(make_server(), SENDGUARD_LISTEN=f"127.0.0.1:{taken.getsockname()[1]}")
    assert_one_line_error(result)


@pytest.mark.parametrize("url", ["postgres://sendguard@127.0.0.1:1/sendguard",
                                 "postgresql://sendguard@127.0.0.1:1/sendguard"])
def test_serve_with_unusable_postgres_url_exits_with_one_line(make_server, url):
    assert_one_line_error(serve(make_server(), SENDGUARD_DB=url))


@pytest.mark.parametrize("env", [{"SENDGUARD_CHECK_MAX_AGE": "soon"}, {"SENDGUARD_CHECK_MAX_AGE": "-1"},
                                 {"SENDGUARD_SMTP_URL": "ftp://127.0.0.1:25"},
                                 {"SENDGUARD_MARKETO_BACKGROUND_PERCENT": "0"},
                                 {"SENDGUARD_MARKETO_BACKGROUND_PERCENT": "101"},
                                 {"SENDGUARD_MARKETO_DAILY_QUOTA": "-1"}])
def test_serve_with_bad_setting_exits_with_one_line(make_server, env):
    assert_one_line_error(serve(make_server(), **env))


def test_serve_with_missing_config_file_exits_with_one_line(make_server, tmp_path):
    assert_one_line_error(serve(make_server(), "--config", str(tmp_path / "absent.toml")))


def test_serve_with_unparsable_config_file_exits_with_one_line(make_server, tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("[server\nlisten = \n")
    assert_one_line_error(serve(make_server(), "--config", str(config)))


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_endpoints_answer_200_without_a_token(server, path):
    reply = server.raw("GET", path)
    assert reply.status_code == 200, reply.text


def test_metrics_are_prometheus_text_counting_requests(server, admin):
    assert admin.get("/settings/unsubscribe").status_code == 200
    assert server.raw("GET", "/healthz").status_code == 200

    reply = server.raw("GET", "/metrics")

    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("text/plain")
    lines = reply.text.splitlines()
    assert "# TYPE sendguard_http_requests_total counter" in lines
    requests_total = [line for line in lines if line.startswith("sendguard_http_requests_total{")]
    assert any('status="200"' in line and float(line.rsplit(" ", 1)[1]) >= 1 for line in requests_total)
    for line in lines:
        if line and not line.startswith("#"):
            assert SAMPLE.match(line), line


def test_metrics_report_emails_by_status_and_queue_depth(server, admin, sink):
    admin.wait_status(admin.send(["ann@example.com"]).json()["id"], {"sent"})

    text = server.raw("GET", "/metrics").text

    names = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line and not line.startswith("#")}
    assert any('status="sent"' in line for line in text.splitlines() if line.startswith("sendguard_emails"))
    assert any("queue" in name for name in names), sorted(names)
