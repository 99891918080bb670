"""Delivery: SMTP refusals and retries, the re-check just before delivery, held emails, .eml output."""
from email import policy
from email.parser import BytesParser

from assertions import wait_until
from peers import free_port
from sendguard import Client


def wait_reason(client, email_id, prefix, timeout=10):
    def email():
        return client.get(f"/emails/{email_id}").json()

    def with_reason():
        found = email()
        return found if (found["reason"] or "").startswith(prefix) else None

    return wait_until(with_reason, timeout, lambda: f"email {email_id} with a reason starting {prefix!r} "
                                                    f"(it is {email()['status']} / {email()['reason']})")


def test_permanent_smtp_refusal_fails_the_email(server, admin, sink):
    reply = admin.send(["reject-perm@x.com"])

    assert reply.status_code == 202, reply.text
    email = admin.wait_status(reply.json()["id"], {"sent", "failed"})
    assert email["status"] == "failed"
    assert email["reason"].startswith("smtp_rejected")
    assert email["sent_at"] is None
    assert sink.messages() == []


def retries_counted(server):
    """The outbox's count of deferred deliveries, from /metrics."""
    return server.metric("sendguard_deliveries_total", '{result="retry"}')


def test_temporary_smtp_refusal_is_retried(server, admin, sink):
    reply = admin.send(["reject-temp@x.com"])
    assert reply.status_code == 202, reply.text
    email_id = reply.json()["id"]

    retrying = wait_reason(admin, email_id, "smtp_")
    assert retrying["status"] == "queued"
    # Attempts 1-4 are 0.2 + 0.4 + 0.8 s apart.
    wait_until(lambda: retries_counted(server) >= 4, 10, lambda: f"only {retries_counted(server)} deferral(s)",
               poll=0.1)
    email = admin.get(f"/emails/{email_id}").json()
    assert email["status"] == "queued" and email["reason"].startswith("smtp_")
    assert email["sent_at"] is None
    assert sink.messages() == []


def test_relay_tempfail_is_delivered_once_it_recovers(server, admin, sink):
    sink.set_mode("tempfail")
    reply = admin.send(["ann@x.com"], subject="Eventually")
    assert reply.status_code == 202, reply.text
    email_id = reply.json()["id"]

    deferred = wait_reason(admin, email_id, "smtp_")
    assert deferred["status"] == "queued"
    sink.set_mode("")

    email = admin.wait_status(email_id, {"sent"}, timeout=20)
    assert email["reason"] is None
    assert [(m["rcpt_tos"], m["msg"]["Subject"]) for m in sink.wait_for(1)] == [
        (["ann@x.com"], "Eventually")]


def test_unsubscribe_after_acceptance_stops_delivery(make_server, sim, sink, tmp_path):
    workdir = tmp_path / "recheck"
    closed = free_port()
    first = make_server(smtp=False, workdir=workdir,
                        env={"SENDGUARD_SMTP_URL": f"smtp://127.0.0.1:{closed}"}).start()
    admin = first.add_user("Acme", "admin@acme.com", "admin")
    admin.enable_check(sim)
    sim.add_leads([{"email": "Late@x.com"}])
    reply = admin.send(["late@x.com"], subject="Too late")
    assert reply.status_code == 202, reply.text
    email_id = reply.json()["id"]
    wait_reason(admin, email_id, "smtp_")
    sim.set_unsubscribed("late@x.com")
    first.stop()

    second = make_server(workdir=workdir, env={"SENDGUARD_CHECK_MAX_AGE": "0"}).start()
    admin = Client(second.url, admin.token)

    email = admin.wait_status(email_id, {"sent", "failed"}, timeout=30)
    assert email["status"] == "failed"
    assert email["reason"] == "marketo_unsubscribed"
    reply = admin.send(["other@x.com"], subject="barrier")
    admin.wait_status(reply.json()["id"], {"sent"})
    assert [m["msg"]["Subject"] for m in sink.wait_for(1)] == ["barrier"]


