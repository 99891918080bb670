"""What the fuzzers of tests/fuzz found, checked end to end against the real server."""
import time


def test_a_var_beyond_double_range_is_refused_not_sent_as_inf(server, admin, sink):
    # JSON has no infinity, but 1e999 parses as one; it must never reach an email as "inf".
    body = ('{"mode": "group", "source": "api", "subject": "Your total", "text": "Total: {{total}}",'
            ' "recipients": [{"email": "ann@prospects.example", "vars": {"total": 1e999}}]}')

    reply = admin.request("POST", "/bulk-sends", data=body, headers={"Content-Type": "application/json"})

    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["field"] == "recipients[0].vars.total"
    time.sleep(0.5)  # anything wrongly queued would be delivered by now
    assert admin.get("/emails").json()["emails"] == []
    assert sink.messages() == []
