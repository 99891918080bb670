"""docs/openapi.yaml and the server agree. Every operation with a JSON body gets a valid
request, then each required field left out, each non-nullable field as null and each
field with a wrong type (also inside the first element of an array of objects): the
invalid ones must be 400 invalid_request naming the field. Every documented integer query
parameter is enforced as documented, and the paged lists read `limit` and `cursor` alike."""
from pathlib import Path

import pytest
import requests
import yaml

from assertions import assert_invalid
from peers import CLIENT_ID, CLIENT_SECRET
from sendguard import Client

SPEC = yaml.safe_load((Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml").read_text())
PASSWORD = "correct horse 1"
PAGED_LISTS = ["/api/v1/emails", "/api/v1/suppressions"]


def resolve(schema):
    """The schema with $ref followed and allOf merged (outer keywords win)."""
    while "$ref" in schema:
        target = SPEC
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    if "allOf" in schema:
        merged = {}
        for part in schema["allOf"]:
            merged.update(resolve(part))
        merged.update({k: v for k, v in schema.items() if k != "allOf"})
        schema = merged
    return schema


def valid_value(schema):
    schema = resolve(schema)
    for key in ("example", "default"):
        if key in schema and not (schema.get("type") == "array" and schema.get("minItems")):
            return schema[key]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {name: valid_value(p) for name, p in schema.get("properties", {}).items()}
    if kind == "array":
        return [valid_value(schema["items"])]
    if kind == "integer":
        return schema.get("minimum", 0)
    if kind == "boolean":
        return False
    return "ann@example.com" if schema.get("format") == "email" else "x"


def wrong_values(schema):
    """Values of another JSON type than the schema's."""
    kind = resolve(schema).get("type")
    return {"string": [12345, ["x"]], "boolean": ["true", 1], "integer": ["1", 1.5],
            "array": ["x", {}], "object": ["x", []]}.get(kind, [])


def json_operations():
    for path, item in SPEC["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and "application/json" in op.get("requestBody", {}).get("content", {}):
                yield pytest.param(method.upper(), path, op, id=f"{method.upper()} {path}")


def invalid_bodies(schema, body, prefix=""):
    """(expected field, body) for each required field left out, each non-nullable field
    as null and each wrong type, at the top level and in arrays' first objects."""
    schema = resolve(schema)
    for name in schema.get("required", []):
        yield prefix + name, {k: v for k, v in body.items() if k != name}
    for name, prop in schema.get("properties", {}).items():
        prop = resolve(prop)
        if not prop.get("nullable"):
            yield prefix + name, {**body, name: None}
        for wrong in wrong_values(prop):
            yield prefix + name, {**body, name: wrong}
        items = resolve(prop.get("items", {}))
        value = body.get(name)
        if not isinstance(value, list) or not value:
            continue
        if items.get("type") == "object":
            for field, inner in invalid_bodies(items, value[0], f"{prefix}{name}[0]."):
                yield field, {**body, name: [inner] + value[1:]}
        else:
            for wrong in wrong_values(items) + [None]:
                yield f"{prefix}{name}[0]", {**body, name: [wrong] + value[1:]}


@pytest.fixture
def world(server, sim):
    """An admin with a password to sign in with, a campaign to enroll in, and the admin's
    own user id (changing one's own role to admin is a valid request)."""
    result = server.cli("user", "add", "--team", "Acme", "--email", "admin@acme.com", "--role", "admin",
                        "--password-stdin", input=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    admin = Client(server.url, result.stdout.strip().splitlines()[-1])
    campaign = admin.post("/campaigns", {"name": "Plain", "steps": [{"subject": "Hello", "text": "Hi"}]})
    assert campaign.status_code == 201, campaign.text
    users = admin.get("/users")
    assert users.status_code == 200, users.text
    return {"admin": admin, "anonymous": server.anonymous(), "sim": sim, "campaign": campaign.json()["id"],
            "user": users.json()["users"][0]["id"]}


def valid_body(path, op, world):
    media = op["requestBody"]["content"]["application/json"]
    body = media.get("example") or valid_value(media["schema"])
    if path == "/api/v1/integrations/marketo":  # the simulator, never the example's host
        body = {"rest_endpoint": world["sim"].rest_endpoint, "identity_endpoint": world["sim"].identity_endpoint,
                "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    if path == "/api/v1/auth/login":
        body = {"email": "admin@acme.com", "password": PASSWORD}
    return body


def webhook(world):
    """The team's Marketo webhook, created once: the hook route's credential is its secret."""
    if "webhook" not in world:
        assert world["admin"].connect_marketo(world["sim"]).status_code == 200
        world["webhook"] = world["admin"].post("/integrations/marketo/webhook").json()
    return world["webhook"]


def call(world, method, path, op, body):
    if "{hook_id}" in path:
        hook = webhook(world)
        return requests.request(method, hook["url"], json=body, headers={hook["header"]: hook["secret"]}, timeout=30)
    client = world["anonymous"] if op.get("security") == [] else world["admin"]
    target = world["user"] if path.startswith("/api/v1/users/") else world["campaign"]
    return client.request(method, client.base + path.replace("{id}", target), json=body)


@pytest.mark.parametrize("method,path,op", list(json_operations()))
def test_json_bodies_are_refused_as_described(world, method, path, op):
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    body = valid_body(path, op, world)
    cases = list(invalid_bodies(schema, body))
    assert cases, "nothing to check"
    for field, bad in cases:
        assert_invalid(call(world, method, path, op, bad), field)

    # Last, so that no idempotency key or connection is in place while the rest runs.
    reply = call(world, method, path, op, body)
    assert 200 <= reply.status_code < 300, (body, reply.text)


def nullable_fields(schema, prefix=""):
    schema = resolve(schema)
    for name, prop in schema.get("properties", {}).items():
        prop = resolve(prop)
        if prop.get("nullable"):
            yield prefix + name
        if resolve(prop.get("items", {})).get("type") == "object":
            yield from nullable_fields(prop["items"], f"{prefix}{name}[0].")


def test_nullable_fields_accept_null_as_absent(world):
    documented = {(p.values[0] + " " + p.values[1], field) for p in json_operations()
                  for field in nullable_fields(p.values[2]["requestBody"]["content"]["application/json"]["schema"])}
    # Each one is exercised below; a newly nullable field needs its own check here.
    assert documented == {("POST /api/v1/suppressions", "reason"), ("POST /api/v1/bulk-sends", "recipients[0].vars"),
                          ("POST /api/v1/campaigns/{id}/enrollments", "recipients[0].vars"),
                          ("POST /api/v1/hooks/marketo/{hook_id}", "leadId")}
    admin = world["admin"]
    hook = webhook(world)
    reply = requests.post(hook["url"], json={"email": "nulled@example.com", "unsubscribed": False, "leadId": None},
                          headers={hook["header"]: hook["secret"]}, timeout=30)
    assert reply.status_code == 204, reply.text
    reply = admin.post("/suppressions", {"email": "nulled@example.com", "reason": None})
    assert reply.status_code == 201, reply.text
    assert reply.json()["reason"] is None
    people = [{"email": "ann@example.com", "vars": None}]
    reply = admin.post("/bulk-sends", {"mode": "group", "recipients": people, "subject": "Hello", "text": "Hi"})
    assert reply.status_code == 202, reply.text
    reply = admin.post(f"/campaigns/{world['campaign']}/enrollments", {"recipients": people})
    assert reply.status_code == 201, reply.text


def test_the_unsubscribe_settings_need_one_known_field(world):
    schema = resolve(SPEC["components"]["schemas"]["SettingsUpdate"])
    assert [set(branch["required"]) for branch in schema["anyOf"]] == \
        [{"marketo_check_enabled"}, {"on_check_unavailable"}]
    admin = world["admin"]
    for body in ({}, {"other": "block"}):
        assert_invalid(admin.put("/settings/unsubscribe", body), "body")
    assert_invalid(admin.put("/settings/unsubscribe", {"on_check_unavailable": "sometimes"}), "on_check_unavailable")
    assert admin.get("/settings/unsubscribe").json() == {"marketo_check_enabled": False, "on_check_unavailable": "block"}


def integer_query_parameters():
    for path, item in SPEC["paths"].items():
        op = item.get("get")
        for param in (op or {}).get("parameters", []):
            param = resolve(param)
            if param.get("in") == "query" and resolve(param["schema"]).get("type") == "integer":
                yield pytest.param(path, param["name"], resolve(param["schema"]), id=f"{path}?{param['name']}")


@pytest.mark.parametrize("path,name,schema", list(integer_query_parameters()))
def test_integer_query_parameters_are_enforced_as_described(world, path, name, schema):
    admin = world["admin"]
    low, high = schema["minimum"], schema["maximum"]
    for good in (low, high, schema["default"]):
        reply = admin.get(admin.base + path, params={name: str(good)})
        assert reply.status_code == 200, (good, reply.text)
    for bad in (low - 1, high + 1, -1, "", "abc", "1.5", " 5", "+5", "99999999999999999999"):
        assert_invalid(admin.get(admin.base + path, params={name: str(bad)}), name)


def test_the_paged_lists_document_the_same_rules():
    rules = set()
    for path in PAGED_LISTS:
        params = {p["name"]: resolve(p) for p in SPEC["paths"][path]["get"]["parameters"]}
        assert {"limit", "cursor"} <= params.keys(), path
        limit = resolve(params["limit"]["schema"])
        rules.add((limit["minimum"], limit["default"], params["cursor"]["description"]))
    assert len(rules) == 1, rules


def page(admin, path, **params):
    """The page's items (by id or address: emails change status meanwhile) and its cursor."""
    reply = admin.get(admin.base + path, params=params)
    assert reply.status_code == 200, reply.text
    items = reply.json()["emails" if path.endswith("/emails") else "suppressions"]
    return [item["id"] if "id" in item else item["email"] for item in items], reply.json()["next_cursor"]


@pytest.mark.parametrize("path", PAGED_LISTS)
def test_an_empty_cursor_is_the_first_page_and_a_made_up_one_is_refused(world, path):
    admin = world["admin"]
    for i in range(3):
        assert admin.post("/suppressions", {"email": f"p{i}@example.com"}).status_code == 201
        assert admin.send([f"q{i}@example.com"]).status_code == 202
    first, cursor = page(admin, path, limit="2")
    assert len(first) == 2 and cursor
    assert page(admin, path, limit="2", cursor="") == (first, cursor)
    second, _ = page(admin, path, limit="2", cursor=cursor)
    assert len(second) == 1 and second[0] not in first
    assert_invalid(admin.get(admin.base + path, params={"cursor": "!!!"}), "cursor")


INVALID_UTF8 = [b"\x80", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\xff", b"\xf4\x90\x80\x80"]


@pytest.mark.parametrize("bad", INVALID_UTF8, ids=lambda b: b.hex())
def test_a_body_that_is_not_utf8_is_refused(world, bad):
    admin = world["admin"]
    headers = {"Content-Type": "application/json"}
    for path, body in (("/emails", b'{"to": ["ann@example.com"], "subject": "Hi ' + bad + b'"}'),
                       ("/suppressions", b'{"email": "ann@example.com", "reason": "' + bad + b'"}'),
                       ("/checks", b'{"recipients": ["ann@example.com"], "' + bad + b'": 1}')):
        assert_invalid(admin.post(path, data=body, headers=headers), "body")
    assert admin.get("/emails").json()["emails"] == []


@pytest.mark.parametrize("depth", [32, 100_000])
def test_deeply_nested_json_is_refused_naming_the_limit(world, server, depth):
    admin = world["admin"]
    nested = "[" * depth + "]" * depth
    reply = admin.post("/emails", data='{"to": ["ann@example.com"], "x": ' + nested + "}",
                       headers={"Content-Type": "application/json"})
    assert_invalid(reply, "body")
    assert "32 levels" in reply.json()["error"]["message"]
    assert server.raw("GET", "/healthz").status_code == 200
    # One level less is within the limit (the outer object is the first level).
    shallow = "[" * 31 + "]" * 31
    reply = admin.post("/emails", data='{"to": ["ann@example.com"], "x": ' + shallow + "}",
                       headers={"Content-Type": "application/json"})
    assert reply.status_code == 202, reply.text
