"""Sendguard on PostgreSQL: one instance walking the README, and instances sharing one
database — one outbox, one follower of the Marketo feed, another taking over when it dies."""
import subprocess
import time

from assertions import assert_one_line_error, wait_until
from sendguard import BINARY, Client


def on_postgres(make_server, postgres, tmp_path, env=None):
    """A server (not started) on the test's database; every instance shares one key file."""
    return make_server(env={"SENDGUARD_DB": postgres, "SENDGUARD_SECRET_KEY_FILE": str(tmp_path / "shared.key"),
                            **(env or {})})


def test_a_server_on_postgresql_blocks_the_unsubscribed_and_delivers_the_rest(make_server, postgres, tmp_path,
                                                                               sim, sink):
    server = on_postgres(make_server, postgres, tmp_path).start()
    admin = server.add_user("Acme", "admin@acme.com", "admin")
    sim.add_leads([{"email": "bob@example.com", "unsubscribed": True}, {"email": "ann@example.com"}])
    admin.enable_check(sim)

    blocked = admin.send(["bob@example.com"])
    assert blocked.status_code == 422, blocked.text
    assert blocked.json()["error"]["recipients"] == ["bob@example.com"]
    allowed = admin.send(["ann@example.com"], subject="On PostgreSQL")
    assert allowed.status_code == 202, allowed.text
    admin.wait_status(allowed.json()["id"], {"sent"})
    assert [m["msg"]["Subject"] for m in sink.wait_for(1)] == ["On PostgreSQL"]

    # A restart finds everything where it was, the sealed Marketo secret included.
    server.stop()
    server.start()
    assert admin.get(f"/emails/{allowed.json()['id']}").json()["status"] == "sent"
    assert admin.send(["bob@example.com"]).status_code == 422


def test_a_postgresql_url_without_a_shared_key_file_is_refused_in_one_line(make_server, postgres):
    server = make_server(env={"SENDGUARD_DB": postgres})
    server.env.pop("SENDGUARD_SECRET_KEY_FILE", None)
    result = subprocess.run([str(BINARY), "serve"], env=server.env, capture_output=True, text=True, timeout=15)
    assert "SENDGUARD_SECRET_KEY_FILE" in assert_one_line_error(result)


def test_two_instances_deliver_a_group_send_once_between_them(make_server, postgres, tmp_path, sink):
    first = on_postgres(make_server, postgres, tmp_path).start()
    second = on_postgres(make_server, postgres, tmp_path).start()
    admin = first.add_user("Acme", "admin@acme.com", "admin")
    recipients = [f"r{i}@example.com" for i in range(200)]
    sink.set_delay(5)  # long enough that both instances' workers are busy at once

    accepted = admin.bulk("group", recipients)
    assert accepted.status_code == 202, accepted.text
    messages = sink.wait_for(200, timeout=60)
    time.sleep(1)  # a duplicate would arrive now
    delivered = [to for m in sink.messages() for to in m["rcpt_tos"]]
    assert sorted(delivered) == sorted(recipients), "each recipient exactly once"
    assert len(messages) == 200
    # The other instance answers for what the first accepted.
    listed = Client(second.url, admin.token).get("/emails")
    assert listed.status_code == 200 and listed.json()["emails"], listed.text


def test_one_instance_follows_the_feed_and_another_takes_over_when_it_dies(make_server, postgres, tmp_path, sim):
    env = {"SENDGUARD_MIRROR_INTERVAL": "1"}
    leader = on_postgres(make_server, postgres, tmp_path, env).start()
    admin = leader.add_user("Acme", "admin@acme.com", "admin")
    admin.enable_check(sim)
    wait_until(lambda: sim.stats()["activity_calls"] > 0, 15, "the leader to read the feed")
    follower = on_postgres(make_server, postgres, tmp_path, env).start()

    leader.kill()
    sim.clear_stats()
    wait_until(lambda: sim.stats()["activity_calls"] > 0, 15, "the other instance to take the feed over")
    assert Client(follower.url, admin.token).get("/integrations/marketo").json()["sync"]["last_success_at"]
