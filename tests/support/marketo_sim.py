#!/usr/bin/env python3
"""Marketo REST simulator for integration tests.

Serves the Identity token endpoint, the lead database calls Sendguard makes (lookup by
email or id with paging, updateOnly write-back) and the activity feed (types, paging
token, pages of activities) with Marketo's envelope, error codes and limits, so a client
cannot tell it from a real instance. Like Identity, it takes client credentials only in a
form-encoded POST body, and each token serves only the REST API of the instance that issued
it, on behalf of the client id it was issued to. Every change of a lead's `unsubscribed`, through the
control API or the REST write-back, is logged as activities the feed then serves. A
control API under /_sim/ seeds leads, changes limits, injects faults and reports what
clients did.

Usage: marketo_sim.py --port N   (0 picks a free port; prints "LISTENING <port>" first)
"""
import argparse
import base64
import collections
import copy
import datetime
import json
import secrets
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MAX_URI = 8 * 1024
MAX_BODY = 1024 * 1024
MAX_RECORDS = 300  # filterValues per lookup, input records per update
CALL_LOG_SIZE = 1000
DEFAULT_FIELDS = "email,firstName,lastName,updatedAt,createdAt"  # Marketo's own default

DEFAULT_CONFIG = {
    "clients": {"sg-client": "sg-secret"},
    "token_ttl": 3600,
    "rate_limit_calls": 100,
    "rate_limit_window_seconds": 20,
    "max_concurrent": 10,
    "daily_quota": 50000,
    "page_size": 300,
    "activity_page_size": 300,  # most activities per page, whatever batchSize asks for
    # Fields left out of every activity served: ["id"] is an instance on the Activity
    # Service (only marketoGUID identifies an activity); ["leadId"] an unreadable page.
    "activity_fields_dropped": [],
    "latency_ms": 0,
}

USAGE_PATH = "/rest/v1/stats/usage.json"
MAX_ACTIVITY_TYPE_IDS = 10
UNSUBSCRIBE_EMAIL = 9
CHANGE_DATA_VALUE = 13
UNSUBSCRIBE_PROGRAM = "Monthly Newsletter.Unsubscribe Email"  # where simulated unsubscribes click
ACTIVITY_TYPES = [
    {"id": 1, "name": "Visit Webpage", "description": "User visits a web page",
     "primaryAttribute": {"name": "Webpage ID", "dataType": "integer"},
     "attributes": [{"name": "Client IP Address", "dataType": "string"},
                    {"name": "Query Parameters", "dataType": "string"}]},
    {"id": 6, "name": "Send Email", "description": "Send Marketo Email to a person",
     "primaryAttribute": {"name": "Mailing ID", "dataType": "integer"},
     "attributes": [{"name": "Campaign Run ID", "dataType": "integer"}]},
    {"id": UNSUBSCRIBE_EMAIL, "name": "Unsubscribe Email",
     "description": "Person unsubscribed from Marketo emails",
     "primaryAttribute": {"name": "Mailing ID", "dataType": "integer"},
     "attributes": [{"name": "Client IP Address", "dataType": "string"},
                    {"name": "Form Fields", "dataType": "text"}]},
    {"id": 12, "name": "New Lead", "description": "New person",
     "attributes": [{"name": "Source Type", "dataType": "string"}]},
    {"id": CHANGE_DATA_VALUE, "name": "Change Data Value",
     "description": "Changed attribute value for a person",
     "primaryAttribute": {"name": "Attribute Name", "dataType": "string"},
     "attributes": [{"name": "New Value", "dataType": "string"},
                    {"name": "Old Value", "dataType": "string"},
                    {"name": "Reason", "dataType": "string"},
                    {"name": "Source", "dataType": "string"}]},
]

LEAD_DEFAULTS = {
    "unsubscribed": False,
    "unsubscribedReason": None,
    "emailInvalid": False,
    "marketingSuspended": False,
    "blackListed": False,
}

