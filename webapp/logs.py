"""Log lines a machine can read: one JSON object per line, each carrying its request's id.

Every request gets an id: the proxy's ``X-Request-ID`` when it sent a sensible one (so that
the proxy's log and ours name the same request), else a new one. It is returned in the
response's ``X-Request-ID`` header, and every log line written while the request is handled
carries it (``request_id``), whichever logger wrote it: the access line this module writes
at the end of the request, a service's warning, the traceback of a 500.

The format is chosen once per process by :func:`configure`: ``json`` (one object per line:
``time``, ``level``, ``logger``, ``pid`` (gunicorn's workers are processes), ``message``,
``request_id``, the access line's ``method``, ``path``, ``endpoint``, ``status``,
``duration_ms``, and ``exc_info`` for a traceback) or ``text`` for a person at a terminal.
``FIELDFORMS_LOG_FORMAT`` and ``FIELDFORMS_LOG_LEVEL`` choose; ``fieldforms serve`` defaults to
json, ``fieldforms run`` and ``--dev`` to text.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from datetime import datetime, timezone

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-ID"
#: An id from the proxy is kept when it looks like one (nginx's ``$request_id``, a UUID…);
#: anything else (too long, spaces, control characters) is replaced, never logged as is.
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
FORMATS = ("json", "text")
ACCESS_LOGGER = "webapp.access"
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"

#: The attributes every LogRecord has: anything else on a record came from ``extra=``.
_RECORD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "request_id"}


def request_id() -> str | None:
    """The id of the request being handled, None outside a request."""
    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (a traceback is a string in it)."""

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id() or "-",
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            out["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def formatter(fmt: str) -> logging.Formatter:
    if fmt not in FORMATS:
        raise ValueError(f"log format {fmt!r}: one of {', '.join(FORMATS)}")
    return JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT)


def chosen_format(default: str) -> str:
    """``FIELDFORMS_LOG_FORMAT`` when set, else ``default``."""
    fmt = (os.environ.get("FIELDFORMS_LOG_FORMAT") or default).strip().lower()
    formatter(fmt)  # says which values exist
    return fmt


def configure(fmt: str, level: str | None = None) -> logging.Handler:
    """The process's logging: one handler on the root logger (in place of any other, such as
    the one alembic.ini's migrations install) writing to stderr in ``fmt`` at ``level``
    (default ``FIELDFORMS_LOG_LEVEL``, else INFO). Called by the serving commands before
    gunicorn forks, so that every worker inherits it."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(fmt))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel((level or os.environ.get("FIELDFORMS_LOG_LEVEL") or "INFO").upper())
    return handler


def _start() -> None:
    """First of the app's before-request functions: even a request refused by another one
    (no login) has its id and its access line."""
    asked = request.headers.get(HEADER, "")
    g.request_id = asked if _ACCEPTED_ID.fullmatch(asked) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def elapsed() -> float | None:
    """Seconds since this request began (None before :func:`_start` ran)."""
    started = g.get("request_started")
    return None if started is None else time.perf_counter() - started


def _finish(response: Response) -> Response:
    rid = g.get("request_id")
    if rid:
        response.headers[HEADER] = rid
    seconds = elapsed()
    logging.getLogger(ACCESS_LOGGER).info(
        "%s %s %s", request.method, request.path, response.status_code,
        extra={"method": request.method, "path": request.path, "endpoint": request.endpoint, "status": response.status_code,
               "duration_ms": None if seconds is None else round(seconds * 1000, 1)},
    )
    return response


def init_app(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
