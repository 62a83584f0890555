"""French first, English available (Flask-Babel); the choice lives in the session. The phone
app (``/m/``, ``/api/``) follows the device's ``Accept-Language`` when no choice was made."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale

from .extensions import babel


#: The offline client and its API: without a choice made with the switch, the language the
#: device asks for (``Accept-Language``, which the client sets to its own language).
DEVICE_PATHS = ("/api/", "/m/")


def select_locale() -> str:
    langs = current_app.config["LANGUAGES"]
    if not has_request_context():  # the command line: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = request.args.get("lang")
    if asked in langs:
        session["lang"] = asked
    lang = session.get("lang")
    if lang in langs:
        return lang
    if request.path.startswith(DEVICE_PATHS):  # the phone says its language in each request
        best = request.accept_languages.best_match(langs)
        if best:
            return best
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def chosen_lang() -> str | None:
    """The language the user chose with the switch (kept in the session), if any."""
    lang = session.get("lang") if has_request_context() else None
    return lang if lang in current_app.config["LANGUAGES"] else None


def current_lang() -> str:
    return str(get_locale() or "fr")


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
