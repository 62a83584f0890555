"""Structured logs (issue 14): one JSON object per line, each line of a request carrying the
request's id (the proxy's X-Request-ID when sensible, else a new one), returned in the
response's X-Request-ID header."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from webapp import logs


@pytest.fixture
def json_lines():
    """What the root logger writes meanwhile, formatted as ``fieldforms serve`` does (the
    handler :func:`webapp.logs.configure` installs), one string per line."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.RequestIdFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: stream.getvalue().splitlines()
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _objects(lines: list[str]) -> list[dict]:
    out = [json.loads(line) for line in lines]  # every line is one whole JSON object
    assert all(isinstance(o, dict) for o in out)
    return out


def test_every_line_of_a_request_carries_the_proxys_request_id(client, app, tmp_path, json_lines):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    app.config["ATTACHMENTS_DIR"] = str(blocker / "attachments")  # readyz logs a warning, then the access line
    response = client.get("/readyz", headers={"X-Request-ID": "edge-7f3a.42"})
    assert response.status_code == 503
    assert response.headers["X-Request-ID"] == "edge-7f3a.42"
    lines = [o for o in _objects(json_lines()) if o["logger"] in ("webapp.views.health", "webapp.access")]
    assert [o["logger"] for o in lines] == ["webapp.views.health", "webapp.access"]
    assert {o["request_id"] for o in lines} == {"edge-7f3a.42"}
    warning, access = lines
    assert warning["level"] == "WARNING" and warning["check"] == "storage" and "NotADirectoryError" in warning["message"]
    assert access["method"] == "GET" and access["path"] == "/readyz" and access["endpoint"] == "health.readyz"
    assert access["status"] == 503 and access["duration_ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", access["time"])


@pytest.mark.parametrize("sent", [None, "", "has spaces in it", "x" * 129, "quote\"and;semicolon", "é-accent"])
def test_a_missing_or_odd_request_id_is_replaced_by_a_new_one(client, json_lines, sent):
    headers = {} if sent is None else {"X-Request-ID": sent}
    first = client.get("/healthz", headers=headers).headers["X-Request-ID"]
    second = client.get("/healthz", headers=headers).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second
    assert [o["request_id"] for o in _objects(json_lines()) if o["logger"] == "webapp.access"] == [first, second]


def test_a_request_refused_for_want_of_a_login_is_logged_with_its_id(client, json_lines):
    response = client.get("/api/v1/me", headers={"X-Request-ID": "abc"})
    assert response.status_code == 401 and response.headers["X-Request-ID"] == "abc"
    [access] = [o for o in _objects(json_lines()) if o["logger"] == "webapp.access"]
    assert (access["request_id"], access["status"], access["endpoint"]) == ("abc", 401, "api.me")


def test_a_traceback_stays_on_its_line_and_lines_outside_requests_say_so(app, json_lines):
    log = logging.getLogger("webapp.test")
    with app.test_request_context("/x", headers={"X-Request-ID": "r-1"}):
        logs._start()
        try:
            raise ValueError("boom\nsecond line")
        except ValueError:
            log.exception("it failed: %s", "why")
    log.info("outside", extra={"job": 12})
    lines = [line for line in json_lines() if '"webapp.test"' in line]
    failed, outside = _objects(lines)
    assert failed["message"] == "it failed: why" and failed["request_id"] == "r-1"
    assert failed["exc_info"].startswith("Traceback") and "ValueError: boom" in failed["exc_info"]
    assert (outside["request_id"], outside["job"]) == ("-", 12)


def test_configure_owns_the_root_logger_of_the_serving_process():
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    try:
        handler = logs.configure("json", "warning")
        assert root.handlers == [handler] and root.level == logging.WARNING
        assert isinstance(handler.formatter, logs.JsonFormatter)
        assert isinstance(logs.configure("text").formatter, logging.Formatter)
        with pytest.raises(ValueError, match="json, text"):
            logs.configure("xml")
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
        for h in before:
            root.addHandler(h)
        root.setLevel(level)
