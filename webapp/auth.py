"""Logins: Flask-Login, password hashing and "everything needs a login" (the login throttle:
:mod:`webapp.throttle`).

Only ``/login``, ``/static/`` (and the renderers' assets under it), the favicon and the load
balancer's ``/healthz`` and ``/readyz`` are public. Accounts are made by the account manager
(T1): there is no self-registration.

Sessions end (issue 11). Every login carries a token, ``<user id>.<session generation>.<issued
at>`` (:meth:`User.login_token`), kept by Flask-Login in the signed session cookie and in
the "remember me" cookie alike; :func:`load_user` checks it on each request. Logging out,
a password change or reset and disabling the account raise the user's generation
(:func:`end_sessions`): every session and every remember-me cookie issued before, on
every device, stops working at its next request. A login also stops working
``REMEMBER_COOKIE_DURATION`` after it was issued (30 days by default), whatever the
cookie's own expiry says: a copied cookie does not outlive it.

Why a generation rather than server-side sessions: the phone's offline day relies on a
long-lived cookie and nothing else; one integer per user ends them all with no session
table to keep, purge or replicate, and the check is the lookup of the user that every
request makes anyway.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, abort, current_app, request
from flask_login import current_user
from werkzeug.security import check_password_hash, generate_password_hash

from engine import clock

from .extensions import db, login_manager
from .models import User

PUBLIC_ENDPOINTS = {"auth.login", "static", "ff_static", "favicon", "health.healthz", "health.readyz"}

# A hash to compare against when the username is unknown, so both paths cost the same; its
# parameters are also what a stored hash is compared with (needs_rehash). Per process, per
# method: a constant, not state to share.
_DUMMY_HASH: dict[str, str] = {}


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    return _DUMMY_HASH.setdefault(method, generate_password_hash("x", method=method))


def verify_password(user: User | None, password: str) -> bool:
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(user.password_hash, password)


def needs_rehash(user: User) -> bool:
    """Whether the user's stored hash was made with other parameters than
    ``PASSWORD_HASH_METHOD`` (an older default): the login that has the password then
    stores it again with the current ones."""
    return user.password_hash.split("$", 1)[0] != _dummy_hash().split("$", 1)[0]


def login_lifetime() -> timedelta:
    """How long a login lasts at most: ``REMEMBER_COOKIE_DURATION`` (a timedelta, or
    seconds as Flask-Login reads it)."""
    value = current_app.config["REMEMBER_COOKIE_DURATION"]
    return value if isinstance(value, timedelta) else timedelta(seconds=int(value))


def end_sessions(user: User) -> None:
    """End every login of ``user`` on every device (the caller commits)."""
    user.session_generation = (user.session_generation or 0) + 1


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """The user of a login token, if it still holds: the account is active, the token has
    the user's current generation and was issued less than :func:`login_lifetime` ago.
    Anything else (an older generation, an expired or malformed token, a bare id from
    before generations) is no login."""
    try:
        user_id, generation, issued = (int(part) for part in str(token).split("."))
    except ValueError:
        return None
    age = clock.now().timestamp() - issued
    if age < -60 or age > login_lifetime().total_seconds():  # -60: a minute of skew between workers
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or (user.session_generation or 0) != generation:
        return None
    return user


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
    login_manager.id_attribute = "login_token"  # what login_user keeps: see load_user
    app.before_request(_require_login)
