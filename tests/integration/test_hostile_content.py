"""Hostile content against the running server: personalization templates that recursed or
nested until the process died, enrollment in a colleague's campaign, CSV imports with
huge or non-UTF-8 cells, spreadsheet formulas in exports, and subjects that fold badly."""
import csv
import io

from assertions import assert_invalid

PARTIAL = "{{>p}}"
ISSUE_DEEP = "{{#a}}" * 20000 + "x" + "{{/a}}" * 20000  # the issue's 240 KB text: a stack overflow
DEEP = "{{#a}}" * 5000 + "x" + "{{/a}}" * 5000  # 60 KB, within the size limit


def assert_alive(server, client):
    """The process still runs and still sends."""
    assert server.process.poll() is None, "the server died"
    assert server.raw("GET", "/healthz").status_code == 200
    reply = client.send(["alive@prospects.example"])
    assert reply.status_code == 202, reply.text


def create_campaign(client, subject="Hi {{p}}", text="{{p}}", html="", name="Outreach"):
    return client.post("/campaigns", {"name": name, "steps": [
        {"delay_seconds": 0, "subject": subject, "text": text, "html": html}]})


def enroll(client, campaign_id, people):
    return client.post(f"/campaigns/{campaign_id}/enrollments",
                       {"recipients": [{"email": e, "vars": v} for e, v in people]})


# --- item 1: partials ---

def test_a_bulk_send_with_a_partial_is_refused_and_the_server_stays_up(server, admin):
    person = {"email": "ann@prospects.example", "vars": {"p": PARTIAL}}
    refused = admin.bulk("select_and_send", [person], subject=PARTIAL, text=PARTIAL)
    assert_invalid(refused, "subject", "partial")
    assert_alive(server, admin)


def test_a_var_naming_a_partial_is_delivered_as_plain_text(server, admin, sink):
    person = {"email": "ann@prospects.example", "vars": {"p": PARTIAL}}
    reply = admin.bulk("select_and_send", [person], subject="Hi {{p}}", text="Text {{p}}")
    assert reply.status_code == 202, reply.text
    admin.wait_status(reply.json()["emails"][0]["id"], {"sent"})
    msg = sink.wait_for(1)[-1]["msg"]
    assert msg["Subject"] == "Hi {{>p}}"
    assert msg.get_body(("plain",)).get_content().strip() == "Text {{>p}}"


def test_a_campaign_with_a_partial_is_refused_and_enrolling_a_partial_var_is_text(server, admin, sink):
    assert_invalid(create_campaign(admin, subject=PARTIAL), "steps[0].subject", "partial")
    campaign = create_campaign(admin)
    assert campaign.status_code == 201, campaign.text
    enrolled = enroll(admin, campaign.json()["id"], [("ann@prospects.example", {"p": PARTIAL})])
    assert enrolled.status_code == 201, enrolled.text
    msg = sink.wait_for(1)[-1]["msg"]
    assert msg["Subject"] == "Hi {{>p}}"
    assert_alive(server, admin)


# --- item 2: nesting, template size, rendered size ---

def test_the_issues_deep_nesting_payload_is_refused_and_the_server_stays_up(server, admin):
    refused = admin.bulk("select_and_send", ["ann@prospects.example"], text=ISSUE_DEEP)
    assert_invalid(refused, "text", "102400 bytes")
    assert_invalid(create_campaign(admin, text=ISSUE_DEEP), "steps[0].text", "102400 bytes")
    assert_alive(server, admin)


def test_deep_nesting_within_the_size_limit_is_refused_at_bulk_send_and_campaign_creation(server, admin):
    refused = admin.bulk("select_and_send", ["ann@prospects.example"], text=DEEP)
    assert_invalid(refused, "text", "16 levels")
    assert_invalid(create_campaign(admin, text=DEEP), "steps[0].text", "16 levels")
    assert admin.get("/campaigns").json()["campaigns"] == []
    assert_alive(server, admin)


def test_sixteen_levels_of_sections_are_accepted(server, admin):
    text = "{{#a}}" * 16 + "{{a}}" + "{{/a}}" * 16
    reply = admin.bulk("select_and_send", [{"email": "ann@prospects.example", "vars": {"a": "yes"}}], text=text)
    assert reply.status_code == 202, reply.text


def test_a_template_over_100_kb_is_refused_naming_the_field(server, admin):
    refused = admin.bulk("select_and_send", ["ann@prospects.example"], html="x" * (100 * 1024 + 1))
    assert_invalid(refused, "html", "102400 bytes")
    assert_invalid(create_campaign(admin, html="x" * (100 * 1024 + 1)), "steps[0].html", "102400 bytes")


def test_vars_that_render_an_email_over_1_mb_are_refused_at_bulk_send_and_enrollment(server, admin):
    big = {"v": "x" * (400 * 1024)}
    refused = admin.bulk("select_and_send", [{"email": "ann@prospects.example", "vars": big}],
                         text="{{v}}{{v}}{{v}}")
    assert_invalid(refused, "recipients[0].vars", "1 MB")

    campaign = create_campaign(admin, subject="Hi", text="{{v}}{{v}}{{v}}").json()
    assert_invalid(enroll(admin, campaign["id"], [("ann@prospects.example", big)]), "recipients[0].vars", "1 MB")
    assert admin.get(f"/campaigns/{campaign['id']}/enrollments").json()["enrollments"] == []
    assert_alive(server, admin)


