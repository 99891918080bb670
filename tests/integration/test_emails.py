"""POST /emails and the emails log: blocking, delivery, message format, validation, idempotency."""
import re
import threading
from email.header import decode_header, make_header

import pytest
import requests
from sendguard import Client

SOURCES = ["web_app", "gmail", "outlook", "salesforce", "api", "email_client"]


@pytest.fixture
def checked(server, admin, sim):
    """The check switched on; returns the admin client."""
    admin.enable_check(sim)
    return admin


def barrier(client, sink, count):
    """Sends one allowed email and waits until it and everything before it were delivered;
    returns the sink's messages, so a test can assert nothing else arrived."""
    reply = client.send(["barrier@example.com"], subject="barrier")
    assert reply.status_code == 202, reply.text
    client.wait_status(reply.json()["id"], {"sent"})
    return sink.wait_for(count + 1)


def all_emails(client, **filters):
    emails, cursor = [], None
    while True:
        params = {**filters, **({"cursor": cursor} if cursor else {})}
        page = client.get("/emails", params=params)
        assert page.status_code == 200, page.text
        emails += page.json()["emails"]
        cursor = page.json()["next_cursor"]
        if not cursor:
            return emails


def test_unsubscribed_recipients_in_to_cc_and_bcc_are_all_named_and_nothing_is_sent(
        checked, user, sim, sink):
    sim.add_leads([{"email": "ann@x.com", "unsubscribed": True},
                   {"email": "Bob@X.com", "unsubscribed": True},
                   {"email": "carl@x.com", "unsubscribed": True}, {"email": "ok@x.com"}])

    reply = user.send(["Ann@X.com", "ok@x.com"], cc=["BOB@x.com"], bcc=["carl@X.com"],
                      subject="Blocked one")

    assert reply.status_code == 422, reply.text
    error = reply.json()["error"]
    assert error["code"] == "recipient_unsubscribed"
    assert sorted(error["recipients"]) == sorted(["Ann@X.com", "BOB@x.com", "carl@X.com"])
    assert [m["msg"]["Subject"] for m in barrier(user, sink, 0)] == ["barrier"]
    [blocked] = [e for e in all_emails(user) if e["subject"] == "Blocked one"]
    assert blocked["status"] == "blocked"
    assert blocked["reason"] == "marketo_unsubscribed"
    assert blocked["to"] == ["Ann@X.com", "ok@x.com"]
    assert blocked["sent_at"] is None


def test_unsubscribed_recipient_beyond_the_first_300_is_found(checked, user, sim, sink):
    bcc = [f"list{i:03d}@x.com" for i in range(349)]
    sim.add_leads([{"email": "list340@x.com", "unsubscribed": True}])

    reply = user.send(["ann@x.com"], bcc=bcc, subject="Many")

    assert reply.status_code == 422, reply.text
    assert reply.json()["error"]["recipients"] == ["list340@x.com"]
    assert sim.stats()["lookup_values"] == 350


def test_only_a_bcc_recipient_unsubscribed_still_blocks(checked, user, sim, sink):
    sim.add_leads([{"email": "hidden@x.com", "unsubscribed": True}])

    reply = user.send(["ok@x.com"], bcc=["Hidden@x.com"])

    assert reply.status_code == 422
    assert reply.json()["error"]["recipients"] == ["Hidden@x.com"]
    assert [m["msg"]["Subject"] for m in barrier(user, sink, 0)] == ["barrier"]


def test_check_off_sends_without_asking_marketo(server, admin, user, sim, sink):
    sim.add_leads([{"email": "gone@x.com", "unsubscribed": True}])
    assert admin.connect_marketo(sim).status_code == 200
    before = sim.stats()

    reply = user.send(["gone@x.com"])

    assert reply.status_code == 202, reply.text
    user.wait_status(reply.json()["id"], {"sent"})
    assert [m["rcpt_tos"] for m in sink.wait_for(1)] == [["gone@x.com"]]
    after = sim.stats()
    assert (after["token_calls"], after["rest_calls"]) == (before["token_calls"], before["rest_calls"])


