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
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import force_locale
from flask_login import login_required
from flask_wtf.csrf import generate_csrf

from ..extensions import db
from ..i18n import current_lang
from ..models import FormVersion
from ..registry import definition_of

bp = Blueprint("mobile", __name__, url_prefix="/m")

PUBLIC = {"mobile.shell", "mobile.manifest", "mobile.service_worker", "mobile.login"}
STATIC_M = Path(__file__).resolve().parent.parent / "static" / "m"
#: The client's files, cached by the service worker at install (the app shell).
CLIENT_MODULES = ("app.js", "i18n.js", "store.js", "outbox.js", "sync.js", "owner.js", "fill.js", "opening.js", "views.js", "m.css", "icon.svg")
FORM_MODULES = ("form.js", "condition.js", "choice.js", "values.js", "arrays.js", "camera.js", "signature.js", "steps.js", "attachments.js", "prefill.js", "form.css")
HASH_RE = re.compile(r"^[0-9a-f]{64}$")


def shell_urls() -> list[str]:
    return (
        [url_for("mobile.shell"), url_for("mobile.manifest")]
        + [url_for("static", filename=f"m/{f}") for f in CLIENT_MODULES]
        + [url_for("ff_static", filename=f) for f in FORM_MODULES]
        + [url_for("ff_static", filename="vendor/signature_pad/signature_pad.js")]
    )


@lru_cache(maxsize=4)
def _version(static_ff: str) -> str:
    """Changes whenever a file of the shell changes: a new service worker, a fresh cache."""
    h = hashlib.sha256()
    files = [STATIC_M / f for f in CLIENT_MODULES] + [Path(static_ff) / f for f in FORM_MODULES]
    files += [Path(__file__).resolve().parent.parent / "templates" / "mobile" / "shell.html", Path(__file__)]
    for f in files:
        if f.is_file():
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def shell_version() -> str:
    from ..render import static_dir

    return _version(static_dir())


@bp.route("/")
def shell():
    response = Response(render_template("mobile/shell.html", version=shell_version()))
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/login")
def login():
    """The phone's login page; ``?ended=1`` when the app was sent here because the server
    ended its session: what is unsent stays on the phone until the same user signs in."""
    return render_template("mobile/login.html", csrf=generate_csrf(), error=None, ended=request.args.get("ended") == "1")


@bp.route("/manifest.webmanifest")
def manifest():
    body = render_template("mobile/manifest.webmanifest")
    return Response(body, mimetype="application/manifest+json", headers={"Cache-Control": "no-cache"})


@bp.route("/sw.js")
def service_worker():
    body = render_template("mobile/sw.js", version=shell_version(), shell=shell_urls())
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
