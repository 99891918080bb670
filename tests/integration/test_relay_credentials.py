"""Relay credentials (SMTP logins for Salesforce Email Relay) over the real binary: admins
create, list and revoke them through the API and the command line; the password is shown
once and never listed or stored; members and other teams cannot reach them. And the SMTP
settings the web app's "Email client set-up" page shows."""
import re

from assertions import assert_error, assert_invalid, assert_one_line_error
from peers import free_port

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def create(client, name="Salesforce"):
    reply = client.post("/relay-credentials", {"name": name})
    assert reply.status_code == 201, reply.text
    return reply.json()


def test_admin_creates_lists_and_revokes(server, admin):
    made = create(admin)
    assert set(made) == {"id", "name", "username", "password", "created_at"}
    assert made["name"] == "Salesforce"
    assert made["username"].startswith("sgr_") and "@" not in made["username"]
    assert len(made["password"]) >= 40
    assert TIME.match(made["created_at"])

    listed = admin.get("/relay-credentials")
    assert listed.status_code == 200, listed.text
    assert listed.json() == {"relay_credentials": [
        {k: made[k] for k in ("id", "name", "username", "created_at")}]}

    assert admin.delete(f"/relay-credentials/{made['id']}").status_code == 204
    assert admin.get("/relay-credentials").json() == {"relay_credentials": []}
    assert_error(admin.delete(f"/relay-credentials/{made['id']}"), 404, "not_found")


def test_the_password_is_never_listed_nor_stored(server, admin):
    made = create(admin)
    create(admin, "Another system")
    assert made["password"] not in admin.get("/relay-credentials").text
    assert made["password"].encode() not in server.stored_bytes()
    audit = admin.get("/audit")
    assert audit.status_code == 200, audit.text
    assert made["password"] not in audit.text
    assert made["username"] in audit.text


def test_members_who_are_not_admins_are_refused(server, admin, user):
    made = create(admin)
    assert_error(user.get("/relay-credentials"), 403, "forbidden")
    assert_error(user.post("/relay-credentials", {"name": "Salesforce"}), 403, "forbidden")
    # Refused before its body is judged.
    assert_error(user.post("/relay-credentials", {}), 403, "forbidden")
    assert_error(user.delete(f"/relay-credentials/{made['id']}"), 403, "forbidden")
    assert admin.get("/relay-credentials").json()["relay_credentials"][0]["id"] == made["id"]


def test_another_teams_credential_is_not_found(server, admin):
    other = server.add_user("Initech", "boss@initech.com", "admin")
    made = create(admin)
    assert_error(other.delete(f"/relay-credentials/{made['id']}"), 404, "not_found")
    assert other.get("/relay-credentials").json() == {"relay_credentials": []}
    assert len(admin.get("/relay-credentials").json()["relay_credentials"]) == 1


def test_names_are_validated(server, admin):
    assert_invalid(admin.post("/relay-credentials", {}), "name")
    assert_invalid(admin.post("/relay-credentials", {"name": ""}), "name", "name")
    assert_invalid(admin.post("/relay-credentials", {"name": "x" * 101}), "name", "100")
    assert_invalid(admin.post("/relay-credentials", {"name": "Sales\nforce"}), "name", "control")
    assert_invalid(admin.post("/relay-credentials", {"name": 7}), "name")
    assert admin.get("/relay-credentials").json() == {"relay_credentials": []}


def test_cli_creates_lists_and_revokes(server, admin):
    result = server.cli("relay-credential", "create", "--team", "Acme", "--name", "Salesforce")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    made_id = lines[0].split("\t")[1]
    username = lines[1].split("\t")[1]
    password = lines[-1]
    assert username.startswith("sgr_") and password.startswith("sgrp_")

    listed = admin.get("/relay-credentials").json()["relay_credentials"]
    assert [(c["id"], c["username"], c["name"]) for c in listed] == [(made_id, username, "Salesforce")]

    result = server.cli("relay-credential", "list", "--team", "Acme")
    assert result.returncode == 0, result.stderr
    assert username in result.stdout and made_id in result.stdout
    assert password not in result.stdout

    result = server.cli("relay-credential", "revoke", "--id", made_id)
    assert result.returncode == 0, result.stderr
    assert admin.get("/relay-credentials").json() == {"relay_credentials": []}
    assert_one_line_error(server.cli("relay-credential", "revoke", "--id", made_id))


def test_cli_refuses_an_unknown_team_and_a_bad_name(server, admin):
    assert "Nobody" in assert_one_line_error(
        server.cli("relay-credential", "create", "--team", "Nobody", "--name", "Salesforce"))
    assert_one_line_error(server.cli("relay-credential", "list", "--team", "Nobody"))
    assert "name" in assert_one_line_error(
        server.cli("relay-credential", "create", "--team", "Acme", "--name", ""))
    assert admin.get("/relay-credentials").json() == {"relay_credentials": []}


def test_smtp_settings_say_off_when_no_listener_is_configured(server, user):
    reply = user.get("/smtp-settings")
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"enabled": False, "host": "127.0.0.1", "port": None, "tls_port": None}


def test_smtp_settings_show_the_configured_ports_to_any_member(make_server, tls_certificate):
    smtp, smtps = free_port(), free_port()
    cert, key = tls_certificate
    server = make_server(env={"SENDGUARD_SMTP_LISTEN": f"127.0.0.1:{smtp}",
                              "SENDGUARD_SMTPS_LISTEN": f"127.0.0.1:{smtps}",
                              "SENDGUARD_TLS_CERT": str(cert), "SENDGUARD_TLS_KEY": str(key)}).start()
    user = server.add_user("Acme", "sam@acme.com", "user")
    assert user.get("/smtp-settings").json() == {
        "enabled": True, "host": "127.0.0.1", "port": smtp, "tls_port": smtps}
    assert_error(server.anonymous().get("/smtp-settings"), 401, "unauthorized")


def test_a_bad_smtp_listen_address_stops_the_server_at_start(make_server):
    server = make_server(env={"SENDGUARD_SMTP_LISTEN": "nowhere"})
    result = server.cli("serve")
    assert "SENDGUARD_SMTP_LISTEN" in assert_one_line_error(result)


def test_implicit_tls_without_a_certificate_or_half_a_pair_stops_the_server_at_start(make_server, tls_certificate):
    cert, _ = tls_certificate
    for env, named in (({"SENDGUARD_SMTPS_LISTEN": "127.0.0.1:0"}, "SENDGUARD_TLS_CERT"),
                       ({"SENDGUARD_TLS_CERT": str(cert)}, "SENDGUARD_TLS_KEY")):
        result = make_server(env={"SENDGUARD_SMTP_LISTEN": "127.0.0.1:0", **env}).cli("serve")
        assert named in assert_one_line_error(result)