def test_allowed_email_is_queued_then_delivered_to_every_recipient(checked, user, sim, sink):
    sim.add_leads([{"email": "ann@x.com"}])

    reply = user.send(["Ann@X.com"], cc=["cc1@x.com", "cc2@x.com"], bcc=["secret@x.com"],
                      subject="Deal", text="plain", html="<p>rich</p>")

    assert reply.status_code == 202, reply.text
    assert reply.json()["status"] == "queued"
    email = user.wait_status(reply.json()["id"], {"sent"})
    assert email["sent_at"] and email["reason"] is None
    messages = sink.wait_for(1)
    delivered = sorted(r for m in messages for r in m["rcpt_tos"])
    assert delivered == sorted(["Ann@X.com", "cc1@x.com", "cc2@x.com", "secret@x.com"])
    assert all(m["mail_from"] == "sam@acme.com" for m in messages)


def test_delivered_message_headers_and_body(checked, user, sink, server):
    subject = "Grüße aus Köln — 価格の見積もり"
    reply = user.send(["ann@x.com"], cc=["Cid@X.com"], bcc=["secret@x.com"], subject=subject,
                      text="Hallo Ann,\nbis bald.", html="<p>Hallo <b>Ann</b></p>")
    assert reply.status_code == 202, reply.text
    user.wait_status(reply.json()["id"], {"sent"})

    messages = sink.wait_for(3)
    assert len(messages) == 3
    for message in messages:
        raw_headers = message["raw"].split(b"\r\n\r\n", 1)[0]
        assert all(byte < 0x80 for byte in raw_headers), raw_headers
        msg = message["msg"]
        assert msg["Message-ID"] and re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", msg["Message-ID"].strip())
        assert msg["Date"].datetime is not None
        assert msg["From"].addresses[0].addr_spec == "sam@acme.com"
        assert [a.addr_spec for a in msg["To"].addresses] == ["ann@x.com"]
        assert [a.addr_spec for a in msg["Cc"].addresses] == ["Cid@X.com"]
        assert msg["Bcc"] is None
        assert b"secret@x.com" not in message["raw"]
        raw_subject = re.search(rb"^Subject:([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", raw_headers, re.M).group(1)
        assert str(make_header(decode_header(raw_subject.decode("ascii")))).strip() == subject
        assert msg["Subject"] == subject
        assert msg.get_content_type() == "multipart/alternative"
        parts = {p.get_content_type(): p.get_content() for p in msg.iter_parts()}
        assert set(parts) == {"text/plain", "text/html"}
        assert parts["text/plain"].replace("\r\n", "\n").rstrip("\n") == "Hallo Ann,\nbis bald."
        assert parts["text/html"].rstrip("\r\n") == "<p>Hallo <b>Ann</b></p>"
        assert re.fullmatch(re.escape(f"<{server.url}/u/") + r"[A-Za-z0-9_\-.~%]+>",
                            msg["List-Unsubscribe"].strip()), msg["List-Unsubscribe"]
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sorted(r for m in messages for r in m["rcpt_tos"]) == ["Cid@X.com", "ann@x.com",
                                                                  "secret@x.com"]


def test_body_text_survives_delivery_exactly(checked, user, sink):
    text = ("Grüße, Ann — 価格の見積もり\n"
            ".\n"
            ".starts with a dot\n"
            "From the desk of Sam\n"
            "trailing spaces   \n"
            "= signs =3D and tabs\there\n"
            + "long " * 400 + "\n"
            "last line")
    html = "<p>Grüße, <b>Ann</b></p>\n.\n<p>" + "x" * 1500 + "</p>"
    reply = user.send(["ann@x.com"], subject="Body", text=text, html=html)
    assert reply.status_code == 202, reply.text
    user.wait_status(reply.json()["id"], {"sent"})

    [message] = sink.wait_for(1)
    assert all(byte < 0x80 for byte in message["raw"])
    assert all(len(line) <= 998 for line in message["raw"].split(b"\r\n"))
    parts = {p.get_content_type(): p.get_content() for p in message["msg"].iter_parts()}
    assert parts["text/plain"].replace("\r\n", "\n").rstrip("\n") == text
    assert parts["text/html"].replace("\r\n", "\n").rstrip("\n") == html


