"""Work done outside the web request (rendering and sending report PDFs), on RQ or inline.

With ``REDIS_URL`` set, jobs go to RQ on Redis (queue ``RQ_QUEUE``, default
"fieldforms") and ``fieldforms worker`` runs them; failures are retried by RQ with the
back-off ``REPORT_RETRY_INTERVALS`` (seconds, one per retry). Without it (the embedded
default) they run inline, right after the request's own work is committed, retrying
synchronously while the next wait is at most ``INLINE_RETRY_MAX_WAIT`` seconds; a sending
whose next wait is longer is left ``retrying`` with its ``next_attempt_at``, and the
back office's Retry button (or ``fieldforms send-pending``) takes it up again.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Callable

from flask import Flask, after_this_request, current_app, has_app_context, has_request_context

log = logging.getLogger(__name__)

DEFAULT_RETRY_INTERVALS = (30, 120, 600)
_IMPORT_PID = os.getpid()


def retry_intervals(app: Flask | None = None) -> list[int]:
    app = app or current_app
    return [int(x) for x in app.config.get("REPORT_RETRY_INTERVALS", DEFAULT_RETRY_INTERVALS)]


def redis_connection(app: Flask | None = None):
    from redis import Redis

    app = app or current_app
    return Redis.from_url(app.config["REDIS_URL"])


def queue(app: Flask | None = None):
    from rq import Queue

    app = app or current_app
    return Queue(app.config.get("RQ_QUEUE", "fieldforms"), connection=redis_connection(app))


def uses_redis(app: Flask | None = None) -> bool:
    return bool((app or current_app).config.get("REDIS_URL"))


class AttemptFailed(Exception):
    """An attempt of a job failed: raised inside the RQ job so that RQ retries it."""


def enqueue(job: Callable[..., str], attempt: Callable[..., bool], *args, description: str) -> str | None:
    """Run a job outside the request: on RQ, ``job(*args)`` (an importable function that
    calls :func:`run_attempt`) and its job id; inline, :func:`run_inline` and None.

    ``attempt(*args, last_attempt=..., retry_in=...)`` makes one try and says whether it
    is done. The caller names both, so this module knows no service (no import cycle).
    """
    if uses_redis():
        from rq import Retry

        intervals = retry_intervals()
        rq_job = queue().enqueue(
            job, *args,
            retry=Retry(max=len(intervals), interval=intervals) if intervals else None,
            job_timeout=int(current_app.config.get("REPORT_JOB_TIMEOUT", 300)),
            description=description,
        )
        return rq_job.id
    run_inline(attempt, *args)
    return None


def submit(job: Callable[..., str], run: Callable[..., bool], *args, description: str, timeout: int) -> str | None:
    """Run work once outside the request, without retries (an export: a failure is shown,
    not tried again): on RQ, ``job(*args)`` (which calls :func:`run_attempt`) and its job
    id. Inline, ``run(*args)`` once the response has been sent (the page that shows the
    progress is already in the browser, and reads it from the database), in its own app
    context; with no request (the CLI), at once. Returns the RQ job id, or None."""
    if uses_redis():
        return queue().enqueue(job, *args, job_timeout=timeout, description=description).id
    if not has_request_context():
        run(*args)
        return None
    app = current_app._get_current_object()

    def later() -> None:
        with app.app_context():
            try:
                run(*args)
            except Exception:  # noqa: BLE001 - after the response: logged, nobody to answer
                log.exception("%s failed", description)

    @after_this_request
    def _after(response):
        response.call_on_close(later)
        return response

    return None


def run_inline(attempt: Callable[..., bool], *args) -> None:
    """Attempts in this process, waiting between them while the waits are short."""
    intervals = retry_intervals()
    max_wait = float(current_app.config.get("INLINE_RETRY_MAX_WAIT", 2))
    for n in range(len(intervals) + 1):
        wait = intervals[n] if n < len(intervals) else None
        last = wait is None or wait > max_wait
        if attempt(*args, last_attempt=(n == len(intervals)), retry_in=wait):
            return
        if last:
            return
        time.sleep(wait)


def run_attempt(attempt: Callable[..., bool], *args) -> str:
    """Inside an RQ job: one attempt in the app's context; raises :class:`AttemptFailed`
    on failure so that RQ retries (with back-off)."""
    from rq import get_current_job

    job = get_current_job()
    last = job is None or not job.retries_left
    retry_in = None
    if job is not None and not last and job.retry_intervals:
        idx = max(len(job.retry_intervals) - job.retries_left, 0)
        retry_in = job.retry_intervals[min(idx, len(job.retry_intervals) - 1)]
    with _app_context():
        from .extensions import db

        if os.getpid() != _IMPORT_PID:
            db.engine.dispose(close=False)  # a forked work horse must not use the parent's connections
        if not attempt(*args, last_attempt=last, retry_in=retry_in):
            raise AttemptFailed(f"{getattr(attempt, '__name__', attempt)}{args} failed")
        return "done"


_worker_app: Flask | None = None


class _app_context:
    """The current app's context when there is one (``fieldforms worker`` pushes it),
    else one of an app built from the environment (a bare ``rq worker``)."""

    def __enter__(self):
        global _worker_app
        if has_app_context():
            self._ctx = None
            return current_app
        if _worker_app is None:
            from . import create_app

            _worker_app = create_app({"SYNC_DEFINITIONS_ON_START": False})
        self._ctx = _worker_app.app_context()
        self._ctx.push()
        return _worker_app

    def __exit__(self, *exc):
        if self._ctx is not None:
            self._ctx.pop()
        return False


def run_worker(app: Flask, *, burst: bool = False, with_scheduler: bool = True) -> bool:
    """An RQ worker on the app's queue, inside the app's context (``fieldforms worker``)."""
    from rq import Worker

    with app.app_context():
        q = queue(app)
        worker = Worker([q], connection=q.connection)
        return worker.work(burst=burst, with_scheduler=with_scheduler)
