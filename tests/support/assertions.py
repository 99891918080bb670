"""Assertions the integration tests share: the API's error shape, the CLI's one-line errors,
and waiting for a change another process made."""
import time


def assert_error(reply, status, code):
    """The reply is an API error with this status and code and a message; returns the error."""
    assert reply.status_code == status, reply.text
    error = reply.json()["error"]
    assert error["code"] == code, reply.text
    assert isinstance(error["message"], str) and error["message"], reply.text
    return error


def assert_invalid(reply, field, *words):
    """The reply refuses the request naming `field`, with each of `words` in its message."""
    error = assert_error(reply, 400, "invalid_request")
    assert error.get("field") == field, error
    for word in words:
        assert word in error["message"], error
    return error


def assert_not_connected(client):
    assert_error(client.get("/integrations/marketo"), 404, "not_found")


def assert_one_line_error(result):
    """The CLI failed with exactly one non-blank line on stderr; returns that line."""
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].strip(), result.stderr
    return lines[0]


def wait_until(predicate, timeout, what, poll=0.05):
    """The predicate's first truthy value within `timeout` seconds; fails the test otherwise.
    `what` names what was awaited; a callable is asked only then, so the failure can show the
    state that was still wrong."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what() if callable(what) else what}: not within {timeout} s")
        time.sleep(poll)


def eventually_status(request, status, timeout=30):
    """Repeats `request()` until its reply has `status` or `timeout` seconds pass; the last
    reply. For a change made by another process (the command line), which a server's short
    caches see within a few seconds."""
    deadline = time.monotonic() + timeout
    while True:
        reply = request()
        if reply.status_code == status or time.monotonic() > deadline:
            return reply
        time.sleep(0.2)