# --- item 9: who may enroll ---

def test_only_the_owner_and_admins_enroll_and_each_enrollment_records_who(server, admin, user):
    colleague = server.add_user("Acme", "kim@acme.com", "user")
    campaign = create_campaign(user, subject="Hi {{first}}", text="Hello {{first}}")
    assert campaign.status_code == 201, campaign.text
    cid = campaign.json()["id"]

    refused = enroll(colleague, cid, [("victim@prospects.example", {"first": "V"})])
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "forbidden"
    assert user.get(f"/campaigns/{cid}/enrollments").json()["enrollments"] == []

    assert enroll(user, cid, [("ann@prospects.example", {"first": "Ann"}),
                              ("bob@prospects.example", {"first": "Bob"})]).status_code == 201
    assert enroll(admin, cid, [("cid@prospects.example", {"first": "Cid"})]).status_code == 201
    listed = {e["email"]: e["enrolled_by"] for e in
              colleague.get(f"/campaigns/{cid}/enrollments").json()["enrollments"]}
    assert set(listed) == {"ann@prospects.example", "bob@prospects.example", "cid@prospects.example"}
    by_owner, by_admin = listed["ann@prospects.example"], listed["cid@prospects.example"]
    assert by_owner and by_admin and by_owner != by_admin
    assert listed["bob@prospects.example"] == by_owner

    audit = [e for e in admin.get("/audit").json()["entries"] if e["action"] == "campaigns.enrolled"]
    assert [(e["actor"], e["after"]) for e in audit] == [
        ("admin@acme.com", {"campaign_id": cid, "count": 1}),
        ("sam@acme.com", {"campaign_id": cid, "count": 2})]


# --- items 16 and 17: CSV import and export ---

def import_csv(admin, body):
    reply = admin.request("POST", "/suppressions/import", data=body, headers={"Content-Type": "text/csv"})
    assert reply.status_code == 200, reply.text
    return reply


def test_the_import_answer_echoes_at_most_100_rejects_of_at_most_200_bytes(server, admin):
    # 1,000 rejected rows of 10 KB each, full of characters JSON escapes six-fold.
    body = "email\n" + "".join(f"\"bad{i}{chr(1) * 10000}\"\n" for i in range(1000))
    reply = import_csv(admin, body.encode())
    report = reply.json()
    assert report["invalid_count"] == 1000
    assert len(report["invalid"]) == 100
    assert all(len(row["value"].encode()) <= 200 for row in report["invalid"])
    assert report["invalid"][0]["line"] == 2 and report["invalid"][0]["value"].startswith("bad0")
    assert len(reply.content) < 200_000, "the answer grows with the upload"


def test_a_cell_that_is_not_utf8_is_refused_never_stored_and_the_answer_is_utf8(server, admin):
    body = b"email,reason\ncaf\xe9@prospects.example,x\nann@prospects.example,bad \xff reason\nok@prospects.example,fine\n"
    reply = import_csv(admin, body)
    reply.content.decode("utf-8")  # strict: raises on any invalid byte
    report = reply.json()
    assert report["added"] == 1 and report["invalid_count"] == 2
    assert report["invalid"] == [
        {"line": 2, "value": "caf\ufffd@prospects.example", "reason": "the email cell is not valid UTF-8"},
        {"line": 3, "value": "ann@prospects.example", "reason": "the reason cell is not valid UTF-8"}]
    exported = admin.get("/suppressions/export")
    exported.content.decode("utf-8")
    assert [r["email"] for r in csv.DictReader(io.StringIO(exported.text))] == ["ok@prospects.example"]


def test_a_long_reason_is_cut_between_code_points(server, admin):
    import_csv(admin, ("email,reason\nann@prospects.example," + "a" * 499 + "\u00e9 and more\n").encode())
    entry = admin.get("/suppressions").json()["suppressions"][0]
    assert entry["reason"] == "a" * 499


def test_the_export_guards_cells_leading_with_tab_or_carriage_return(server, admin):
    for address, reason in [("tab@prospects.example", "\tcmd|' /C calc'!A0"), ("cr@prospects.example", "\r=1+1")]:
        assert admin.post("/suppressions", {"email": address, "reason": reason}).status_code == 201
    exported = admin.get("/suppressions/export").text
    reasons = {r["email"]: r["reason"] for r in csv.DictReader(io.StringIO(exported, newline=""))}
    assert reasons["tab@prospects.example"] == "'\tcmd|' /C calc'!A0"
    assert reasons["cr@prospects.example"] == "'\r=1+1"


# --- item 19: header folding ---

def test_a_subject_ending_in_many_spaces_folds_into_no_whitespace_only_line(server, admin, sink):
    reply = admin.send(["ann@prospects.example"], subject="Quarterly update" + " " * 300)
    assert reply.status_code == 202, reply.text
    admin.wait_status(reply.json()["id"], {"sent"})
    raw = sink.wait_for(1)[-1]["raw"]
    headers = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert all(line.strip(b" \t") for line in headers), [line for line in headers if not line.strip(b" \t")]
    assert sink.messages()[-1]["msg"]["Subject"] == "Quarterly update"

