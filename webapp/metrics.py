"""Prometheus metrics: request latency per endpoint, sync operations, report sendings.

Served on a separate bind, never by the app itself (``fieldforms serve --metrics-bind
127.0.0.1:9100``): the scraper reaches a port the reverse proxy does not publish, and no
login or page of the app is involved.

Labels are bounded: a request is labelled by its Flask endpoint (``agenda.week``, not
``/agenda/week?date=…``; ``<none>`` when no route matched), a sync operation by its type
(a type the server does not know is ``invalid``) and the status it ended with.

Under gunicorn every worker is a process of its own: ``fieldforms serve`` then runs
prometheus_client in multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``, set before any worker
starts), each worker writes its samples to files there, and the metrics bind sums them
(:func:`export_registry`). Without that variable (tests, ``--dev``), the process's own
registry is the one exported.
"""

from __future__ import annotations

import os
from functools import cache
from types import SimpleNamespace

from flask import Flask, Response, request

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
NO_ENDPOINT = "<none>"


@cache
def _metrics() -> SimpleNamespace:
    """The metrics, made on first use: prometheus_client chooses between in-memory and
    multiprocess values when it is imported, so it is imported only once
    ``PROMETHEUS_MULTIPROC_DIR`` is settled (``fieldforms serve`` sets it before any app)."""
    from prometheus_client import Counter, Histogram

    return SimpleNamespace(
        request_seconds=Histogram(
            "fieldforms_request_duration_seconds", "Time to answer a request, by Flask endpoint and method.", ["endpoint", "method"],
        ),
        requests=Counter(
            "fieldforms_requests", "Requests answered, by Flask endpoint, method and HTTP status.", ["endpoint", "method", "status"],
        ),
        sync_operations=Counter(
            "fieldforms_sync_operations",
            "Operations pushed by devices, by type and the status they ended with (applied, duplicate, refused, conflict, retry).",
            ["type", "status"],
        ),
        report_sendings=Counter(
            "fieldforms_report_sendings",
            "Attempts to send a report, by the status they left the sending in (sent, retrying, failed, pending).",
            ["status"],
        ),
    )


def sync_operation(op_type: str, status: str) -> None:
    """Count one pushed operation (``op_type`` already bounded by the caller)."""
    _metrics().sync_operations.labels(op_type, status).inc()


def report_sending(status: str) -> None:
    """Count one attempt at sending a report, by the status it ended in."""
    _metrics().report_sendings.labels(status).inc()


def _observe(response: Response) -> Response:
    from .logs import elapsed

    m = _metrics()
    seconds = elapsed()
    endpoint = request.endpoint or NO_ENDPOINT
    if seconds is not None:
        m.request_seconds.labels(endpoint, request.method).observe(seconds)
    m.requests.labels(endpoint, request.method, str(response.status_code)).inc()
    return response


def init_app(app: Flask) -> None:
    _metrics()
    app.after_request(_observe)


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


def export_registry():
    """What the metrics bind serves (a ``CollectorRegistry``): the sum of every worker's
    files in multiprocess mode, else this process's registry."""
    from prometheus_client import REGISTRY, CollectorRegistry, multiprocess as mp

    if not multiprocess():
        return REGISTRY

    registry = CollectorRegistry()
    mp.MultiProcessCollector(registry)
    return registry


def split_bind(bind: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:9100`` for IPv6) -> (host, port)."""
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ValueError(f"{bind!r}: expected HOST:PORT, e.g. 127.0.0.1:9100")
    return host.strip("[]"), int(port)


def start_server(bind: str):
    """Serve :func:`export_registry` on ``bind`` from a thread of this process; returns the
    server (``shutdown()`` stops it)."""
    from prometheus_client import start_http_server

    host, port = split_bind(bind)
    server, _thread = start_http_server(port, addr=host, registry=export_registry())
    return server
