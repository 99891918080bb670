"""The test peers behave like the real Marketo and a real SMTP server where tests rely on it."""
import smtplib
import sys
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from peers import CLIENT_ID, CLIENT_SECRET, MarketoSim, SmtpSink  # noqa: E402

FIELDS = "email,unsubscribed,unsubscribedReason"


@pytest.fixture(scope="module")
def sim():
    with MarketoSim() as peer:
        yield peer


@pytest.fixture
def marketo(sim):
    sim.reset()
    return sim


@pytest.fixture(scope="module")
def sink():
    with SmtpSink() as peer:
        yield peer


def token(sim, secret=CLIENT_SECRET):
    return requests.get(f"{sim.identity_endpoint}/oauth/token", timeout=5, params={
        "grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": secret})


def lookup(sim, emails, bearer=None, timeout=5, **extra):
    bearer = bearer or token(sim).json()["access_token"]
    params = {"filterType": "email", "filterValues": ",".join(emails), "fields": FIELDS, **extra}
    return requests.get(f"{sim.rest_endpoint}/v1/leads.json", params=params, timeout=timeout,
                        headers={"Authorization": f"Bearer {bearer}"})


def error_code(reply):
    body = reply.json()
    assert reply.status_code == 200 and body["success"] is False
    return body["errors"][0]["code"]


def test_token_is_reused_with_decreasing_expires_in(marketo):
    first = token(marketo).json()
    time.sleep(1.05)
    second = token(marketo).json()
    assert second["access_token"] == first["access_token"]
    assert first["access_token"].endswith(":int") and first["token_type"] == "bearer"
    assert second["expires_in"] < first["expires_in"] <= 3600


def test_expired_token_is_replaced_and_rejected_with_602(marketo):
    old = token(marketo).json()["access_token"]
    marketo.expire_tokens()
    assert error_code(lookup(marketo, ["a@x.test"], bearer=old)) == "602"
    assert token(marketo).json()["access_token"] != old


def test_bad_credentials_get_401(marketo):
    reply = token(marketo, secret="wrong")
    assert reply.status_code == 401
    assert reply.json() == {"error": "invalid_client",
                            "error_description": "Bad client credentials"}


def test_lookup_matches_case_insensitively_and_returns_every_lead(marketo):
    ann1, ann2, _ = marketo.add_leads([{"email": "Ann@X.test", "unsubscribed": True},
                                       {"email": "ann@x.test"}, {"email": "bob@y.test"}])
    body = lookup(marketo, ["ANN@x.test", "nobody@z.test"]).json()
    assert body["success"] is True and "moreResult" not in body
    assert body["result"] == [
        {"id": ann1["id"], "email": "Ann@X.test", "unsubscribed": True, "unsubscribedReason": None},
        {"id": ann2["id"], "email": "ann@x.test", "unsubscribed": False,
         "unsubscribedReason": None}]


def test_post_with_method_get_reads_the_form_body(marketo):
    marketo.add_leads([{"email": "ann@x.test"}])
    marketo.set_unsubscribed("ANN@x.test", True)
    bearer = token(marketo).json()["access_token"]
    reply = requests.post(f"{marketo.rest_endpoint}/v1/leads.json?_method=GET", timeout=5,
                          data={"filterType": "email", "filterValues": "ann@x.test",
                                "fields": FIELDS},
                          headers={"Authorization": f"Bearer {bearer}"})
    assert [lead["unsubscribed"] for lead in reply.json()["result"]] == [True]


def test_too_many_values_and_too_long_uri_are_refused(marketo):
    emails = [f"person{i}@example.test" for i in range(301)]
    assert error_code(lookup(marketo, emails)) == "1003"
    assert lookup(marketo, [f"person{i}@example.test" for i in range(400)]).status_code == 414


def test_access_token_query_parameter_is_not_accepted(marketo):
    bearer = token(marketo).json()["access_token"]
    reply = requests.get(f"{marketo.rest_endpoint}/v1/leads.json", timeout=5, params={
        "filterType": "email", "filterValues": "a@x.test", "access_token": bearer})
    assert error_code(reply) == "601"


def test_lookup_pages_with_next_page_token(marketo):
    marketo.config(page_size=2)
    marketo.add_leads([{"email": "dup@x.test"} for _ in range(5)])
    bearer = token(marketo).json()["access_token"]
    pages, extra = [], {}
    while True:
        body = lookup(marketo, ["dup@x.test"], bearer=bearer, **extra).json()
        pages.append(len(body["result"]))
        if not body.get("moreResult"):
            break
        extra = {"nextPageToken": body["nextPageToken"]}
    assert pages == [2, 2, 1]


