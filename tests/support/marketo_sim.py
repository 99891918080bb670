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
       [--config JSON]  (config changes applied at start, as POST /_sim/config takes them)
       [--demo]         (seeds DEMO_PEOPLE: a stand-in Marketo for trying Sendguard out)
"""
import argparse
import base64
import collections
import copy
import csv
import datetime
import hashlib
import io
import json
import secrets
import sys
import threading
import time
import urllib.error
import urllib.request
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
    # Strict: a lookup whose filter more than this many leads match fails with 1003 "Too many
    # results match the filter" (MARKETO.md "1003 on lookups", from Adobe's Error Codes page
    # and its Leads page); None matches without limit.
    "lookup_match_limit": None,
    # Strict: a call refused with 606 still counts in the rolling window, so a retry inside
    # the window fails again (MARKETO.md "606"; node-marketo waits the whole 20 s for it).
    "rate_limit_counts_refused": False,
    # Bulk Lead Extract: status reads a job spends Queued, then Processing; the next N
    # enqueued jobs end Failed; filters the subscription lacks (Adobe: updatedAt and smart
    # lists are not on every subscription, error 1035); the day's export allowance.
    "export_status_reads": 2,
    "export_fail_next": 0,
    "export_unsupported_filters": ["updatedAt", "smartListId", "smartListName"],
    "export_daily_bytes": 500 * 1024 * 1024,
    # API role permissions of client ids, e.g. {"sg-client": ["read_lead"]}; see Simulator.permit.
    "client_permissions": {},
    # The display name of the `unsubscribed` field: an admin may relabel it (describe.json
    # and Change Data Value's primaryAttributeValue then say so; its id stays).
    "unsubscribed_display_name": "Unsubscribed",
    # MARKETO.md "Who logs what": only a person's unsubscribe link logs Unsubscribe Email;
    # API, CRM and import changes log only Change Data Value.
    "api_changes_cdv_only": False,
    # Change Data Value noise: leadScore changes on other leads, per second, logged as the
    # feed is read (type 13 is the noisiest type of a busy instance, MARKETO.md).
    "cdv_noise_per_second": 0,
    # Every other page empty and the rest a third of batchSize, with moreResult true
    # (Adobe's Activities page: a page may be short or empty while moreResult is true).
    "short_pages": False,
    # Date-based paging tokens (Adobe's Paging Tokens page) and unsubscribes committed this
    # many seconds after their activityDate: a reader already past that date misses them.
    "date_based_paging": False,
    "late_commit_seconds": 0,
    # leads/describe.json fails with this error code (None: it answers). Adobe's Error Codes
    # page lists codes any REST call may return (603 when the API user's role lacks a
    # permission, 611 for a system error); the feed then matches the field by display name.
    "describe_error_code": None,
}

# Every strictness option at once; a test asks for it with sim.config(**STRICT).
STRICT = {
    "activity_fields_dropped": ["id"],
    "unsubscribed_display_name": "Opted Out",
    "api_changes_cdv_only": True,
    "cdv_noise_per_second": 5,
    "short_pages": True,
    "date_based_paging": True,
    "late_commit_seconds": 2,
    "lookup_match_limit": 1000,
    "rate_limit_counts_refused": True,
}

USAGE_PATH = "/rest/v1/stats/usage.json"
MAX_ACTIVITY_TYPE_IDS = 10
UNSUBSCRIBE_EMAIL = 9
NEW_LEAD = 12
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
    {"id": NEW_LEAD, "name": "New Lead", "description": "New person",
     "attributes": [{"name": "Source Type", "dataType": "string"}]},
    {"id": CHANGE_DATA_VALUE, "name": "Change Data Value",
     "description": "Changed attribute value for a person",
     "primaryAttribute": {"name": "Attribute Name", "dataType": "string"},
     "attributes": [{"name": "New Value", "dataType": "string"},
                    {"name": "Old Value", "dataType": "string"},
                    {"name": "Reason", "dataType": "string"},
                    {"name": "Source", "dataType": "string"}]},
]

# leads/describe.json, shaped as Adobe's Describe Lead example (id, displayName, dataType,
# length, rest and soap names); the id of `unsubscribed` is what Change Data Value carries.
EMAIL_FIELD_ID = 31
UNSUBSCRIBED_FIELD_ID = 48
LEAD_SCORE_FIELD_ID = 52
LEAD_FIELDS = [
    {"id": 2, "displayName": "Company Name", "dataType": "string", "length": 255,
     "rest": {"name": "company", "readOnly": False}, "soap": {"name": "Company", "readOnly": False}},
    {"id": EMAIL_FIELD_ID, "displayName": "Email Address", "dataType": "email", "length": 255,
     "rest": {"name": "email", "readOnly": False}, "soap": {"name": "Email", "readOnly": False}},
    {"id": UNSUBSCRIBED_FIELD_ID, "displayName": "Unsubscribed", "dataType": "boolean",
     "rest": {"name": "unsubscribed", "readOnly": False}, "soap": {"name": "Unsubscribed", "readOnly": False}},
    {"id": LEAD_SCORE_FIELD_ID, "displayName": "Lead Score", "dataType": "integer",
     "rest": {"name": "leadScore", "readOnly": False}, "soap": {"name": "LeadScore", "readOnly": False}},
]
NOISE_LEAD_BASE = 1_000_000  # noise changes other leads than the test's

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
    "614": "Invalid Subscription",
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


def encode_token(*fields):
    """An opaque paging token, shaped like Marketo's; the last field is when it was issued."""
    text = ":".join(str(f) for f in (*fields, f"{time.time():.6f}"))
    return base64.b32encode(text.encode()).decode().rstrip("=")


