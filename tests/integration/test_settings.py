"""The team-wide unsubscribe setting: defaults, who may change it, validation and its audit trail."""
import json

import pytest

from assertions import assert_error

DEFAULTS = {"marketo_check_enabled": False, "on_check_unavailable": "block"}
SETTINGS_CHANGED = "settings.unsubscribe.updated"


def settings_of(client):
    reply = client.get("/settings/unsubscribe")
    assert reply.status_code == 200, reply.text
    return reply.json()


def audit_entries(admin, action=SETTINGS_CHANGED):
    reply = admin.get("/audit")
    assert reply.status_code == 200, reply.text
    return [e for e in reply.json()["entries"] if e["action"] == action]


def test_defaults_are_check_off_and_policy_block(admin):
    assert settings_of(admin) == DEFAULTS


def test_any_member_can_read_the_settings(admin, user):
    assert settings_of(user) == DEFAULTS
    assert admin.put("/settings/unsubscribe", {"on_check_unavailable": "send"}).status_code == 200
    assert settings_of(user) == {"marketo_check_enabled": False, "on_check_unavailable": "send"}


def test_user_cannot_change_the_settings_and_nothing_changes(admin, user, sim):
    assert admin.connect_marketo(sim).status_code == 200

    for body in ({"on_check_unavailable": "send"}, {"marketo_check_enabled": True},
                 {"marketo_check_enabled": True, "on_check_unavailable": "send"}):
        assert_error(user.put("/settings/unsubscribe", body), 403, "forbidden")

    assert settings_of(admin) == DEFAULTS
    assert audit_entries(admin) == []


def test_user_cannot_switch_the_check_off_either(admin, user, sim):
    admin.enable_check(sim)

    assert_error(user.put("/settings/unsubscribe", {"marketo_check_enabled": False}), 403, "forbidden")

    assert settings_of(admin) == {"marketo_check_enabled": True, "on_check_unavailable": "block"}


def test_enabling_without_marketo_connection_is_409_and_changes_nothing(admin):
    assert_error(admin.put("/settings/unsubscribe", {"marketo_check_enabled": True}),
                 409, "marketo_not_connected")
    assert settings_of(admin) == DEFAULTS
    assert audit_entries(admin) == []


def test_refused_enable_does_not_apply_the_policy_given_with_it(admin):
    reply = admin.put("/settings/unsubscribe",
                      {"marketo_check_enabled": True, "on_check_unavailable": "send"})
    assert_error(reply, 409, "marketo_not_connected")
    assert settings_of(admin) == DEFAULTS


def test_enabling_with_a_connection_returns_and_keeps_the_new_settings(admin, sim):
    assert admin.connect_marketo(sim).status_code == 200

    reply = admin.put("/settings/unsubscribe", {"marketo_check_enabled": True})
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"marketo_check_enabled": True, "on_check_unavailable": "block"}
    assert settings_of(admin) == {"marketo_check_enabled": True, "on_check_unavailable": "block"}

    reply = admin.put("/settings/unsubscribe", {"marketo_check_enabled": False})
    assert reply.status_code == 200, reply.text
    assert reply.json() == DEFAULTS
    assert settings_of(admin) == DEFAULTS


@pytest.mark.parametrize("policy", ["send", "block"])
def test_policy_accepts_block_and_send(admin, policy):
    reply = admin.put("/settings/unsubscribe", {"on_check_unavailable": policy})
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"marketo_check_enabled": False, "on_check_unavailable": policy}
    assert settings_of(admin) == {"marketo_check_enabled": False, "on_check_unavailable": policy}


def test_policy_change_leaves_the_check_switch_alone(admin, sim):
    admin.enable_check(sim)

    reply = admin.put("/settings/unsubscribe", {"on_check_unavailable": "send"})
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"marketo_check_enabled": True, "on_check_unavailable": "send"}

    reply = admin.put("/settings/unsubscribe", {"on_check_unavailable": "block"})
    assert reply.json() == {"marketo_check_enabled": True, "on_check_unavailable": "block"}