MESSAGES = {
    "601": "Access token invalid",
    "602": "Access token expired",
    "603": "Access denied",
    "604": "Request timed out",
    "606": "Max rate limit '100' exceeded with in '20' secs",
    "607": "Daily quota reached",
    "608": "API Temporarily Unavailable",
    "609": "Invalid JSON",
    "610": "Requested resource not found",
    "611": "System error",
    "612": "Invalid Content Type",
    "613": "Invalid Multipart Request",
    "615": "Concurrent access limit reached",
    "713": "Transient Error",
    "1003": "Invalid value",
}

FAULT_KINDS = {"error", "http_status", "timeout", "hang", "close", "garbage"}
FAULT_ENDPOINTS = {"leads", "token", "any"}  # "leads" means every /rest call


class ApiError(Exception):
    """A Marketo envelope error; `limit` marks errors from real limit enforcement."""

    def __init__(self, code, message=None, limit=False):
        super().__init__(message or MESSAGES.get(code, "Simulated error"))
        self.code = code
        self.limit = limit


def api_user(client_id):
    """The API-only user a LaunchPoint client id acts as; usage is reported per user."""
    return f"{client_id}@api.sendguard.test"


def match_key(field, value):
    """Emails match case-insensitively; ids match as decimal strings."""
    return str(value).lower() if field == "email" else str(value)


def as_bool(value):
    """The lenient boolean Marketo accepts for a boolean field."""
    return value is True or str(value).lower() in ("true", "1")


