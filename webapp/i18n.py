"""French first, English available (Flask-Babel); the choice lives in the session."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale

from .extensions import babel


def select_locale() -> str:
    langs = current_app.config["LANGUAGES"]
    if not has_request_context():  # the command line: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = request.args.get("lang")
    if asked in langs:
        session["lang"] = asked
    lang = session.get("lang")
    return lang if lang in langs else current_app.config["BABEL_DEFAULT_LOCALE"]


def current_lang() -> str:
    return str(get_locale() or "fr")


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