def test_every_workflow_and_source_is_accepted_and_echoed(checked, user, sink):
    sent = {}
    for workflow in ("individual", "plugin"):
        for source in SOURCES:
            reply = user.send(["ann@x.com"], workflow=workflow, source=source,
                              subject=f"{workflow}/{source}")
            assert reply.status_code == 202, (workflow, source, reply.text)
            sent[reply.json()["id"]] = (workflow, source)

    for email_id, (workflow, source) in sent.items():
        email = user.get(f"/emails/{email_id}").json()
        assert (email["id"], email["workflow"], email["source"]) == (email_id, workflow, source)
        assert email["subject"] == f"{workflow}/{source}"
    assert len(sink.wait_for(2 * len(SOURCES))) == 2 * len(SOURCES)


@pytest.mark.parametrize("field,value", [("workflow", "campaign"), ("workflow", "bogus"),
                                         ("workflow", 7), ("source", "fax"), ("source", "")])
def test_invalid_workflow_or_source_is_a_400_naming_the_field(checked, user, field, value):
    reply = user.send(["ann@x.com"], **{field: value})

    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["code"] == "invalid_request"
    assert reply.json()["error"]["field"] == field
    assert all_emails(user) == []


@pytest.mark.parametrize("lists,field", [
    ({"to": ["ok@x.com"], "cc": ["nope"]}, "cc[0]"),
    ({"to": ["ok@x.com", "a@@x.com"]}, "to[1]"),
    ({"to": ["ok@x.com"], "cc": ["c@x.com"], "bcc": ["b@x.com", "b@x..com"]}, "bcc[1]"),
    ({"to": ["ok@x.com\r\nBcc: evil@x.com"]}, "to[0]"),
])
def test_invalid_address_is_a_400_naming_its_field(checked, user, lists, field):
    reply = user.send(**lists)

    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["code"] == "invalid_request"
    assert reply.json()["error"]["field"] == field
    assert all_emails(user) == []


@pytest.mark.parametrize("subject", ["Hi\r\nBcc: evil@x.com", "Hi\nBcc: evil@x.com", "Hi\rthere"])
def test_line_breaks_in_the_subject_are_refused_and_nothing_is_sent(checked, user, sink, subject):
    reply = user.send(["ann@x.com"], subject=subject)

    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["code"] == "invalid_request"
    assert reply.json()["error"]["field"] == "subject"
    assert all_emails(user) == []
    messages = barrier(user, sink, 0)
    assert [m["rcpt_tos"] for m in messages] == [["barrier@example.com"]]


def test_malformed_json_is_a_400(checked, user):
    reply = user.request("POST", "/emails", data=b'{"to": ["ann@x.com"], "subject": ',
                         headers={"Content-Type": "application/json"})

    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == "invalid_request"
    assert all_emails(user) == []


def test_body_over_1_mib_is_413(checked, user):
    body = b'{"to": ["ann@x.com"], "subject": "big", "text": "' + b"x" * (1 << 20) + b'"}'

    reply = user.request("POST", "/emails", data=body, headers={"Content-Type": "application/json"})

    assert reply.status_code == 413
    assert reply.json()["error"]["code"] == "payload_too_large"
    assert all_emails(user) == []


def test_same_idempotency_key_twice_sends_once(checked, user, sink):
    first = user.send(["ann@x.com"], subject="Once", idempotency_key="key-1")
    second = user.send(["ann@x.com"], subject="Once", idempotency_key="key-1")

    assert first.status_code == second.status_code == 202
    assert second.json() == first.json()
    user.wait_status(first.json()["id"], {"sent"})
    messages = barrier(user, sink, 1)
    assert sorted(m["msg"]["Subject"] for m in messages) == ["Once", "barrier"]
    assert [e["id"] for e in all_emails(user) if e["subject"] == "Once"] == [first.json()["id"]]


