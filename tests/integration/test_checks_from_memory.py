"""Checks answered from memory (the copies of the team's list and mirror, on the I/O thread):
what this instance writes is seen by the very next check, what another process writes
within the copies' two seconds, and a send always reads the database."""
from assertions import wait_until

FROM_MEMORY = "sendguard_checks_from_memory_total"


def verdict(client, address):
    reply = client.post("/checks", {"recipients": [address], "source": "gmail"})
    assert reply.status_code == 200, reply.text
    return reply.json()["results"][0]


def allowed(address):
    return {"email": address, "allowed": True}


def refused(address, reason):
    return {"email": address, "allowed": False, "reason": reason}


def answered_from_memory(server, client, address, expected):
    """Checks `address` until a check is answered from memory (copies live 2 s, so on a slow
    machine one may expire between two checks); every answer must be `expected`."""
    def once():
        before = server.metric(FROM_MEMORY)
        assert verdict(client, address) == expected
        return server.metric(FROM_MEMORY) > before
    wait_until(once, 15, lambda: f"no check of {address} was answered from memory")


def test_a_repeated_check_is_answered_from_memory_with_the_same_verdict(server, admin, sim):
    sim.add_leads([{"email": "gone@example.com", "unsubscribed": True}, {"email": "ann@example.com"}])
    admin.enable_check(sim)
    admin.post("/suppressions", {"email": "listed@example.com"})
    addresses = ["gone@example.com", "ann@example.com", "listed@example.com"]
    expected = [refused("gone@example.com", "marketo_unsubscribed"), allowed("ann@example.com"),
                refused("listed@example.com", "suppressed")]
    # The first asks Marketo, whose answers land in the mirror; the second reads them there.
    for _ in range(2):
        assert [verdict(admin, a) for a in addresses] == expected
    lookups = sim.stats()["lookup_calls"]

    for address, answer in zip(addresses, expected):
        answered_from_memory(server, admin, address, answer)

    assert sim.stats()["lookup_calls"] == lookups


def test_a_suppression_added_or_removed_here_is_seen_by_the_next_check(server, admin):
    address = "turn@example.com"
    answered_from_memory(server, admin, address, allowed(address))

    # The check right after each write would be answered by the old copy, were it kept.
    assert admin.post("/suppressions", {"email": address}).status_code == 201
    assert verdict(admin, address) == refused(address, "suppressed")
    answered_from_memory(server, admin, address, refused(address, "suppressed"))
    assert admin.delete(f"/suppressions/{address}").status_code == 204
    assert verdict(admin, address) == allowed(address)
    answered_from_memory(server, admin, address, allowed(address))


def test_a_suppression_another_process_adds_reaches_sends_at_once_and_checks_soon_after(
        server, admin, tmp_path):
    address = "elsewhere@example.com"
    for _ in range(2):
        assert verdict(admin, address) == allowed(address)
    listed = tmp_path / "list.csv"
    listed.write_text(f"email\n{address}\n")

    result = server.cli("suppressions", "import", "--team", "Acme", str(listed))
    assert result.returncode == 0, result.stderr

    # Accepting an email reads the database, never a copy.
    refusal = admin.send([address])
    assert refusal.status_code == 422, refusal.text
    assert refusal.json()["error"]["code"] == "recipient_unsubscribed"
    wait_until(lambda: verdict(admin, address) == refused(address, "suppressed"), 5,
               lambda: f"a check still says {verdict(admin, address)}")
