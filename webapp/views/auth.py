"""Log in and out. The login form's fields are ``username`` and ``password``."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..auth import end_sessions, hash_password, needs_rehash, verify_password
from ..extensions import db
from ..i18n import chosen_lang, current_lang
from ..models import User, utcnow
from ..services import access
from ..throttle import client_address, login_throttle

bp = Blueprint("auth", __name__)


def _error_text(key: str | None) -> str | None:
    """A login error in the current language (called where the page is made)."""
    if key == "too_many":
        return _("Too many failed attempts: wait a few minutes and try again.")
    if key == "wrong":
        return _("Wrong username or password, or the account is disabled.")
    return None


def _safe_next(target: str | None) -> str | None:
    """Only a local path: never send a user to another site after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def home_url(user) -> str:
    return url_for("agenda.week") if access.is_back_office(user) else url_for("agenda.day")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")) or home_url(current_user))
    error_key = None  # translated where the page is made, in the page's language
    status = 200
    username = ""
    retry_after = None
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        password = request.form.get("password") or ""
        throttle = login_throttle()
        address = client_address()
        retry_after = throttle.retry_after(address, username)
        if retry_after is not None:
            error_key = "too_many"
            status = 429
        else:
            user = db.session.scalar(sa.select(User).where(sa.func.lower(User.username) == username.lower())) if username else None
            ok = verify_password(user, password)
            if ok and user.active:
                throttle.succeeded(address, username)
                if needs_rehash(user):
                    user.password_hash = hash_password(password)
                user.last_login_at = utcnow()
                db.session.commit()
                # "Remember me": the phone app (/m/) keeps its technician signed in across
                # closed browsers and offline mornings (T1); the cookie is HttpOnly.
                login_user(user, remember=request.form.get("remember") in ("1", "on", "true"))
                return redirect(_safe_next(request.args.get("next")) or home_url(user))
            throttle.failed(address, username)
            error_key = "wrong"
            status = 401
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    if (_safe_next(request.args.get("next")) or "").startswith("/m/"):
        return _mobile_login_page(error_key, username), status, headers
    return render_template("login.html", error=_error_text(error_key), username=username), status, headers


def _device_lang() -> str:
    """The phone's login page, as the app's own pages (``/m/``): the language the user chose
    with the switch, else the device's (``Accept-Language``), else French."""
    langs = current_app.config["LANGUAGES"]
    return chosen_lang() or request.accept_languages.best_match(langs) or current_app.config["BABEL_DEFAULT_LOCALE"]


def _mobile_login_page(error_key: str | None, username: str) -> str:
    from flask_wtf.csrf import generate_csrf

    with force_locale(_device_lang()):
        return render_template("mobile/login.html", error=_error_text(error_key), username=username, csrf=generate_csrf(), lang=current_lang())


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out here and everywhere: every session and remember-me cookie of the user, on
    every device, ends (:func:`webapp.auth.end_sessions`)."""
    end_sessions(current_user)
    db.session.commit()
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/")
@login_required
def index():
    return redirect(home_url(current_user))
