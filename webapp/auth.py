"""Logins: Flask-Login, password hashing, a small rate limit, and "everything needs a login".

Only ``/login``, ``/static/`` (and the renderers' assets under it), the favicon and the load
balancer's ``/healthz`` and ``/readyz`` are public. Accounts are made by the account manager
(T1): there is no self-registration.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from flask import Flask, abort, current_app, request
from flask_login import current_user
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import db, login_manager
from .models import User

PUBLIC_ENDPOINTS = {"auth.login", "static", "ff_static", "favicon", "health.healthz", "health.readyz"}

# A hash to compare against when the username is unknown, so both paths cost the same.
_DUMMY_HASH: dict[str, str] = {}


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def verify_password(user: User | None, password: str) -> bool:
    if user is None:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        dummy = _DUMMY_HASH.setdefault(method, generate_password_hash("x", method=method))
        check_password_hash(dummy, password)
        return False
    return check_password_hash(user.password_hash, password)


class LoginThrottle:
    """At most N failed logins per (address, username) in a sliding window."""

    def __init__(self) -> None:
        self._failures: dict[tuple[str, str], deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, key, now, window):
        q = self._failures[key]
        while q and q[0] < now - window:
            q.popleft()
        return q

    def blocked(self, address: str, username: str) -> bool:
        cfg = current_app.config
        with self._lock:
            q = self._trim((address, username.lower()), time.monotonic(), cfg["LOGIN_FAILURE_WINDOW_SECONDS"])
            return len(q) >= cfg["LOGIN_MAX_FAILURES"]

    def failed(self, address: str, username: str) -> None:
        with self._lock:
            self._failures[(address, username.lower())].append(time.monotonic())

    def succeeded(self, address: str, username: str) -> None:
        with self._lock:
            self._failures.pop((address, username.lower()), None)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.active else None


def _require_login() -> None:
    """401 unless logged in: the API answers it in its error shape, a page sends to the
    login page (both in :mod:`webapp.errors`)."""
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return
    if not current_user.is_authenticated:
        abort(401)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    app.extensions["fieldforms_login_throttle"] = LoginThrottle()
    app.before_request(_require_login)