def test_marketo_down_at_delivery_holds_the_email_until_it_answers(make_server, sim, sink):
    server = make_server(env={"SENDGUARD_CHECK_MAX_AGE": "0"}).start()
    admin = server.add_user("Acme", "admin@acme.com", "admin")
    admin.enable_check(sim, policy="block")
    # The send's own lookup passes (a zero-second delay); the delivery's lookups then fail
    # until eight 608s are spent, two full rounds of retries.
    sim.faults([{"kind": "timeout", "seconds": 0, "count": 1},
                {"kind": "error", "code": "608", "count": 8}])

    reply = admin.send(["ann@x.com"], subject="Held")
    assert reply.status_code == 202, reply.text

    held = admin.wait_status(reply.json()["id"], {"held", "sent", "failed"}, timeout=30)
    assert held["status"] == "held"
    assert sink.messages() == []
    sent = admin.wait_status(reply.json()["id"], {"sent", "failed"}, timeout=30)
    assert sent["status"] == "sent"
    assert [m["rcpt_tos"] for m in sink.wait_for(1)] == [["ann@x.com"]]
    assert sim.stats()["errors_by_code"] == {"608": 8}


def test_unsubscribe_while_held_stops_delivery(make_server, sim, sink):
    server = make_server(env={"SENDGUARD_CHECK_MAX_AGE": "0"}).start()
    admin = server.add_user("Acme", "admin@acme.com", "admin")
    admin.enable_check(sim, policy="block")
    sim.add_leads([{"email": "ann@x.com"}])
    sim.faults([{"kind": "timeout", "seconds": 0, "count": 1},
                {"kind": "error", "code": "608", "count": 8}])

    reply = admin.send(["ann@x.com"], subject="Held then gone")
    assert reply.status_code == 202, reply.text
    assert admin.wait_status(reply.json()["id"], {"held", "sent", "failed"}, timeout=30)["status"] == "held"
    sim.set_unsubscribed("ann@x.com")

    final = admin.wait_status(reply.json()["id"], {"sent", "failed"}, timeout=30)
    assert (final["status"], final["reason"]) == ("failed", "marketo_unsubscribed")
    assert sink.messages() == []


def test_without_smtp_url_mail_is_written_as_eml_files(make_server, sim):
    server = make_server(smtp=False).start()
    admin = server.add_user("Acme", "admin@acme.com", "admin")
    reply = admin.send(["ann@x.com"], cc=["cid@x.com"], subject="On disk", text="hello file")
    assert reply.status_code == 202, reply.text
    admin.wait_status(reply.json()["id"], {"sent"})

    files = sorted((server.dir / "mail").glob("*.eml"))
    assert files, "no .eml file written"
    assert sorted(p.name for p in (server.dir / "mail").iterdir()) == [p.name for p in files]
    for path in files:
        msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes().replace(b"\r\n", b"\n"))
        assert msg["Subject"] == "On disk"
        assert msg["From"].addresses[0].addr_spec == "admin@acme.com"
        assert [a.addr_spec for a in msg["To"].addresses] == ["ann@x.com"]
        assert msg.get_content().strip() == "hello file"
        assert msg["List-Unsubscribe"].startswith(f"<{server.url}/u/")


def test_each_delivery_worker_keeps_its_relay_connection_open(make_server, sink):
    # Given more workers than the transport's default pool of four connections, and a group
    # send of several batches (300 emails each; all workers fall idle between them), then
    # its messages still travel over at most one connection per worker.
    server = make_server(env={"SENDGUARD_OUTBOX_WORKERS": "8"}).start()
    admin = server.add_user("Acme", "admin@acme.com", "admin")
    recipients = [f"lead{i}@x.example" for i in range(700)]
    reply = admin.bulk("group", recipients)
    assert reply.status_code == 202, reply.text
    messages = sink.wait_for(len(recipients), timeout=60)
    connections = {m["client_port"] for m in messages}
    assert 1 <= len(connections) <= 8, f"{len(connections)} connections for 8 workers"
