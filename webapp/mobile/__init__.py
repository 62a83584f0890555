"""The technician's phone app under ``/m/`` (issue 5): the app shell, its manifest, the
service worker (scope ``/m/``) and the rendered blank forms, one per FormVersion and
language (``/m/forms/<content_hash>/<lang>``).

The shell, manifest, service worker and login page are public (they hold no data); the
forms need a login. The client itself is plain ES modules in ``webapp/static/m/``; the form
modules come from the renderers (``/static/ff/``).
"""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from ..extensions import db
from ..i18n import current_lang
from ..models import FormVersion
from ..registry import definition_of
from .minified import StaticFilesSessionInterface, send_minified, served_digest, versioned_url

bp = Blueprint("mobile", __name__, url_prefix="/m")

PUBLIC = {"mobile.shell", "mobile.manifest", "mobile.service_worker", "mobile.login"}
STATIC_M = Path(__file__).resolve().parent.parent / "static" / "m"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "mobile"
#: The client's files, cached by the service worker at install (the app shell).
CLIENT_MODULES = ("app.js", "i18n.js", "store.js", "outbox.js", "sync.js", "owner.js", "fill.js", "opening.js", "views.js", "m.css", "icon.svg")
FORM_MODULES = ("form.js", "condition.js", "choice.js", "values.js", "arrays.js", "camera.js", "signature.js", "steps.js", "attachments.js", "prefill.js", "form.css")
#: Loaded by the form only when a signature is drawn, but needed offline all the same.
LAZY_MODULES = ("vendor/signature_pad/signature_pad.js",)
HASH_RE = re.compile(r"^[0-9a-f]{64}$")


def _static_files() -> list[tuple[str, Path]]:
    """The app's static files: (URL, source file). The URL the pages link a style sheet or
    an icon by is versioned; an ES module's is plain (see :func:`versioned_url`)."""
    from ..render import static_dir

    ff = Path(static_dir())

    def url(endpoint: str, filename: str) -> str:
        return url_for(endpoint, filename=filename) if filename.endswith(".js") else versioned_url(endpoint, filename)

    return ([(url("static", f"m/{f}"), STATIC_M / f) for f in CLIENT_MODULES]
            + [(url("ff_static", f), ff / f) for f in FORM_MODULES + LAZY_MODULES])


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def shell_version() -> str:
    """Changes whenever a file of the shell changes (as served: minified or not): a new
    service worker, a fresh cache."""
    h = hashlib.sha256()
    for url, source in _static_files():
        h.update(f"{url}\0{served_digest(source) if source.is_file() else ''}\n".encode())
    for f in (TEMPLATES / "shell.html", TEMPLATES / "manifest.webmanifest", TEMPLATES / "sw.js", Path(__file__)):
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def _shell_body() -> str:
    return render_template("mobile/shell.html", version=shell_version())


def _manifest_body() -> str:
    return render_template("mobile/manifest.webmanifest")


def precache() -> list[tuple[str, str]]:
    """What the service worker caches at install, each URL with the sha256 of the body it
    must get: the page has just loaded most of them, and the worker takes the HTTP cache's
    copy when it is this one rather than downloading it again (templates/mobile/sw.js)."""
    entries = [(url_for("mobile.shell"), _digest(_shell_body().encode())), (url_for("mobile.manifest"), _digest(_manifest_body().encode()))]
    return entries + [(url, served_digest(source)) for url, source in _static_files() if source.is_file()]


def shell_urls() -> list[str]:
    return [url for url, _ in precache()]


@bp.route("/")
def shell():
    """The app. Served by the service worker once installed (offline too); from the network
    only on a phone's first visit, when nobody is signed in yet: the login page then, rather
    than loading the whole app to be sent there by a refused sync."""
    if not current_user.is_authenticated:
        return redirect(url_for("mobile.login"))
    response = Response(_shell_body())
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/login")
def login():
    """The phone's login page; ``?ended=1`` when the app was sent here because the server
    ended its session: what is unsent stays on the phone until the same user signs in. In
    the device's language (``?lang=``, the choice kept, ``Accept-Language``, else French:
    :func:`webapp.i18n.select_locale`), which its ``<html lang>`` says."""
    return render_template("mobile/login.html", csrf=generate_csrf(), error=None, ended=request.args.get("ended") == "1", lang=current_lang())


@bp.route("/manifest.webmanifest")
def manifest():
    return Response(_manifest_body(), mimetype="application/manifest+json", headers={"Cache-Control": "no-cache"})


@bp.route("/sw.js")
def service_worker():
    body = render_template("mobile/sw.js", version=shell_version(), precache=precache())
    return Response(body, mimetype="text/javascript", headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": url_for("mobile.shell")})


@bp.route("/forms/<content_hash>")
@bp.route("/forms/<content_hash>/<form_lang>")  # not "lang": the ?lang= of the switch
@login_required
def form(content_hash: str, form_lang: str | None = None):
    """The blank form of one FormVersion in one language: never changes, cached for good.
    The device asks it with its language in the path, so that each language is cached under
    its own URL (a language switch shows the forms in the new language, offline too once
    fetched); without it, the request's language (older clients)."""
    if not HASH_RE.match(content_hash):
        abort(404)
    if form_lang is not None and form_lang not in current_app.config["LANGUAGES"]:
        abort(404)
    fv = db.session.scalar(sa.select(FormVersion).where(FormVersion.content_hash == content_hash))
    if fv is None:
        abort(404)
    from renderers.html import render_form

    lang = form_lang or current_lang()
    with force_locale(lang):
        html = render_form(definition_of(fv), None, (), lang, action="#", form_id=f"ff-form-{fv.form_id}", attachment_url=url_for("interventions.attachment", attachment_id="ID").replace("ID", "{id}"))
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Cookie" if form_lang else "Cookie, Accept-Language"
    return response


COMPRESSIBLE = {"text/html", "text/css", "text/javascript", "application/javascript", "application/json", "application/manifest+json", "image/svg+xml"}
_gz_cache: dict[str, bytes] = {}


@bp.after_app_request
def _gzip(response):
    """Text of the app shell and static files, gzipped when the browser says it can read it
    (a phone on 3G pays for every byte of the first load)."""
    if (request.method != "GET" or response.status_code != 200 or response.headers.get("Content-Encoding")
            or "gzip" not in request.headers.get("Accept-Encoding", "") or response.mimetype not in COMPRESSIBLE
            or not request.path.startswith(("/m/", "/static/"))):
        return response
    response.direct_passthrough = False
    data = response.get_data()
    if len(data) < 1024:
        return response
    key = hashlib.sha256(data).hexdigest()
    packed = _gz_cache.get(key)
    if packed is None:
        packed = gzip.compress(data, 6, mtime=0)
        if len(_gz_cache) > 256:
            _gz_cache.clear()
        _gz_cache[key] = packed
    response.set_data(packed)
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


def init_app(app) -> None:
    from ..auth import PUBLIC_ENDPOINTS

    PUBLIC_ENDPOINTS.update(PUBLIC)
    app.register_blueprint(bp)

    def static(filename: str):
        """Flask's static files, minified when ``make assets`` made a copy of this source."""
        return send_minified(app.static_folder, filename, max_age=app.get_send_file_max_age(filename))

    app.view_functions["static"] = static
    app.session_interface = StaticFilesSessionInterface()
    app.jinja_env.globals["versioned_url"] = versioned_url
