"""The team's own suppression list: API, CSV import/export (API and CLI), and its effects."""
import csv
import io


def test_admin_adds_lists_searches_and_removes(server, admin, user):
    r = admin.post("/suppressions", {"email": "Gone@Example.com", "reason": "asked by phone"})
    assert r.status_code == 201, r.text
    assert r.json()["source"] == "manual" and r.json()["created_by"] == "admin@acme.com"
    assert admin.post("/suppressions", {"email": "gone@example.com"}).status_code == 200  # already there
    admin.post("/suppressions", {"email": "other@example.org"})

    listed = user.get("/suppressions").json()["suppressions"]  # any member may read
    assert [s["email"] for s in listed] == ["Gone@Example.com", "other@example.org"]
    found = admin.get("/suppressions", params={"search": "EXAMPLE.ORG"}).json()["suppressions"]
    assert [s["email"] for s in found] == ["other@example.org"]

    assert user.post("/suppressions", {"email": "x@example.com"}).status_code == 403
    assert user.delete("/suppressions/gone@example.com").status_code == 403
    assert admin.post("/suppressions", {"email": "not an address"}).json()["error"]["field"] == "email"

    assert admin.delete("/suppressions/GONE@example.com").status_code == 204
    assert admin.delete("/suppressions/gone@example.com").status_code == 404
    actions = [e["action"] for e in admin.get("/audit").json()["entries"]]
    assert actions[:3] == ["suppressions.removed", "suppressions.added", "suppressions.added"]


def test_a_listed_address_is_refused_with_reason_suppressed(server, admin):
    admin.post("/suppressions", {"email": "gone@example.com"})
    check = admin.post("/checks", {"recipients": ["gone@example.com"]}).json()["results"][0]
    assert check == {"email": "gone@example.com", "allowed": False, "reason": "suppressed"}
    assert admin.send(["gone@example.com"]).status_code == 422


def test_removal_is_refused_while_marketo_still_reports_unsubscribed(server, admin, sim):
    sim.add_leads([{"email": "gone@example.com", "unsubscribed": True}])
    admin.connect_marketo(sim)
    admin.post("/suppressions", {"email": "gone@example.com"})
    refused = admin.delete("/suppressions/gone@example.com")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "marketo_unsubscribed"
    sim.set_unsubscribed("gone@example.com", False)
    assert admin.delete("/suppressions/gone@example.com").status_code == 204


def test_csv_import_over_the_api_reports_every_row(server, admin):
    admin.post("/suppressions", {"email": "kept@example.com", "reason": "original reason"})
    body = "Email,Reason\r\nnew@example.com,trade show\r\nkept@example.com,import reason\r\nbroken,\r\n\"quoted@example.com\",\"a, b\"\r\n"
    r = admin.request("POST", "/suppressions/import", data=body.encode(), headers={"Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["rows"] == 4 and report["added"] == 2 and report["already_listed"] == 1
    assert report["invalid"] == [{"line": 4, "value": "broken", "reason": "not an email address"}]
    kept = admin.get("/suppressions", params={"search": "kept"}).json()["suppressions"][0]
    assert kept["reason"] == "original reason" and kept["source"] == "manual"  # never replaced

    exported = admin.get("/suppressions/export")
    assert exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert sorted(r["email"] for r in rows) == ["kept@example.com", "new@example.com", "quoted@example.com"]
    assert {r["email"]: r["reason"] for r in rows}["quoted@example.com"] == "a, b"


def test_cli_import_and_export_of_100000_rows(server, admin, tmp_path):
    source = tmp_path / "list.csv"
    with open(source, "w") as f:
        f.write("email\n")
        for i in range(100_000):
            f.write(f"person{i}@example.com\n")
    result = server.cli("suppressions", "import", "--team", "Acme", str(source))
    assert result.returncode == 0, result.stderr
    assert "100000 rows: 100000 added" in result.stdout
    again = server.cli("suppressions", "import", "--team", "Acme", str(source))
    assert "0 added, 100000 already listed" in again.stdout

    out = tmp_path / "export.csv"
    assert server.cli("suppressions", "export", "--team", "Acme", str(out)).returncode == 0
    assert len(out.read_text().splitlines()) == 100_001
    check = admin.post("/checks", {"recipients": ["person99999@example.com"]}).json()["results"][0]
    assert check["reason"] == "suppressed"
    missing = server.cli("suppressions", "import", "--team", "Nope", str(source))
    assert missing.returncode != 0 and "no team named 'Nope'" in missing.stderr


def test_adding_an_address_stops_its_campaign_enrollments(server, admin):
    campaign = admin.post("/campaigns", {"name": "Later", "steps": [{"delay_seconds": 3600, "subject": "Hi", "text": "x"}]})
    cid = campaign.json()["id"]
    admin.post(f"/campaigns/{cid}/enrollments", {"recipients": [{"email": "gone@example.com"}, {"email": "stay@example.com"}]})
    admin.post("/suppressions", {"email": "gone@example.com"})
    states = {e["email"]: (e["state"], e["reason"]) for e in admin.get(f"/campaigns/{cid}/enrollments").json()["enrollments"]}
    assert states == {"gone@example.com": ("stopped", "suppressed"), "stay@example.com": ("active", None)}