def rfc3339(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_since(text):
    """sinceDatetime as epoch seconds; a time without offset is taken as UTC."""
    try:
        since = datetime.datetime.fromisoformat((text or "").replace("Z", "+00:00"))
    except ValueError:
        raise ApiError("1003", "sinceDatetime must be an ISO 8601 date-time") from None
    if since.tzinfo is None:
        since = since.replace(tzinfo=datetime.timezone.utc)
    return since.timestamp()


def page_token(position):
    """An opaque token for a position in the activity log, shaped like Marketo's."""
    return base64.b32encode(f"sim-activity:{position}".encode()).decode().rstrip("=")


def token_position(token):
    try:
        padded = token + "=" * (-len(token) % 8)
        prefix, _, position = base64.b32decode(padded).decode().partition(":")
        if prefix == "sim-activity" and position.isdigit():
            return int(position)
    except (ValueError, UnicodeDecodeError):
        pass
    raise ApiError("1003", "Invalid nextPageToken")


def activity_type_ids(text):
    try:
        ids = {int(part) for part in text.split(",") if part.strip()}
    except ValueError:
        raise ApiError("1003", "activityTypeIds must be integers") from None
    if not 1 <= len(ids) <= MAX_ACTIVITY_TYPE_IDS:
        raise ApiError("1003", f"activityTypeIds takes 1 to {MAX_ACTIVITY_TYPE_IDS} ids")
    return ids


def batch_size(text):
    if not text.isdigit() or not 1 <= int(text) <= MAX_RECORDS:
        raise ApiError("1003", f"batchSize must be 1 to {MAX_RECORDS}")
    return int(text)


class Simulator:
    """All simulator state. Thread-safe: one lock, never held while sleeping."""

    def __init__(self):
        self.lock = threading.Lock()
        self.in_flight = 0  # survives reset: running handlers still decrement it
        self.release_hangs = threading.Event()
        self.reset()

    def reset(self):
        with self.lock:
            self.config = copy.deepcopy(DEFAULT_CONFIG)
            self.leads = []
            self.next_id = 1
            self.tokens = {}  # token -> (client id, expiry (monotonic))
            self.client_tokens = {}  # client id -> its latest token
            self.faults = []  # FIFO of fault dicts with "endpoint", remaining "count", "client_id"
            # Calls hung by a "hang" fault end on reset rather than outlive their test.
            self.release_hangs.set()
            self.release_hangs = threading.Event()
            self.pages = {}  # nextPageToken -> (stats key, results not yet returned)
            self.activity_log = []  # oldest first; a paging token is a position in it
            self.recent_calls = collections.deque()  # admitted REST calls in the window
            self.daily_calls = 0
            self.user_calls = collections.Counter()  # API user -> REST calls today
        self.clear_stats()

    def clear_stats(self):
        """Forgets what clients did so far; leads, tokens, limits and faults stay."""
        with self.lock:
            self.stats = {
                "token_calls": 0,
                "lookup_calls": 0,  # leads by email, with their further pages
                "lookup_values": 0,
                "lead_by_id_calls": 0,  # leads by id, with their further pages
                "update_calls": 0,
                "activity_calls": 0,
                "activity_types_calls": 0,
                "paging_token_calls": 0,
                "rest_calls": 0,
                "errors_by_code": collections.Counter(),
                "limit_errors": {"606": 0, "615": 0, "607": 0},
                "max_concurrent_seen": 0,
                "calls": collections.deque(maxlen=CALL_LOG_SIZE),
            }

    # --- bookkeeping -------------------------------------------------------------

    def record_call(self, kind, method, url, auth):
        with self.lock:
            self.stats["token_calls" if kind == "token" else "rest_calls"] += 1
            self.stats["calls"].append({"path": url.path, "method": method,
                                        "query": url.query, "auth": auth, "ts": time.time()})

    def count_error(self, error):
        with self.lock:
            self.stats["errors_by_code"][error.code] += 1
            if error.limit:
                self.stats["limit_errors"][error.code] += 1

    def enter(self):
        with self.lock:
            self.in_flight += 1
            self.stats["max_concurrent_seen"] = max(self.stats["max_concurrent_seen"],
                                                    self.in_flight)

    def leave(self):
        with self.lock:
            self.in_flight -= 1

    def snapshot(self):
        with self.lock:
            stats = copy.deepcopy(self.stats)
        stats["calls"] = list(stats["calls"])
        return stats

    # --- auth and limits ---------------------------------------------------------

    def issue_token(self, client_id, secret):
        """Returns (token, expires_in), or None for bad credentials."""
        with self.lock:
            if client_id is None or self.config["clients"].get(client_id) != secret:
                return None
            now = time.monotonic()
            token = self.client_tokens.get(client_id)
            if token is None or self.tokens[token][1] <= now:
                token = f"{uuid.uuid4()}:int"
                self.tokens[token] = (client_id, now + self.config["token_ttl"])
                self.client_tokens[client_id] = token
            return token, int(self.tokens[token][1] - now)

    def expire_tokens(self):
        with self.lock:
            now = time.monotonic()
            self.tokens = {token: (client, min(expiry, now))
                           for token, (client, expiry) in self.tokens.items()}

    def token_of(self, header):
        """(client id, expiry) of the bearer token in `header`; None for one never issued here."""
        # Only the Authorization header counts: the access_token query parameter is gone.
        scheme, _, token = (header or "").partition(" ")
        with self.lock:
            return self.tokens.get(token.strip()) if scheme.lower() == "bearer" else None

    def authorize(self, header):
        issued = self.token_of(header)
        if issued is None:
            raise ApiError("601")
        if issued[1] <= time.monotonic():
            raise ApiError("602")

    def admit(self):
        """Enforces the instance limits on a REST call already counted in flight."""
        with self.lock:
            cfg = self.config
            if self.in_flight > cfg["max_concurrent"]:
                raise ApiError("615", limit=True)
            if self.daily_calls >= cfg["daily_quota"]:
                raise ApiError("607", limit=True)
            now = time.monotonic()
            window = cfg["rate_limit_window_seconds"]
            while self.recent_calls and self.recent_calls[0] <= now - window:
                self.recent_calls.popleft()
            if len(self.recent_calls) >= cfg["rate_limit_calls"]:
                raise ApiError("606", f"Max rate limit '{cfg['rate_limit_calls']}' exceeded "
                                      f"with in '{window}' secs", limit=True)
            self.recent_calls.append(now)
            self.daily_calls += 1

    # --- faults ------------------------------------------------------------------

    def add_faults(self, faults, endpoint):
        if endpoint not in FAULT_ENDPOINTS:
            raise ValueError(f"endpoint must be one of {sorted(FAULT_ENDPOINTS)}")
        queued = []
        for fault in faults:
            if fault.get("kind") not in FAULT_KINDS:
                raise ValueError(f"fault kind must be one of {sorted(FAULT_KINDS)}")
            if fault["kind"] == "error" and "code" not in fault:
                raise ValueError("an error fault needs a code")
            if fault["kind"] == "http_status" and "status" not in fault:
                raise ValueError("an http_status fault needs a status")
            queued.append({"count": 1, **fault, "endpoint": endpoint})
        with self.lock:
            self.faults.extend(queued)
            return len(self.faults)

    def take_fault(self, endpoint, client_id):
        """The next fault for a call of `client_id` (None when unknown) to `endpoint`."""
        with self.lock:
            for fault in self.faults:
                if fault["endpoint"] in (endpoint, "any") and \
                        fault.get("client_id") in (None, client_id):
                    fault["count"] -= 1
                    if fault["count"] <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    # --- leads -------------------------------------------------------------------

    def add_leads(self, specs):
        if not all(isinstance(spec.get("email"), str) for spec in specs):
            raise ValueError("every lead needs an email")
        with self.lock:
            created = []
            for spec in specs:
                lead = {**LEAD_DEFAULTS, **spec, "id": self.next_id}
                self.next_id += 1
                self.leads.append(lead)
                created.append(dict(lead))
            return created

    def all_leads(self):
        with self.lock:
            return [dict(lead) for lead in self.leads]

    def set_unsubscribed(self, email, unsubscribed):
        """What a person does in Marketo: every lead with the address changes at once."""
        with self.lock:
            hits = [lead for lead in self.leads
                    if match_key("email", lead["email"]) == match_key("email", email)]
            for lead in hits:
                self.change_unsubscribed(lead, unsubscribed, "Unsubscribed via email link",
                                         "Web form fillout")
            return [dict(lead) for lead in hits]

    def lookup(self, params):
        """GET leads.json: every matching lead, paged by page_size."""
        with self.lock:
            if "nextPageToken" in params:
                key, results = self.pages.pop(params["nextPageToken"], ("lookup_calls", None))
                self.stats[key] += 1
                if results is None:
                    raise ApiError("1003", "Invalid nextPageToken")
            else:
                key = "lead_by_id_calls" if params.get("filterType") == "id" else "lookup_calls"
                self.stats[key] += 1
                results = self.find(params)
            size = self.config["page_size"]
            reply = {"result": results[:size]}
            if len(results) > size:
                token = secrets.token_urlsafe(16)
                self.pages[token] = (key, results[size:])
                reply.update(moreResult=True, nextPageToken=token)
            return reply

    def find(self, params):
        field = params.get("filterType")
        values = [v.strip() for v in params.get("filterValues", "").split(",") if v.strip()]
        if field not in ("email", "id") or not values:
            raise ApiError("1003", "filterType (email or id) and filterValues are required")
        if len(values) > MAX_RECORDS:
            raise ApiError("1003", f"Too many filterValues, at most {MAX_RECORDS}")
        if field == "email":
            self.stats["lookup_values"] += len(values)
        wanted = {match_key(field, v) for v in values}
        fields = [f.strip() for f in params.get("fields", DEFAULT_FIELDS).split(",")
                  if f.strip() and f.strip() != "id"]
        return [{"id": lead["id"], **{f: None if lead.get(f) in (None, "") else lead[f]
                                      for f in fields}}
                for lead in self.leads if match_key(field, lead[field]) in wanted]

    def update(self, request):
        """POST leads.json with action updateOnly, the write-back Sendguard uses."""
        if not isinstance(request, dict) or request.get("action") != "updateOnly":
            raise ApiError("1003", "Only action updateOnly is simulated")
        field = request.get("lookupField", "email")
        records = request.get("input")
        if field not in ("email", "id") or not isinstance(records, list):
            raise ApiError("1003", "lookupField must be email or id, with an input list")
        if len(records) > MAX_RECORDS:
            raise ApiError("1003", f"Too many input records, at most {MAX_RECORDS}")
        with self.lock:
            self.stats["update_calls"] += 1
            return {"result": [self.update_one(field, record) for record in records]}

    def update_one(self, field, record):
        value = record.get(field)
        hits = [lead for lead in self.leads if value is not None
                and match_key(field, lead[field]) == match_key(field, value)]
        if len(hits) != 1:
            reason = ({"code": "1004", "message": "Lead not found"} if not hits else
                      {"code": "1007", "message": "Multiple lead match lookup criteria"})
            return {"status": "skipped", "reasons": [reason]}
        lead = hits[0]
        # The lookup field finds the lead; it is not rewritten (an email in other case stays).
        changes = {k: v for k, v in record.items() if k not in ("id", field, "unsubscribed")}
        lead.update(changes)
        if "unsubscribed" in record:
            self.change_unsubscribed(lead, as_bool(record["unsubscribed"]),
                                     changes.get("unsubscribedReason"), "Web service API")
        return {"id": lead["id"], "status": "updated"}

    # --- activities --------------------------------------------------------------

    def change_unsubscribed(self, lead, unsubscribed, reason, source):
        """Sets the field and logs what Marketo logs for a change; the caller holds the lock."""
        old = bool(lead["unsubscribed"])
        lead["unsubscribed"] = unsubscribed
        if old == unsubscribed:
            return
        now = time.time()
        if unsubscribed:
            self.log_activity(lead["id"], UNSUBSCRIBE_EMAIL, UNSUBSCRIBE_PROGRAM,
                              [{"name": "Client IP Address", "value": "203.0.113.7"}], now)
        self.log_activity(lead["id"], CHANGE_DATA_VALUE, "Unsubscribed",
                          [{"name": "New Value", "value": unsubscribed},
                           {"name": "Old Value", "value": old},
                           {"name": "Reason", "value": reason},
                           {"name": "Source", "value": source}], now)

    def log_activity(self, lead_id, type_id, primary, attributes, ts):
        """Appends to the activity log; the caller holds the lock."""
        self.activity_log.append({"ts": ts, "activity": {
            "id": len(self.activity_log) + 1, "marketoGUID": str(uuid.uuid4()), "leadId": lead_id,
            "activityDate": rfc3339(ts), "activityTypeId": type_id,
            "primaryAttributeValue": primary, "attributes": attributes}})

    def add_activities(self, specs):
        """Logs activities as given (other types, other leads) to test filtering."""
        if not all(isinstance(spec.get("leadId"), int) and isinstance(spec.get("activityTypeId"), int)
                   for spec in specs):
            raise ValueError("every activity needs an integer leadId and activityTypeId")
        with self.lock:
            now = time.time()
            for spec in specs:
                self.log_activity(spec["leadId"], spec["activityTypeId"],
                                  spec.get("primaryAttributeValue"), spec.get("attributes", []), now)
            return [copy.deepcopy(entry["activity"]) for entry in self.activity_log[-len(specs):]]

    def all_activities(self):
        with self.lock:
            return [copy.deepcopy(entry["activity"]) for entry in self.activity_log]

    def activity_types(self):
        with self.lock:
            self.stats["activity_types_calls"] += 1
        return {"result": copy.deepcopy(ACTIVITY_TYPES)}

    def paging_token(self, params):
        """GET activities/pagingtoken.json: the log position of the first activity since then."""
        with self.lock:
            self.stats["paging_token_calls"] += 1
            if "sinceDatetime" not in params:
                raise ApiError("1003", "sinceDatetime is required")
            since = parse_since(params["sinceDatetime"])
            position = next((i for i, entry in enumerate(self.activity_log) if entry["ts"] >= since),
                            len(self.activity_log))
            return {"nextPageToken": page_token(position)}

    def activities(self, params):
        """GET activities.json: activities of the given types after the token's position."""
        with self.lock:
            self.stats["activity_calls"] += 1
            type_ids = activity_type_ids(params.get("activityTypeIds", ""))
            position = token_position(params.get("nextPageToken", ""))
            batch = min(batch_size(params.get("batchSize", str(MAX_RECORDS))),
                        self.config["activity_page_size"])
            log = self.activity_log
            items = []
            while position < len(log) and len(items) < batch:
                activity = log[position]["activity"]
                position += 1
                if activity["activityTypeId"] in type_ids:
                    items.append({k: copy.deepcopy(v) for k, v in activity.items()
                                  if k not in self.config["activity_fields_dropped"]})
            more = any(entry["activity"]["activityTypeId"] in type_ids for entry in log[position:])
            reply = {"nextPageToken": page_token(position), "moreResult": more}
            if items:  # Marketo leaves "result" out of an empty page
                reply["result"] = items
            return reply

    # --- usage (Adobe: "Get Daily Usage", GET /rest/v1/stats/usage.json) ----------

    def count_user_call(self, client_id):
        with self.lock:
            self.user_calls[api_user(client_id)] += 1

    def add_other_calls(self, user, count):
        """Calls the customer's other integrations made today: they count against the quota."""
        if count < 0:
            raise ValueError("count must be >= 0")
        with self.lock:
            self.daily_calls += count
            self.user_calls[user] += count
            return self.usage_today()

    def daily_usage(self):
        with self.lock:
            return {"result": self.usage_today()}

    def usage_today(self):
        # One item per day, the API users and their counts; this call itself is counted.
        day = time.strftime("%Y-%m-%dT00:00:00Z", time.gmtime())
        users = [{"userId": user, "count": n} for user, n in sorted(self.user_calls.items())]
        return [{"date": day, "total": self.daily_calls, "users": users}]

    def set_config(self, changes):
        unknown = set(changes) - set(DEFAULT_CONFIG)
        if unknown:
            raise ValueError(f"unknown config keys: {sorted(unknown)}")
        with self.lock:
            self.config.update(changes)
            return copy.deepcopy(self.config)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real gateway

    def do_GET(self):
        url = urlsplit(self.path)
        body = self.read_body()
        if url.path.startswith("/_sim/"):
            return self.control(url.path[len("/_sim/"):], body)
        kind = ("token" if url.path == "/identity/oauth/token"
                else "leads" if url.path.startswith("/rest/") else None)
        if kind is None:
            return self.send(404)
        self.server.sim.record_call(kind, self.command, url, self.headers.get("Authorization"))
        if len(self.path) > MAX_URI:
            return self.send(414)
        if body is None:
            return self.send(413)
        if kind == "token":
            return self.identity(url, body)
        self.rest(url, body)

    do_POST = do_GET

    def log_message(self, *args):
        pass  # tests read /_sim/stats instead of an access log

    # --- transport helpers -------------------------------------------------------

    def read_body(self):
        """The request body, or None when over 1 MB (drained so keep-alive survives)."""
        length = int(self.headers.get("Content-Length") or 0)
        if length <= MAX_BODY:
            return self.rfile.read(length)
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 16))
            if not chunk:
                break
            length -= len(chunk)
        return None

    def params(self, url, body):
        """Query parameters, overridden by form-encoded body parameters."""
        params = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if self.headers.get_content_type() == "application/x-www-form-urlencoded":
            params.update({k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()})
        return params

    def send(self, status, body=None, content_type="text/plain"):
        if body is None:
            body = f"{status} {self.responses.get(status, ('',))[0]}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, obj, status=200):
        self.send(status, json.dumps(obj).encode(), "application/json;charset=UTF-8")

    def send_envelope(self, payload=None, error=None):
        reply = {"requestId": f"{secrets.token_hex(2)}#{time.time_ns() // 1_000_000:x}"}
        if error is None:
            reply.update(success=True, **payload)
        else:
            self.server.sim.count_error(error)
            reply.update(success=False, errors=[{"code": error.code, "message": str(error)}])
        self.send_json(reply)

    def apply_fault(self, fault):
        """Acts out an injected fault; False when the call should then proceed normally."""
        kind = fault["kind"]
        if kind == "timeout":
            time.sleep(fault.get("seconds", 30))
            return False
        if kind == "hang":  # accepts and never answers, until the simulator is reset
            self.server.sim.release_hangs.wait(fault.get("seconds", 300))
            self.close_connection = True
            return True
        if kind == "error":
            self.send_envelope(error=ApiError(str(fault["code"])))
        elif kind == "http_status":
            self.send(fault["status"], f"<html><body>{fault['status']}</body></html>".encode(),
                      "text/html")
        elif kind == "close":
            self.close_connection = True  # nothing written: the client sees EOF
        else:
            self.send(200, b'<html>{"success": tr', "application/json")
        return True

    # --- endpoints ---------------------------------------------------------------

    def identity(self, url, body):
        # Secrets in a URL end up in proxy and access logs: like a strict Identity, refuse them.
        if "client_secret" in parse_qs(url.query):
            return self.send_json({"error": "invalid_request",
                                   "error_description": "client credentials belong in a form body"},
                                  400)
        params = {}
        if self.command == "POST" and \
                self.headers.get_content_type() == "application/x-www-form-urlencoded":
            params = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        fault = self.server.sim.take_fault("token", params.get("client_id"))
        if fault and self.apply_fault(fault):
            return
        if params.get("grant_type") != "client_credentials":
            return self.send_json({"error": "unsupported_grant_type",
                                   "error_description": "grant_type must be client_credentials"},
                                  400)
        issued = self.server.sim.issue_token(params.get("client_id"), params.get("client_secret"))
        if issued is None:
            return self.send_json({"error": "invalid_client",
                                   "error_description": "Bad client credentials"}, 401)
        token, expires_in = issued
        self.send_json({"access_token": token, "token_type": "bearer",
                        "expires_in": expires_in, "scope": "apis@sendguard.test"})

    def rest(self, url, body):
        sim = self.server.sim
        sim.enter()
        try:
            issued = sim.token_of(self.headers.get("Authorization"))
            fault = sim.take_fault("leads", issued[0] if issued else None)
            if fault and self.apply_fault(fault):
                return
            sim.authorize(self.headers.get("Authorization"))
            sim.admit()
            sim.count_user_call(issued[0])
            time.sleep(sim.config["latency_ms"] / 1000)
            self.send_envelope(self.rest_call(url, body))
        except ApiError as error:
            self.send_envelope(error=error)
        finally:
            sim.leave()

    def rest_call(self, url, body):
        sim = self.server.sim
        activity_calls = {"/rest/v1/activities/types.json": lambda params: sim.activity_types(),
                          "/rest/v1/activities/pagingtoken.json": sim.paging_token,
                          "/rest/v1/activities.json": sim.activities}
        if url.path in activity_calls and self.command == "GET":
            return activity_calls[url.path](self.params(url, b""))
        if url.path == USAGE_PATH and self.command == "GET":
            return sim.daily_usage()
        if url.path != "/rest/v1/leads.json":
            raise ApiError("610")
        content_type = self.headers.get_content_type()
        if self.command == "GET":
            return self.server.sim.lookup(self.params(url, b""))
        if parse_qs(url.query).get("_method") == ["GET"]:
            if content_type != "application/x-www-form-urlencoded":
                raise ApiError("612")
            return self.server.sim.lookup(self.params(url, body))
        if content_type != "application/json":
            raise ApiError("612")
        try:
            request = json.loads(body)
        except ValueError:
            raise ApiError("609") from None
        return self.server.sim.update(request)

    def control(self, action, body):
        sim = self.server.sim
        try:
            req = json.loads(body) if body else {}
            if action == "reset":
                sim.reset()
                reply = {"ok": True}
            elif action == "leads":
                reply = {"leads": sim.add_leads(req["leads"]) if self.command == "POST"
                         else sim.all_leads()}
            elif action == "activities":
                reply = {"activities": sim.add_activities(req["activities"]) if self.command == "POST"
                         else sim.all_activities()}
            elif action == "unsubscribe":
                reply = {"leads": sim.set_unsubscribed(req["email"], bool(req["unsubscribed"]))}
            elif action == "config":
                reply = {"config": sim.set_config(req)}
            elif action == "faults":
                reply = {"queued": sim.add_faults(req["faults"], req.get("endpoint", "leads"))}
            elif action == "expire_tokens":
                sim.expire_tokens()
                reply = {"ok": True}
            elif action == "clear_stats":
                sim.clear_stats()
                reply = {"ok": True}
            elif action == "other_calls":
                reply = {"result": sim.add_other_calls(req["user"], int(req["count"]))}
            elif action == "stats":
                reply = sim.snapshot()
            else:
                return self.send_json({"error": f"unknown control action {action!r}"}, 404)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            return self.send_json({"error": f"{type(error).__name__}: {error}"}, 400)
        self.send_json(reply)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # concurrency tests open many connections at once

    def handle_error(self, request, client_address):
        # Clients giving up mid-reply (timeouts, injected faults) are expected here.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description="Marketo REST simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = Server((args.host, args.port), Handler)
    server.sim = Simulator()
    print(f"LISTENING {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