def test_concurrent_twins_with_one_idempotency_key_send_once(checked, user, sink, server):
    replies = [None] * 8

    def one(i):
        replies[i] = Client(server.url, user.token).send(["ann@x.com"], subject="Twins",
                                                         idempotency_key="key-twins")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert {r.status_code for r in replies} == {202}
    assert len({r.json()["id"] for r in replies}) == 1
    user.wait_status(replies[0].json()["id"], {"sent"})
    messages = barrier(user, sink, 1)
    assert sorted(m["msg"]["Subject"] for m in messages) == ["Twins", "barrier"]
    assert [e["subject"] for e in all_emails(user)].count("Twins") == 1


def test_same_idempotency_key_with_a_different_body_is_409(checked, user, sink):
    first = user.send(["ann@x.com"], subject="First", idempotency_key="key-2")
    other = user.send(["ann@x.com"], subject="Second", idempotency_key="key-2")

    assert first.status_code == 202
    assert other.status_code == 409, other.text
    assert other.json()["error"]["code"]
    user.wait_status(first.json()["id"], {"sent"})
    assert [e["subject"] for e in all_emails(user)] == ["First"]


def test_blocked_send_with_a_key_replays_the_same_422(checked, user, sim, sink):
    sim.add_leads([{"email": "gone@x.com", "unsubscribed": True}])
    first = user.send(["Gone@x.com"], idempotency_key="key-3")
    sim.set_unsubscribed("gone@x.com", False)

    again = user.send(["Gone@x.com"], idempotency_key="key-3")

    assert first.status_code == again.status_code == 422
    assert again.json()["error"]["code"] == "recipient_unsubscribed"
    assert again.json()["error"]["recipients"] == first.json()["error"]["recipients"] == ["Gone@x.com"]
    assert [e["status"] for e in all_emails(user)] == ["blocked"]
    assert [m["msg"]["Subject"] for m in barrier(user, sink, 0)] == ["barrier"]


def test_emails_log_filters_by_status_and_workflow(checked, user, sim, sink):
    sim.add_leads([{"email": "gone@x.com", "unsubscribed": True}])
    ids = {}
    for name, workflow, to in [("i1", "individual", "a@x.com"), ("p1", "plugin", "b@x.com"),
                               ("p2", "plugin", "gone@x.com"), ("i2", "individual", "gone@x.com"),
                               ("p3", "plugin", "c@x.com")]:
        reply = user.send([to], workflow=workflow, subject=name)
        ids[name] = reply.json().get("id") if reply.status_code == 202 else None
    for name in ("i1", "p1", "p3"):
        user.wait_status(ids[name], {"sent"})

    def subjects(**filters):
        return sorted(e["subject"] for e in all_emails(user, **filters))

    assert subjects(status="sent") == ["i1", "p1", "p3"]
    assert subjects(status="blocked") == ["i2", "p2"]
    assert subjects(workflow="plugin") == ["p1", "p2", "p3"]
    assert subjects(workflow="individual", status="blocked") == ["i2"]
    assert subjects(status="queued") == []
    assert subjects() == ["i1", "i2", "p1", "p2", "p3"]


def test_paging_with_limit_and_cursor_covers_every_email_once(checked, user, sim, sink):
    sim.add_leads([{"email": "gone@x.com", "unsubscribed": True}])
    expected = set()
    for i in range(11):
        reply = user.send(["gone@x.com" if i % 4 == 0 else f"p{i}@x.com"], subject=f"page-{i}")
        assert reply.status_code in (202, 422)
        expected.add(f"page-{i}")

    seen, cursor, pages = [], None, 0
    while True:
        reply = user.get("/emails", params={"limit": 3, **({"cursor": cursor} if cursor else {})})
        assert reply.status_code == 200, reply.text
        page = reply.json()
        assert len(page["emails"]) <= 3
        seen += [e["subject"] for e in page["emails"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert len(page["emails"]) == 3

    assert sorted(seen) == sorted(expected)
    assert len(seen) == len(set(seen)) == 11
    assert pages == 4


def test_unknown_email_is_404(checked, user):
    reply = user.get("/emails/em_does_not_exist")

    assert reply.status_code == 404
    assert reply.json()["error"]["code"] == "not_found"


def test_emails_log_needs_a_token(server):
    reply = requests.get(f"{server.url}/api/v1/emails", timeout=10)

    assert reply.status_code == 401
    assert reply.json()["error"]["code"] == "unauthorized"
