"""The real app for browser tests: migrated on its own SQLite file, served by werkzeug in a
thread on a loopback port (CSRF on, as in production), and browser contexts whose clock is
the app's (:func:`engine.clock.moved_to` on the server's side, Playwright's clock on the
page's), so a test lives the same day whatever the day it runs on.

A watched page (:func:`watch`) keeps every JavaScript error and every console error (a
404 for a favicon is one): a test that drives pages as a person does ends by asserting
there were none.
"""

from __future__ import annotations

import gzip
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import sqlalchemy as sa


class Live:
    """A served app: its URL, and a session on its database for the test's own checks."""

    def __init__(self, app, url: str):
        self.app, self.url = app, url

    def query(self, fn: Callable):
        from webapp.extensions import db

        with self.app.app_context():
            try:
                return fn(db.session)
            finally:
                db.session.remove()

    def as_user(self, username: str, fn: Callable):
        """``fn(user)`` in a request where ``username`` is signed in (to seed through the
        services, as the app itself would)."""
        from flask_login import login_user

        from webapp.extensions import db
        from webapp.models import User

        with self.app.test_request_context():
            user = db.session.scalar(sa.select(User).where(User.username == username))
            login_user(user)
            try:
                return fn(user)
            finally:
                db.session.remove()


class Counter:
    """WSGI middleware: each response the server sends, its path, status and body's size once
    decompressed (the app gzips text itself), and what the browser said it was for
    (``Sec-Fetch-Dest``) and whether it asked conditionally. What a phone downloads, seen
    from the server: a file taken from a cache is not there (bench/client.py, the first
    load's browser test)."""

    def __init__(self, app):
        self.app = app
        self.hits: list[dict] = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        seen: dict = {}

        def start(status, headers, exc_info=None):
            seen["status"] = int(status.split()[0])
            seen["gzip"] = any(k.lower() == "content-encoding" and "gzip" in v for k, v in headers)
            return start_response(status, headers, exc_info)

        result = self.app(environ, start)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        size = len(gzip.decompress(body)) if seen.get("gzip") and body else len(body)
        path = environ.get("PATH_INFO", "")
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        with self.lock:
            self.hits.append({"method": environ["REQUEST_METHOD"], "path": path, "status": seen.get("status"), "bytes": size,
                              "dest": environ.get("HTTP_SEC_FETCH_DEST", "?"), "cond": bool(environ.get("HTTP_IF_NONE_MATCH") or environ.get("HTTP_IF_MODIFIED_SINCE"))})
        return [body]


def migrated_app(tmp: Path, **config):
    """The app on a fresh, migrated SQLite database with the form definitions stored."""
    from flask_migrate import upgrade

    from webapp import PROJECT_ROOT, create_app
    from webapp.registry import get_registry

    app = create_app({
        "TESTING": True, "SECRET_KEY": "e2e", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'app.sqlite'}", "SQLALCHEMY_ENGINE_OPTIONS": {},
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "SYNC_DEFINITIONS_ON_START": False, "ATTACHMENTS_DIR": str(tmp / "attachments"),
        "WTF_CSRF_ENABLED": True, **config,
    })
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        get_registry().sync()
    return app


@contextmanager
def serving(app) -> Iterator[Live]:
    from werkzeug.serving import make_server

    from webapp.extensions import db

    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield Live(app, f"http://127.0.0.1:{srv.server_port}")
    finally:
        srv.shutdown()
        thread.join(5)
        with app.app_context():
            db.engine.dispose()


def browser_context(browser, url: str, **kw):
    """A context on ``url`` whose clock is the app's (:func:`engine.clock.now`)."""
    from engine import clock

    kw = {"viewport": {"width": 1280, "height": 860}, "device_scale_factor": 1, "locale": "fr-FR", "timezone_id": "Europe/Paris", **kw}
    context = browser.new_context(base_url=url, **kw)
    context.clock.install(time=clock.now())
    context.set_default_timeout(15_000)
    return context


def watch(page):
    """``page`` with ``page.errors``: its JavaScript errors and console errors."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: errors.append(f"console: {msg.text} ({msg.location.get('url', '')})") if msg.type == "error" else None)
    page.errors = errors
    return page
