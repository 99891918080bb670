"""PostgreSQL stopping under a running server: /readyz says the database is unreachable, a
send is refused with a clear 503 at once, /healthz still answers, and once the database is
back everything accepted before the outage is delivered, each email once.

The test stops a cluster of its own: the run's shared one serves the other tests."""
import smtplib
from email.message import EmailMessage

import pytest

from assertions import assert_error, wait_until
from peers import free_port
from postgres_cluster import Cluster

# Long enough that no delivery attempt (a lease held across the stop) falls in the outage.
RETRY_MS = 15000
# A request answered later than this counts as hanging.
PATIENCE_S = 10


@pytest.fixture
def cluster():
    own = Cluster.create()
    yield own
    own.stop()


def test_an_outage_is_reported_and_what_was_accepted_is_delivered_once_after_it(make_server, cluster, sink,
                                                                                tmp_path):
    smtp_port = free_port()
    server = make_server(env={"SENDGUARD_DB": cluster.create_database(),
                              "SENDGUARD_SECRET_KEY_FILE": str(tmp_path / "shared.key"),
                              "SENDGUARD_RETRY_BASE_MS": str(RETRY_MS),
                              "SENDGUARD_SMTP_LISTEN": f"127.0.0.1:{smtp_port}"}).start()
    admin = server.add_user("Acme", "admin@acme.com", "admin")
    sink.set_mode("tempfail")  # accepted, tried once, waiting for the relay
    accepted = {}
    for n in range(10):
        reply = admin.send([f"r{n}@example.com"], subject=f"before-{n}")
        assert reply.status_code == 202, reply.text
        accepted[reply.json()["id"]] = f"before-{n}"

    def reasons():
        return [admin.get(f"/emails/{i}").json()["reason"] or "" for i in accepted]
    wait_until(lambda: all(r.startswith("smtp_retrying") for r in reasons()), 30, "a first, deferred attempt of each")

    cluster.halt()
    ready = server.raw("GET", "/readyz", timeout=PATIENCE_S)
    assert ready.status_code == 503, ready.text
    assert "database" in ready.json()["status"]
    refused = admin.post("/emails", {"workflow": "individual", "source": "api", "to": ["during@example.com"],
                                     "subject": "during", "text": "Hi"}, timeout=PATIENCE_S)
    assert_error(refused, 503, "database_unavailable")
    assert refused.headers["Retry-After"].isdigit()
    assert server.raw("GET", "/healthz", timeout=PATIENCE_S).status_code == 200
    # A mail client's submission is put off, not lost with the server.
    with pytest.raises(smtplib.SMTPException) as deferred:
        submit(smtp_port, admin.token, "during-smtp")
    assert 400 <= getattr(deferred.value, "smtp_code", 0) < 500, repr(deferred.value)
    assert server.raw("GET", "/healthz", timeout=PATIENCE_S).status_code == 200

    sink.set_mode("")
    cluster.start()
    wait_until(lambda: server.raw("GET", "/readyz", timeout=PATIENCE_S).status_code == 200, 30, "/readyz ready again")
    wait_until(lambda: all(admin.get(f"/emails/{i}").json()["status"] == "sent" for i in accepted),
               3 * RETRY_MS / 1000, "every accepted email sent")
    submit(smtp_port, admin.token, "after-smtp")
    wait_until(lambda: len(sink.messages()) == len(accepted) + 1, 30, "the submission after the outage delivered")
    delivered = sorted(m["msg"]["Subject"] for m in sink.messages())
    assert delivered == sorted([*accepted.values(), "after-smtp"])  # each once; nothing of the refused sends


def submit(port, token, subject):
    """One message through the SMTP relay, AUTH as the admin (loopback is trusted without TLS)."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "admin@acme.com", "smtp@example.com", subject
    message.set_content("Hi\n")
    with smtplib.SMTP("127.0.0.1", port, timeout=PATIENCE_S) as client:
        client.login("admin@acme.com", token)
        client.send_message(message)
