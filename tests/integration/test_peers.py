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
    return requests.post(f"{sim.identity_endpoint}/oauth/token", timeout=5, data={
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


def test_strict_rate_limit_counts_refused_calls_so_a_retry_inside_the_window_fails_again(marketo):
    marketo.config(rate_limit_calls=2, rate_limit_window_seconds=3, rate_limit_counts_refused=True)
    bearer = token(marketo).json()["access_token"]
    code = lambda: lookup(marketo, ["a@x.test"], bearer=bearer).json().get("errors", [{}])[0].get("code")
    assert [code(), code(), code()] == [None, None, "606"]
    began = time.monotonic()
    while time.monotonic() - began < 2:  # retries inside the window keep it full
        assert code() == "606"
        time.sleep(0.2)
    time.sleep(3.2)  # a whole quiet window
    assert code() is None


def test_strict_lookup_with_more_than_1000_matching_leads_is_1003(marketo):
    marketo.config(lookup_match_limit=1000)
    marketo.add_leads([{"email": "info@big.test"} for _ in range(1001)] + [{"email": "a@x.test"}])
    reply = lookup(marketo, ["a@x.test", "info@big.test"])
    assert error_code(reply) == "1003"
    assert reply.json()["errors"][0]["message"] == "Too many results match the filter"
    assert lookup(marketo, ["a@x.test"]).json()["success"] is True


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


# --- the activity feed ---------------------------------------------------------------

def rest_get(sim, path, bearer=None, **params):
    bearer = bearer or token(sim).json()["access_token"]
    return requests.get(f"{sim.rest_endpoint}/v1/{path}", params=params, timeout=5,
                        headers={"Authorization": f"Bearer {bearer}"})


def paging_token(sim, since="2020-01-01T00:00:00Z", bearer=None):
    return rest_get(sim, "activities/pagingtoken.json", bearer, sinceDatetime=since).json()["nextPageToken"]


def activity_page(sim, page_token, type_ids="9,13", bearer=None, **extra):
    return rest_get(sim, "activities.json", bearer, activityTypeIds=type_ids,
                    nextPageToken=page_token, **extra).json()


def write_back(sim, records, lookup_field="email", bearer=None):
    bearer = bearer or token(sim).json()["access_token"]
    return requests.post(f"{sim.rest_endpoint}/v1/leads.json", timeout=5, json={
        "action": "updateOnly", "lookupField": lookup_field, "input": records},
        headers={"Authorization": f"Bearer {bearer}"}).json()


def attributes(activity):
    return {a["name"]: a["value"] for a in activity["attributes"]}


def test_activity_types_name_unsubscribe_email_and_change_data_value(marketo):
    types = {t["id"]: t for t in rest_get(marketo, "activities/types.json").json()["result"]}
    assert types[9]["name"] == "Unsubscribe Email"
    assert types[13]["name"] == "Change Data Value"
    assert types[13]["primaryAttribute"]["name"] == "Attribute Name"
    assert len(types) > 2
    assert error_code(requests.get(f"{marketo.rest_endpoint}/v1/activities/types.json",
                                   timeout=5)) == "601"


def test_unsubscribe_and_resubscribe_in_marketo_appear_in_the_feed(marketo):
    (ann,) = marketo.add_leads([{"email": "ann@x.test"}])
    bearer = token(marketo).json()["access_token"]
    start = paging_token(marketo, bearer=bearer)
    marketo.set_unsubscribed("ann@x.test", True)
    marketo.set_unsubscribed("ann@x.test", True)  # no change, nothing logged
    marketo.set_unsubscribed("ann@x.test", False)
    page = activity_page(marketo, start, bearer=bearer)
    assert page["success"] is True and page["moreResult"] is False
    unsubscribe, change, resubscribe = page["result"]
    assert {a["leadId"] for a in page["result"]} == {ann["id"]}
    assert (unsubscribe["activityTypeId"], change["activityTypeId"]) == (9, 13)
    assert unsubscribe["primaryAttributeValue"].endswith("Email")
    assert change["primaryAttributeValue"] == "Unsubscribed"
    assert attributes(change)["New Value"] is True and attributes(change)["Old Value"] is False
    assert resubscribe["activityTypeId"] == 13
    assert attributes(resubscribe)["New Value"] is False
    new_lead, *changes = marketo.activities()  # creating ann logged New Lead, of another type
    assert new_lead["activityTypeId"] == 12 and new_lead["leadId"] == ann["id"]
    assert page["result"] == changes
    rest = activity_page(marketo, page["nextPageToken"], bearer=bearer)
    assert "result" not in rest and rest["moreResult"] is False and rest["nextPageToken"]


def test_paging_token_starts_at_the_given_instant(marketo):
    marketo.add_leads([{"email": "ann@x.test"}])
    marketo.set_unsubscribed("ann@x.test", True)
    bearer = token(marketo).json()["access_token"]
    future = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    assert len(activity_page(marketo, paging_token(marketo, bearer=bearer), bearer=bearer)["result"]) == 2
    assert "result" not in activity_page(marketo, paging_token(marketo, future, bearer), bearer=bearer)


def test_write_back_logs_activities_for_changes_only(marketo):
    ann, dup1, dup2 = marketo.add_leads([{"email": "ann@x.test"}, {"email": "dup@x.test"},
                                         {"email": "Dup@x.test"}])
    bearer = token(marketo).json()["access_token"]
    start = paging_token(marketo, bearer=bearer)
    record = {"email": "ANN@x.test", "unsubscribed": True, "unsubscribedReason": "One-click"}
    assert write_back(marketo, [record], bearer=bearer)["result"][0]["status"] == "updated"
    assert write_back(marketo, [record], bearer=bearer)["result"][0]["status"] == "updated"
    (skipped,) = write_back(marketo, [{"email": "dup@x.test", "unsubscribed": True}],
                            bearer=bearer)["result"]
    assert skipped["reasons"][0]["code"] == "1007"
    by_id = write_back(marketo, [{"id": dup1["id"], "unsubscribed": True},
                                 {"id": dup2["id"], "unsubscribed": True}], "id", bearer)
    assert [r["status"] for r in by_id["result"]] == ["updated", "updated"]
    page = activity_page(marketo, start, bearer=bearer)
    assert [(a["leadId"], a["activityTypeId"]) for a in page["result"]] == [
        (ann["id"], 9), (ann["id"], 13), (dup1["id"], 9), (dup1["id"], 13),
        (dup2["id"], 9), (dup2["id"], 13)]
    change = attributes(page["result"][1])
    assert change["Reason"] == "One-click" and change["Source"] == "Web service API"
    assert marketo.leads()[0]["email"] == "ann@x.test"  # the lookup field is not rewritten


def test_activity_pages_follow_batch_size_and_type_filter(marketo):
    leads = marketo.add_leads([{"email": f"p{i}@x.test"} for i in range(3)])
    for lead in leads:
        marketo.add_activities([{"leadId": lead["id"], "activityTypeId": 1,
                                 "primaryAttributeValue": "pricing.html"}])
        marketo.set_unsubscribed(lead["email"], True)
    bearer = token(marketo).json()["access_token"]
    page_token, sizes, seen = paging_token(marketo, bearer=bearer), [], []
    while True:
        page = activity_page(marketo, page_token, "13", bearer, batchSize=2)
        sizes.append(len(page.get("result", [])))
        seen += page.get("result", [])
        page_token = page["nextPageToken"]
        if not page["moreResult"]:
            break
    assert sizes == [2, 1]
    assert [a["leadId"] for a in seen] == [lead["id"] for lead in leads]
    assert {a["activityTypeId"] for a in seen} == {13}

    marketo.config(activity_page_size=1)
    short = activity_page(marketo, paging_token(marketo, bearer=bearer), bearer=bearer)
    assert len(short["result"]) == 1 and short["moreResult"] is True


def test_activity_requests_marketo_would_refuse(marketo):
    bearer = token(marketo).json()["access_token"]
    start = paging_token(marketo, bearer=bearer)
    assert error_code(rest_get(marketo, "activities.json", bearer, nextPageToken=start)) == "1003"
    assert error_code(rest_get(marketo, "activities.json", bearer, nextPageToken=start,
                               activityTypeIds=",".join(str(i) for i in range(1, 12)))) == "1003"
    assert error_code(rest_get(marketo, "activities.json", bearer, nextPageToken="garbage",
                               activityTypeIds="9")) == "1003"
    assert error_code(rest_get(marketo, "activities.json", bearer, nextPageToken=start,
                               activityTypeIds="9", batchSize=301)) == "1003"
    assert error_code(rest_get(marketo, "activities/pagingtoken.json", bearer)) == "1003"


def test_feed_calls_count_against_the_limits_and_by_kind(marketo):
    marketo.config(rate_limit_calls=4, rate_limit_window_seconds=5)
    (ann,) = marketo.add_leads([{"email": "ann@x.test"}])
    bearer = token(marketo).json()["access_token"]
    assert rest_get(marketo, "activities/types.json", bearer).json()["success"] is True
    start = paging_token(marketo, bearer=bearer)
    assert activity_page(marketo, start, bearer=bearer)["success"] is True
    by_id = rest_get(marketo, "leads.json", bearer, filterType="id", filterValues=str(ann["id"]),
                     fields="email,unsubscribed").json()
    assert by_id["result"] == [{"id": ann["id"], "email": "ann@x.test", "unsubscribed": False}]
    assert error_code(rest_get(marketo, "activities.json", bearer, activityTypeIds="9",
                               nextPageToken=start)) == "606"
    stats = marketo.stats()
    assert (stats["activity_types_calls"], stats["paging_token_calls"], stats["activity_calls"],
            stats["lead_by_id_calls"], stats["lookup_calls"]) == (1, 1, 1, 1, 0)
    assert stats["rest_calls"] == 5 and stats["limit_errors"]["606"] == 1