def page_token(position):
    """A token for a position in the activity log."""
    return encode_token("sim-activity", position)


def date_token(ts, seq):
    """A date-based token: what comes after (activityDate, seq)."""
    return encode_token("sim-date", f"{ts:.6f}", seq)


def decode_token(token):
    try:
        fields = base64.b32decode(token + "=" * (-len(token) % 8)).decode().split(":")
        if fields[0] in ("sim-activity", "sim-date") and len(fields) in (3, 4):
            float(fields[-1])
            return fields
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


# --- Bulk Lead Extract ---------------------------------------------------------------
# After Adobe's "Bulk Extract" and "Bulk Lead Extract" pages (experienceleague.adobe.com/en/
# docs/marketo-developer/marketo/rest/bulk-extract/): endpoints under /bulk (not /rest),
# one filter per job (createdAt, updatedAt, staticListId/Name, smartListId/Name), date
# ranges of at most 31 days in ISO 8601 without milliseconds, jobs Created -> Queued ->
# Processing -> Completed (or Failed/Cancelled), 2 processing and 10 queued at most (1029
# "Too many jobs in queue"), 500 MB of files a day (1029 "Export daily quota exceeded"),
# and a CSV file with a header row of the fields' REST names. Reply bodies follow the
# recorded create/status replies in snaplogic's Marketo bulk-extract notes
# (exportId, format, status, createdAt, then queuedAt, startedAt, finishedAt,
# numberOfRecords, fileSize, fileChecksum). Codes Adobe does not document for a case (a
# bad filter value, an unknown exportId, a file asked for too early) are 1003 "Invalid value".
BULK_LEAD_EXPORT = "/bulk/v1/leads/export/"
EXPORT_FILTERS = {"createdAt", "updatedAt", "staticListId", "staticListName", "smartListId", "smartListName"}
EXPORT_FORMATS = {"CSV": ",", "TSV": "\t", "SSV": " "}
MAX_EXPORT_DAYS = 31
MAX_QUEUED_EXPORTS = 10
MAX_PROCESSING_EXPORTS = 2


class ExportFile:
    """A bulk export's file: sent as it is, not in the JSON envelope."""

    def __init__(self, data):
        self.data = data


def export_time(text, name):
    """An export filter's date-time as epoch seconds: ISO 8601, without milliseconds."""
    if not isinstance(text, str) or "." in text:
        raise ApiError("1003", f"{name} must be an ISO 8601 date-time without milliseconds")
    return parse_since(text)


