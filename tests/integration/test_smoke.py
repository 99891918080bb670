"""The walk-through of the README: connect Marketo, switch the check on, one blocked
and one allowed send reaching the SMTP sink."""


def test_blocked_and_allowed_send(server, admin, sim, sink):
    sim.add_leads([{"email": "Bob@Example.com", "unsubscribed": True}, {"email": "ann@example.com"}])
    admin.enable_check(sim)

    blocked = admin.send(["bob@example.com"])
    assert blocked.status_code == 422
    assert blocked.json()["error"]["code"] == "recipient_unsubscribed"
    assert blocked.json()["error"]["recipients"] == ["bob@example.com"]

    allowed = admin.send(["ann@example.com"], subject="Quarterly update")
    assert allowed.status_code == 202, allowed.text
    assert allowed.json()["status"] == "queued"
    email = admin.wait_status(allowed.json()["id"], {"sent"})
    assert email["sent_at"]

    messages = sink.wait_for(1)
    assert [m["rcpt_tos"] for m in messages] == [["ann@example.com"]]
    assert messages[0]["msg"]["Subject"] == "Quarterly update"