@pytest.mark.parametrize("policy", ["allow", "BLOCKED", "", 1, True, ["send"], {"mode": "send"}])
def test_invalid_policy_is_400_naming_the_field(admin, policy):
    error = assert_error(admin.put("/settings/unsubscribe", {"on_check_unavailable": policy}),
                         400, "invalid_request")
    assert error["field"] == "on_check_unavailable"
    assert settings_of(admin) == DEFAULTS


@pytest.mark.parametrize("enabled", ["true", 1, "yes", [True]])
def test_non_boolean_check_switch_is_400_naming_the_field(admin, sim, enabled):
    assert admin.connect_marketo(sim).status_code == 200
    error = assert_error(admin.put("/settings/unsubscribe", {"marketo_check_enabled": enabled}),
                         400, "invalid_request")
    assert error["field"] == "marketo_check_enabled"
    assert settings_of(admin) == DEFAULTS


@pytest.mark.parametrize("body", [b'{"on_check_unavailable": "send"', b"on_check_unavailable=send",
                                  b'{"on_check_unavailable": send}', b"\xff\xfe"])
def test_malformed_json_is_400(admin, body):
    reply = admin.put("/settings/unsubscribe", data=body,
                      headers={"Content-Type": "application/json"})
    assert_error(reply, 400, "invalid_request")
    assert settings_of(admin) == DEFAULTS


@pytest.mark.parametrize("body", [[], [{"on_check_unavailable": "send"}], "send", 1, True, None])
def test_body_that_is_not_an_object_is_400(admin, body):
    reply = admin.put("/settings/unsubscribe", data=json.dumps(body),
                      headers={"Content-Type": "application/json"})
    assert_error(reply, 400, "invalid_request")
    assert settings_of(admin) == DEFAULTS


def test_empty_body_is_400(admin):
    reply = admin.put("/settings/unsubscribe", data=b"", headers={"Content-Type": "application/json"})
    assert_error(reply, 400, "invalid_request")
    assert settings_of(admin) == DEFAULTS


def test_body_without_either_field_is_400(admin):
    error = assert_error(admin.put("/settings/unsubscribe", {}), 400, "invalid_request")
    assert error["field"]
    assert settings_of(admin) == DEFAULTS


def test_every_change_is_audit_logged_with_actor_and_before_after(admin, sim):
    admin.connect_marketo(sim)
    steps = [{"on_check_unavailable": "send"}, {"marketo_check_enabled": True},
             {"on_check_unavailable": "block"}, {"marketo_check_enabled": False}]
    states = [dict(DEFAULTS)]
    for step in steps:
        reply = admin.put("/settings/unsubscribe", step)
        assert reply.status_code == 200, reply.text
        states.append({**states[-1], **step})

    entries = audit_entries(admin)
    assert len(entries) == len(steps)
    assert all(e["actor"] == "admin@acme.com" for e in entries)
    assert all(e["at"].endswith("Z") for e in entries)
    logged = [(e["before"], e["after"]) for e in entries]
    expected = list(zip(states, states[1:]))
    assert logged in (expected, expected[::-1])


def test_failed_or_forbidden_changes_are_not_audit_logged(admin, user):
    user.put("/settings/unsubscribe", {"on_check_unavailable": "send"})
    admin.put("/settings/unsubscribe", {"marketo_check_enabled": True})
    admin.put("/settings/unsubscribe", {"on_check_unavailable": "maybe"})

    assert audit_entries(admin) == []


def test_audit_log_names_the_admin_who_made_the_change(server, admin):
    other = server.add_user("Acme", "ops@acme.com", "admin")

    assert other.put("/settings/unsubscribe", {"on_check_unavailable": "send"}).status_code == 200

    entries = audit_entries(admin)
    assert [(e["actor"], e["before"], e["after"]) for e in entries] == [
        ("ops@acme.com", DEFAULTS, {"marketo_check_enabled": False, "on_check_unavailable": "send"})]


def test_users_cannot_read_the_audit_log(admin, user):
    admin.put("/settings/unsubscribe", {"on_check_unavailable": "send"})

    reply = user.get("/audit")
    assert_error(reply, 403, "forbidden")
    assert "entries" not in reply.json()