def export_range(spec, name):
    """(start, end) of a createdAt/updatedAt filter; at most 31 days, forward."""
    if not isinstance(spec, dict) or set(spec) != {"startAt", "endAt"}:
        raise ApiError("1003", f"{name} takes startAt and endAt")
    start, end = export_time(spec["startAt"], "startAt"), export_time(spec["endAt"], "endAt")
    if end < start:
        raise ApiError("1003", "endAt is before startAt")
    if end - start > MAX_EXPORT_DAYS * 86400:
        raise ApiError("1003", f"{name} date range must be {MAX_EXPORT_DAYS} days or fewer")
    return start, end


def csv_value(value):
    """A lead field as Marketo writes it in an export: empty for null, lower-case booleans."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


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
            self.webhooks, self.webhook_calls = [], []
            self.exports = {}  # exportId -> bulk lead export job
            self.reset_feed()
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
                "export_create_calls": 0,
                "export_enqueue_calls": 0,
                "export_status_calls": 0,
                "export_file_calls": 0,
                "describe_calls": 0,
                "lead_changes_calls": 0,
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

    # Adobe, "Descriptions of Role Permissions" (Access API group) and KB ka-29391: a call
    # the API user's role does not permit fails with 603 "Access denied". Read-Write Lead
    # includes reading; a client id left out of "client_permissions" may do everything.
    PERMISSIONS = {"read_lead", "write_lead", "read_activity"}

    def permit(self, client_id, command, url):
        allowed = self.config["client_permissions"].get(client_id)
        if allowed is None:
            return
        if url.path.startswith("/rest/v1/activities"):
            needed = {"read_activity"}
        elif command == "POST" and parse_qs(url.query).get("_method") != ["GET"]:
            needed = {"write_lead"}
        else:
            needed = {"read_lead", "write_lead"}
        if not needed & set(allowed):
            raise ApiError("603")

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
                self.count_refused_call(now)
                raise ApiError("606", f"Max rate limit '{cfg['rate_limit_calls']}' exceeded "
                                      f"with in '{window}' secs", limit=True)
            self.recent_calls.append(now)
            self.daily_calls += 1

    def count_refused_call(self, now):
        """Under rate_limit_counts_refused, a 606 keeps the window full. Lock held."""
        if self.config["rate_limit_counts_refused"]:
            self.recent_calls.append(now)

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

    def clear_faults(self):
        with self.lock:
            self.faults = []

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
                lead = {**LEAD_DEFAULTS, "createdAt": rfc3339(time.time()), **spec, "id": self.next_id}
                self.next_id += 1
                self.leads.append(lead)
                # Every lead created logs New Lead, dated when it was created; a lead imported
                # already unsubscribed logs no Change Data Value (its first value is no change).
                self.log_activity(lead["id"], NEW_LEAD, None, [{"name": "Source Type", "value": "List import"}],
                                  parse_since(lead["createdAt"]))
                created.append(dict(lead))
            return created

    def leads_with(self, email):
        """Every lead with the address, matched as a lookup matches it; the caller holds the lock."""
        return [lead for lead in self.leads if match_key("email", lead["email"]) == match_key("email", email)]

    def change_email(self, email, new_email):
        """An admin or a CRM sync changes the address of every lead with `email`: Change
        Data Value of the Email Address field. Returns the leads changed."""
        with self.lock:
            hits = self.leads_with(email)
            for lead in hits:
                lead["email"] = new_email
                self.log_activity(lead["id"], CHANGE_DATA_VALUE, "Email Address",
                                  [{"name": "New Value", "value": new_email},
                                   {"name": "Old Value", "value": email},
                                   {"name": "Reason", "value": "Changed by an admin"},
                                   {"name": "Source", "value": "Person Details"}],
                                  time.time() - self.config["late_commit_seconds"], primary_id=EMAIL_FIELD_ID)
            return [dict(lead) for lead in hits]

    def all_leads(self):
        with self.lock:
            return [dict(lead) for lead in self.leads]

    def set_unsubscribed(self, email, unsubscribed):
        """What a person does in Marketo: every lead with the address changes at once."""
        with self.lock:
            hits = self.leads_with(email)
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
        matches = [lead for lead in self.leads if match_key(field, lead[field]) in wanted]
        self.check_match_limit(len(matches))
        # As Adobe's "Get Leads by Filter Type" example: "id" first, then the asked fields in
        # the order asked, an empty one as null (not left out); no match is an empty result.
        return [{"id": lead["id"], **{f: None if lead.get(f) in (None, "") else lead[f]
                                      for f in fields}}
                for lead in matches]

    def check_match_limit(self, matched):
        """Under lookup_match_limit, too many matching leads fail the whole call. Lock held."""
        limit = self.config["lookup_match_limit"]
        if limit is not None and matched > limit:
            raise ApiError("1003", "Too many results match the filter")

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
        now -= self.config["late_commit_seconds"]
        if unsubscribed and self.logs_unsubscribe_email(source):
            self.log_activity(lead["id"], UNSUBSCRIBE_EMAIL, UNSUBSCRIBE_PROGRAM,
                              [{"name": "Client IP Address", "value": "203.0.113.7"}], now)
        self.log_activity(lead["id"], CHANGE_DATA_VALUE, self.config["unsubscribed_display_name"],
                          [{"name": "New Value", "value": unsubscribed},
                           {"name": "Old Value", "value": old},
                           {"name": "Reason", "value": reason},
                           {"name": "Source", "value": source}], now,
                          primary_id=UNSUBSCRIBED_FIELD_ID)
        self.fire_webhooks(lead)

    def log_activity(self, lead_id, type_id, primary, attributes, ts, primary_id=None):
        """Appends to the activity log; the caller holds the lock. Keys in the order of
        Adobe's "Get Lead Activities" example (id, marketoGUID, leadId, activityDate,
        activityTypeId, then primaryAttributeValueId before primaryAttributeValue when the
        type has a primary attribute id, then attributes as name/value pairs)."""
        activity = {
            "id": len(self.activity_log) + 1, "marketoGUID": str(uuid.uuid4()), "leadId": lead_id,
            "activityDate": rfc3339(ts), "activityTypeId": type_id,
            "primaryAttributeValue": primary, "attributes": attributes}
        if primary_id is not None:  # Change Data Value: the field's id, before its name
            activity = {**{k: v for k, v in activity.items() if k != "primaryAttributeValue"},
                        "primaryAttributeValueId": primary_id, "primaryAttributeValue": primary,
                        "attributes": attributes}
        self.activity_log.append({"ts": ts, "seq": len(self.activity_log), "activity": activity})

    # --- webhooks (a trigger campaign's Call Webhook step) ---------------------------

    def add_webhook(self, spec):
        """What an admin builds in Marketo: a webhook (URL, custom headers, payload template)
        called by a trigger campaign on "Data Value Changes: Unsubscribed". Follows Adobe's
        "Create a Webhook" and "Custom Headers" pages (Marketo Engage docs): POST, a JSON
        payload template with {{lead.*}} tokens, any headers; no retry of a failed call."""
        host = urlsplit(spec["url"]).hostname
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the simulator calls webhooks on loopback only")
        if not isinstance(spec.get("payload_template"), str):
            raise ValueError("payload_template (a string) is required")
        hook = {"url": spec["url"], "headers": dict(spec.get("headers", {})),
                "payload_template": spec["payload_template"]}
        with self.lock:
            self.webhooks.append(hook)
        return hook

    def fire_webhooks(self, lead):
        """Calls every webhook about `lead` off the caller's thread, as Marketo's campaign
        runs after the change; the caller holds the lock."""
        for hook in self.webhooks:
            threading.Thread(target=self.call_webhook, args=(hook, dict(lead)), daemon=True).start()

    @staticmethod
    def render_tokens(template, lead):
        """Marketo's token rendering: string values arrive wrapped in double quotes (JSON
        escaped), numbers and booleans bare (Adobe, "Create a Webhook": "string tokens are
        automatically quoted")."""
        fields = {"lead.Email Address": lead["email"], "lead.Unsubscribed": bool(lead["unsubscribed"]),
                  "lead.Id": lead["id"]}
        for token, value in fields.items():
            template = template.replace("{{" + token + "}}", json.dumps(value))
        return template

    def call_webhook(self, hook, lead):
        body = self.render_tokens(hook["payload_template"], lead).encode()
        request = urllib.request.Request(hook["url"], data=body, method="POST",
                                         headers={"Content-Type": "application/json", **hook["headers"]})
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:  # Marketo waits up to 30 s
                status = reply.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError as error:
            status = str(error)
        with self.lock:
            self.webhook_calls.append({"url": hook["url"], "email": lead["email"],
                                       "unsubscribed": bool(lead["unsubscribed"]), "status": status})

    def webhook_state(self):
        with self.lock:
            return {"webhooks": list(self.webhooks), "calls": list(self.webhook_calls)}

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
            if self.config["date_based_paging"]:
                return {"nextPageToken": date_token(since, -1)}
            position = next((i for i, entry in enumerate(self.activity_log) if entry["ts"] >= since),
                            len(self.activity_log))
            return {"nextPageToken": page_token(position)}

    def activities(self, params):
        """GET activities.json: activities of the given types after the token's point."""
        with self.lock:
            self.stats["activity_calls"] += 1
            type_ids = activity_type_ids(params.get("activityTypeIds", ""))
            return self.feed_page(params, lambda a: a["activityTypeId"] in type_ids, self.served)

    # --- strict feed: field ids, noise, short pages, date tokens, expiry ------------

    def reset_feed(self):
        """Feed state beyond the log; the caller holds the lock."""
        self.noise_since = time.time()
        self.short_toggle = False
        self.tokens_valid_from = 0.0  # paging tokens issued earlier are refused

    def served(self, activity):
        return {k: copy.deepcopy(v) for k, v in activity.items()
                if k not in self.config["activity_fields_dropped"]}

    def logs_unsubscribe_email(self, source):
        return not self.config["api_changes_cdv_only"] or source == "Web form fillout"

    def log_noise(self):
        """Logs the leadScore changes due by now; the caller holds the lock."""
        rate = self.config["cdv_noise_per_second"]
        now = time.time()
        count = min(int((now - self.noise_since) * rate), 100_000)
        for i in range(count):
            self.log_activity(NOISE_LEAD_BASE + i, CHANGE_DATA_VALUE, "Lead Score",
                              [{"name": "New Value", "value": 10 + i % 50},
                               {"name": "Old Value", "value": 5},
                               {"name": "Reason", "value": "Change score"},
                               {"name": "Source", "value": "Marketo Flow Action"}], now,
                              primary_id=LEAD_SCORE_FIELD_ID)
        self.noise_since = self.noise_since + count / rate if rate > 0 else now

    def token_point(self, token):
        """Where a paging token continues from: a log position or (activityDate, seq)."""
        fields = decode_token(token)
        if float(fields[-1]) < self.tokens_valid_from:
            # Adobe documents no code of its own for a stale token; 1003 is its code for
            # an invalid parameter value.
            raise ApiError("1003", "Paging token expired")
        if fields[0] == "sim-date" and len(fields) == 4:
            return float(fields[1]), int(fields[2])
        return int(fields[1])

    def feed_page(self, params, wanted, shape):
        """A page of the log entries `wanted` keeps, after the token's point; the caller
        holds the lock. Date tokens order by activityDate, so an entry committed late, dated
        before an entry already read, is behind a reader's token: it is never served to it."""
        after = self.token_point(params.get("nextPageToken", ""))
        self.log_noise()
        batch = min(batch_size(params.get("batchSize", str(MAX_RECORDS))),
                    self.config["activity_page_size"])
        if self.config["short_pages"]:
            self.short_toggle = not self.short_toggle
            if self.short_toggle:
                return {"nextPageToken": params["nextPageToken"], "moreResult": True}
            batch = max(1, batch // 3)
        if isinstance(after, tuple):
            entries = sorted(((e["ts"], e["seq"]), e) for e in self.activity_log
                             if (e["ts"], e["seq"]) > after)
            to_token = lambda point: date_token(*point)  # noqa: E731
        else:
            entries = [(i + 1, e) for i, e in enumerate(self.activity_log[after:], start=after)]
            to_token = page_token
        items, point, read = [], after, 0
        for point_after, entry in entries:
            if len(items) == batch:
                break
            read += 1
            point = point_after
            if wanted(entry["activity"]):
                items.append(shape(entry["activity"]))
        more = any(wanted(entry["activity"]) for _, entry in entries[read:])
        reply = {"nextPageToken": to_token(point), "moreResult": more}
        if items:  # Marketo leaves "result" out of an empty page
            reply["result"] = items
        return reply

    def describe(self):
        """GET leads/describe.json, with the field's display name as relabelled."""
        self.check_describe_error()
        with self.lock:
            self.stats["describe_calls"] += 1
            fields = copy.deepcopy(LEAD_FIELDS)
            for field in fields:
                if field["id"] == UNSUBSCRIBED_FIELD_ID:
                    field["displayName"] = self.config["unsubscribed_display_name"]
            return {"result": fields}

    def check_describe_error(self):
        """Under describe_error_code, describe.json fails with that code."""
        with self.lock:
            code = self.config["describe_error_code"]
            if code:
                self.stats["describe_calls"] += 1  # a refused call is a call
        if code:
            raise ApiError(code)

    def lead_changes(self, params):
        """GET activities/leadchanges.json: Change Data Value of the listed fields only,
        shaped as Adobe's Get Lead Changes example (fields: id, name, newValue, oldValue)."""
        with self.lock:
            self.stats["lead_changes_calls"] += 1
            names = {n.strip().lower() for n in params.get("fields", "").split(",") if n.strip()}
            if not names:
                raise ApiError("1003", "fields is required")
            by_id = {f["id"]: f["rest"]["name"] for f in LEAD_FIELDS if f["rest"]["name"].lower() in names}

            def shape(activity):
                values = {a["name"]: a["value"] for a in activity["attributes"]}
                item = {k: v for k, v in self.served(activity).items()
                        if k not in ("primaryAttributeValueId", "primaryAttributeValue", "attributes")}
                item["fields"] = [{"id": activity["primaryAttributeValueId"],
                                   "name": by_id[activity["primaryAttributeValueId"]],
                                   "newValue": values.get("New Value"), "oldValue": values.get("Old Value")}]
                item["attributes"] = [{"name": "Source", "value": values.get("Source")}]
                return item

            return self.feed_page(params, lambda a: a["activityTypeId"] == CHANGE_DATA_VALUE and
                                  a.get("primaryAttributeValueId") in by_id, shape)

    def expire_paging_tokens(self):
        with self.lock:
            self.tokens_valid_from = time.time()

    # --- bulk lead export ----------------------------------------------------------

    def create_export(self, request):
        """POST bulk/v1/leads/export/create.json: a job in state Created."""
        with self.lock:
            self.stats["export_create_calls"] += 1
        if not isinstance(request, dict):
            raise ApiError("1003", "The request body must be a JSON object")
        fields = request.get("fields")
        if not isinstance(fields, list) or not fields or not all(isinstance(f, str) for f in fields):
            raise ApiError("1003", "fields must be a non-empty list of field names")
        known = set(LEAD_DEFAULTS) | {"email", "id", "createdAt", "updatedAt", "firstName", "lastName"}
        unknown = [f for f in fields if f not in known]
        if unknown:
            raise ApiError("1003", f"Invalid fields: {','.join(unknown)}")
        fmt = request.get("format", "CSV")
        if fmt not in EXPORT_FORMATS:
            raise ApiError("1003", f"format must be one of {sorted(EXPORT_FORMATS)}")
        filters = request.get("filter")
        if not isinstance(filters, dict) or len(filters) != 1:
            raise ApiError("1003", "Exactly one filter type is required")
        [(kind, spec)] = filters.items()
        if kind not in EXPORT_FILTERS:
            raise ApiError("1003", f"Invalid filter type: {kind}")
        with self.lock:
            if kind in self.config["export_unsupported_filters"]:
                raise ApiError("1035", "Unsupported filter type for target subscription")
            if kind not in ("createdAt", "updatedAt"):
                raise ApiError("1003", f"No list matches the {kind} filter")
            self.check_export_allowance()
            job = {"exportId": str(uuid.uuid4()), "format": fmt, "status": "Created",
                   "createdAt": rfc3339(time.time()), "fields": fields,
                   "range": export_range(spec, kind), "reads": 0}
            self.exports[job["exportId"]] = job
            return {"result": [self.export_view(job)]}

    def check_export_allowance(self):
        """The caller holds the lock."""
        spent = sum(job.get("fileSize", 0) for job in self.exports.values())
        if spent >= self.config["export_daily_bytes"]:
            raise ApiError("1029", "Export daily quota exceeded")

    def export_job(self, export_id):
        """The caller holds the lock."""
        job = self.exports.get(export_id)
        if job is None:
            raise ApiError("1003", f"Export id {export_id} not found")
        return job

    def export_view(self, job):
        """A job as Marketo shows it: internal bookkeeping left out."""
        return {k: v for k, v in job.items() if k not in ("fields", "range", "reads", "file", "fail")}

    def enqueue_export(self, export_id):
        with self.lock:
            self.stats["export_enqueue_calls"] += 1
            job = self.export_job(export_id)
            if job["status"] != "Created":
                raise ApiError("1029", f"Export job {export_id} is already {job['status']}")
            self.check_export_allowance()
            waiting = [j for j in self.exports.values() if j["status"] in ("Queued", "Processing")]
            if len(waiting) >= MAX_QUEUED_EXPORTS:
                raise ApiError("1029", "Too many jobs in queue")
            job.update(status="Queued", queuedAt=rfc3339(time.time()), reads=0)
            if self.config["export_fail_next"] > 0:
                self.config["export_fail_next"] -= 1
                job["fail"] = True
            return {"result": [self.export_view(job)]}

    def export_status(self, export_id):
        """GET .../status.json; each read moves the job on once it has sat its reads."""
        with self.lock:
            self.stats["export_status_calls"] += 1
            job = self.export_job(export_id)
            job["reads"] += 1
            if job["reads"] > self.config["export_status_reads"]:
                self.progress_export(job)
            return {"result": [self.export_view(job)]}

    def progress_export(self, job):
        """The caller holds the lock."""
        now = time.time()
        processing = sum(1 for j in self.exports.values() if j["status"] == "Processing")
        if job["status"] == "Queued" and processing < MAX_PROCESSING_EXPORTS:
            # The file holds the leads matching the filter when processing starts.
            job.update(status="Processing", startedAt=rfc3339(now), reads=0, file=self.export_file_of(job))
        elif job["status"] == "Processing" and job.get("fail"):
            job.update(status="Failed", finishedAt=rfc3339(now), errorMsg="Export failed")
        elif job["status"] == "Processing":
            data = job["file"]
            job.update(status="Completed", finishedAt=rfc3339(now), numberOfRecords=data.count(b"\n") - 1,
                       fileSize=len(data), fileChecksum="sha256:" + hashlib.sha256(data).hexdigest())

    def export_file_of(self, job):
        """The caller holds the lock."""
        start, end = job["range"]
        out = io.StringIO()
        writer = csv.writer(out, delimiter=EXPORT_FORMATS[job["format"]], lineterminator="\n")
        writer.writerow(job["fields"])
        for lead in self.leads:
            if start <= parse_since(lead["createdAt"]) <= end:
                writer.writerow([csv_value(lead.get(f)) for f in job["fields"]])
        return out.getvalue().encode()

    def export_file(self, export_id):
        with self.lock:
            self.stats["export_file_calls"] += 1
            job = self.export_job(export_id)
            if job["status"] != "Completed":
                raise ApiError("1003", f"Export job {export_id} is not completed")
            return ExportFile(job["file"])

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
                else "leads" if url.path.startswith(("/rest/", "/bulk/")) else None)
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
        # Adobe's "Response Structure" and "Error Codes" pages: requestId as "hex#hex",
        # success, then result (or errors, each code a string such as "601"); HTTP 200
        # even for API errors.
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
            sim.permit(issued[0], self.command, url)
            sim.admit()
            sim.count_user_call(issued[0])
            time.sleep(sim.config["latency_ms"] / 1000)
            reply = self.rest_call(url, body)
            if isinstance(reply, ExportFile):
                return self.send(200, reply.data, "text/csv;charset=UTF-8")
            self.send_envelope(reply)
        except ApiError as error:
            self.send_envelope(error=error)
        finally:
            sim.leave()

    def rest_call(self, url, body):
        sim = self.server.sim
        activity_calls = {"/rest/v1/activities/types.json": lambda params: sim.activity_types(),
                          "/rest/v1/leads/describe.json": lambda params: sim.describe(),
                          "/rest/v1/activities/leadchanges.json": sim.lead_changes,
                          "/rest/v1/activities/pagingtoken.json": sim.paging_token,
                          "/rest/v1/activities.json": sim.activities}
        if url.path in activity_calls and self.command == "GET":
            return activity_calls[url.path](self.params(url, b""))
        if url.path.startswith(BULK_LEAD_EXPORT):
            return self.bulk_lead_export(url, body)
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

    def bulk_lead_export(self, url, body):
        """POST create.json, POST {id}/enqueue.json, GET {id}/status.json, GET {id}/file.json."""
        sim = self.server.sim
        rest = url.path[len(BULK_LEAD_EXPORT):]
        if rest == "create.json" and self.command == "POST":
            if self.headers.get_content_type() != "application/json":
                raise ApiError("612")
            try:
                return sim.create_export(json.loads(body))
            except ValueError:
                raise ApiError("609") from None
        export_id, _, action = rest.partition("/")
        actions = {("enqueue.json", "POST"): sim.enqueue_export, ("status.json", "GET"): sim.export_status,
                   ("file.json", "GET"): sim.export_file}
        if (action, self.command) not in actions:
            raise ApiError("610")
        return actions[(action, self.command)](export_id)

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
            elif action == "change_email":
                reply = {"leads": sim.change_email(req["email"], req["new_email"])}
            elif action == "webhooks":
                if self.command == "POST":
                    sim.add_webhook(req)
                reply = sim.webhook_state()
            elif action == "config":
                reply = {"config": sim.set_config(req)}
            elif action == "faults":
                reply = {"queued": sim.add_faults(req["faults"], req.get("endpoint", "leads"))}
            elif action == "clear_faults":
                sim.clear_faults()
                reply = {"ok": True}
            elif action == "expire_paging_tokens":
                sim.expire_paging_tokens()
                reply = {"ok": True}
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


# A few people to try Sendguard with; one has unsubscribed, so the check refuses mail to her.
DEMO_PEOPLE = [
    {"email": "ann.buyer@example.com", "firstName": "Ann", "lastName": "Buyer"},
    {"email": "bo.prospect@example.com", "firstName": "Bo", "lastName": "Prospect"},
    {"email": "una.unsubscribed@example.com", "firstName": "Una", "lastName": "Unsubscribed",
     "unsubscribed": True},
]


def start_sim(args):
    """The simulator as the command line asks: --strict, then --config changes, --demo people."""
    sim = Simulator()
    if args.strict:
        sim.set_config(STRICT)
    if args.config:
        sim.set_config(json.loads(args.config))
    if args.demo:
        sim.add_leads(DEMO_PEOPLE)
    return sim


def main():
    parser = argparse.ArgumentParser(description="Marketo REST simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--config", help="JSON object of config changes, as /_sim/config takes")
    parser.add_argument("--strict", action="store_true", help="every strictness option (STRICT) on")
    parser.add_argument("--demo", action="store_true", help="seed a few sample people, one unsubscribed")
    args = parser.parse_args()
    server = Server((args.host, args.port), Handler)
    server.sim = start_sim(args)
    print(f"LISTENING {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
