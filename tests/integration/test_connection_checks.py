"""Connecting reports each check the unsubscribe check relies on: the token, the lead lookup,
the activity read, and the write-back's permission (a warning Marketo gives no way to test)."""
import pytest
import requests

from assertions import assert_error, assert_not_connected

CLIENT = "sg-client"  # the simulator's default client id


def checks_of(reply):
    return {c["name"]: c for c in reply.json()["checks"]}


def test_a_good_connection_lists_every_check_and_warns_about_the_write_back(admin, sim):
    sim.clear_stats()
    reply = admin.connect_marketo(sim)
    assert reply.status_code == 200, reply.text
    checks = checks_of(reply)
    assert [c["name"] for c in reply.json()["checks"]] == ["token", "lead_lookup", "activity_read", "write_back"]
    assert checks["token"] == {"name": "token", "ok": True}
    assert checks["lead_lookup"]["ok"] is True and checks["activity_read"]["ok"] is True
    assert checks["write_back"]["ok"] is None
    assert "Read-Write Lead" in checks["write_back"]["warning"]
    assert sim.activities() == [], "checking changes no lead"
    stats = sim.stats()
    assert (stats["token_calls"], stats["rest_calls"], stats["update_calls"]) == (1, 2, 0)


@pytest.mark.parametrize("granted,failing,permission", [
    (["read_activity"], "lead_lookup", "Read-Only Lead"),
    (["read_lead"], "activity_read", "Read-Only Activity"),
])
def test_each_missing_read_permission_is_named_and_nothing_is_saved(admin, sim, granted, failing, permission):
    sim.config(client_permissions={CLIENT: granted})
    reply = admin.connect_marketo(sim)
    assert_error(reply, 422, "marketo_access_denied")
    check = checks_of(reply)[failing]
    assert check["ok"] is False
    assert check["code"] == "marketo_access_denied"
    assert permission in check["message"]
    assert checks_of(reply)["token"]["ok"] is True
    assert_not_connected(admin)


def test_a_role_without_any_read_names_both(admin, sim):
    sim.config(client_permissions={CLIENT: []})
    sim.clear_stats()
    checks = checks_of(admin.connect_marketo(sim))
    assert sim.stats()["rest_calls"] == 2, "603 is not retried"
    assert checks["lead_lookup"]["ok"] is False and checks["activity_read"]["ok"] is False
    assert_not_connected(admin)


def test_a_read_only_role_connects_with_the_write_back_warning(admin, sim):
    sim.config(client_permissions={CLIENT: ["read_lead", "read_activity"]})
    reply = admin.connect_marketo(sim)
    assert reply.status_code == 200, reply.text
    assert checks_of(reply)["write_back"]["ok"] is None


def test_a_wrong_rest_url_is_named_and_keeps_its_error_code(admin, sim):
    reply = admin.connect_marketo(sim, rest_endpoint=sim.url + "/rest/v2")
    assert_error(reply, 422, "marketo_rest_unreachable")
    check = checks_of(reply)["lead_lookup"]
    assert check["ok"] is False and check["code"] == "marketo_rest_not_found"
    assert "/rest" in check["message"]
    assert_not_connected(admin)


def test_refused_credentials_leave_the_other_checks_untried(admin, sim):
    reply = admin.connect_marketo(sim, client_secret="wrong-secret")
    assert_error(reply, 422, "marketo_auth_failed")
    checks = checks_of(reply)
    assert checks["token"]["ok"] is False and checks["token"]["code"] == "marketo_auth_failed"
    assert all(checks[n]["ok"] is None for n in ("lead_lookup", "activity_read", "write_back"))
    assert_not_connected(admin)


def test_a_read_only_role_is_refused_the_write_back_by_marketo(sim):
    """What the warning foretells: without Read-Write Lead an update fails with 603."""
    sim.config(client_permissions={CLIENT: ["read_lead", "read_activity"]})
    token = requests.post(sim.identity_endpoint + "/oauth/token", timeout=10,
                          data={"grant_type": "client_credentials", "client_id": CLIENT,
                                "client_secret": "sg-secret"}).json()["access_token"]
    reply = requests.post(sim.rest_endpoint + "/v1/leads.json", timeout=10,
                          headers={"Authorization": "Bearer " + token},
                          json={"action": "updateOnly", "lookupField": "email",
                                "input": [{"email": "a@example.com", "unsubscribed": True}]}).json()
    assert reply["success"] is False and reply["errors"][0]["code"] == "603"