def test_update_only_writes_unsubscribe_back(marketo):
    marketo.add_leads([{"email": "ann@x.test"}])
    bearer = token(marketo).json()["access_token"]
    reply = requests.post(f"{marketo.rest_endpoint}/v1/leads.json", timeout=5, json={
        "action": "updateOnly", "lookupField": "email",
        "input": [{"email": "ANN@x.test", "unsubscribed": True}, {"email": "no@x.test"}]},
        headers={"Authorization": f"Bearer {bearer}"})
    updated, skipped = reply.json()["result"]
    assert updated["status"] == "updated" and skipped["reasons"][0]["code"] == "1004"
    assert marketo.leads()[0]["unsubscribed"] is True


def test_injected_error_then_success(marketo):
    marketo.faults([{"kind": "error", "code": "606", "count": 1}])
    bearer = token(marketo).json()["access_token"]
    assert error_code(lookup(marketo, ["a@x.test"], bearer=bearer)) == "606"
    assert lookup(marketo, ["a@x.test"], bearer=bearer).json()["success"] is True
    stats = marketo.stats()
    assert stats["errors_by_code"] == {"606": 1}
    assert stats["limit_errors"]["606"] == 0


def test_rate_limit_is_enforced(marketo):
    marketo.config(rate_limit_calls=3, rate_limit_window_seconds=2)
    bearer = token(marketo).json()["access_token"]
    codes = [lookup(marketo, ["a@x.test"], bearer=bearer).json().get("errors", [{}])[0].get("code")
             for _ in range(4)]
    assert codes == [None, None, None, "606"]
    stats = marketo.stats()
    assert stats["limit_errors"]["606"] == 1 and stats["token_calls"] == 1
    assert stats["rest_calls"] == 4


def test_concurrency_limit_is_enforced(marketo):
    marketo.config(max_concurrent=2, latency_ms=300)
    bearer = token(marketo).json()["access_token"]
    start = threading.Barrier(4)
    replies = []

    def call():
        start.wait()
        replies.append(lookup(marketo, ["a@x.test"], bearer=bearer).json())

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refused = [r for r in replies if not r["success"]]
    assert refused and all(r["errors"][0]["code"] == "615" for r in refused)
    stats = marketo.stats()
    assert stats["limit_errors"]["615"] == len(refused) and stats["max_concurrent_seen"] > 2


def test_transport_faults(marketo):
    bearer = token(marketo).json()["access_token"]
    marketo.faults([{"kind": "http_status", "status": 502}, {"kind": "close"},
                    {"kind": "garbage"}, {"kind": "timeout", "seconds": 1}])
    assert lookup(marketo, ["a@x.test"], bearer=bearer).status_code == 502
    with pytest.raises(requests.ConnectionError):
        lookup(marketo, ["a@x.test"], bearer=bearer)
    with pytest.raises(ValueError):
        lookup(marketo, ["a@x.test"], bearer=bearer).json()
    with pytest.raises(requests.Timeout):
        lookup(marketo, ["a@x.test"], bearer=bearer, timeout=0.3)
    assert lookup(marketo, ["a@x.test"], bearer=bearer).json()["success"] is True


def test_token_endpoint_faults(marketo):
    marketo.faults([{"kind": "http_status", "status": 502}], endpoint="token")
    assert token(marketo).status_code == 502
    assert token(marketo).status_code == 200


def test_sink_stores_mail_and_rejects_by_local_part(sink):
    sink.clear()
    message = EmailMessage()
    message["From"] = "rep@sendguard.test"
    message["To"] = "ok@x.test"
    message["Subject"] = "Grüße"
    message.set_content("Hello\n.leading dot\n")
    with smtplib.SMTP(sink.host, sink.port, timeout=5) as smtp:
        refused = smtp.send_message(message, to_addrs=["ok@x.test", "reject-perm-1@x.test"])
    assert refused == {"reject-perm-1@x.test": (550, b"5.1.1 mailbox unavailable")}
    (stored,) = sink.wait_for(1)
    assert stored["mail_from"] == "rep@sendguard.test" and stored["rcpt_tos"] == ["ok@x.test"]
    assert stored["msg"]["Subject"] == "Grüße"
    assert stored["msg"].get_content() == "Hello\n.leading dot\n"


def test_sink_modes(sink):
    sink.clear()
    try:
        sink.set_mode("tempfail")
        with smtplib.SMTP(sink.host, sink.port, timeout=5) as smtp:
            with pytest.raises(smtplib.SMTPDataError) as error:
                smtp.sendmail("rep@sendguard.test", ["ok@x.test"], b"Subject: t\r\n\r\nhi\r\n")
            assert error.value.smtp_code == 451
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                smtp.sendmail("rep@sendguard.test", ["reject-temp@x.test"], b"\r\nhi\r\n")
        sink.set_mode("drop")
        with pytest.raises(smtplib.SMTPServerDisconnected):
            with smtplib.SMTP(sink.host, sink.port, timeout=5) as smtp:
                smtp.sendmail("rep@sendguard.test", ["ok@x.test"], b"Subject: t\r\n\r\nhi\r\n")
    finally:
        sink.set_mode("")
    assert sink.messages() == []
