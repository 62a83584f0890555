"""Jinja filters and globals of the back office."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from flask import Flask, request, url_for
from flask_babel import format_date, format_datetime
from flask_wtf.csrf import generate_csrf

from .i18n import current_lang
from .registry import get_registry
from .timeutil import format_duration, input_value, local


def _when(dt: datetime | None, fmt: str = "medium") -> str:
    return format_datetime(dt, fmt) if dt else ""


def _hm(dt: datetime | None) -> str:
    return local(dt).strftime("%H:%M") if dt else ""


def _day(value, fmt: str = "full") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value).date()
    return format_date(value, fmt)


def url_with(**changes) -> str:
    """The current URL with some query arguments changed (None removes one)."""
    args = request.args.to_dict(flat=False)
    for k, v in changes.items():
        if v is None:
            args.pop(k, None)
        else:
            args[k] = v if isinstance(v, list) else [v]
    if request.endpoint is None:  # an error page for a URL that matched no route
        return "?" + urlencode(args, doseq=True)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(when=_when, hm=_hm, day=_day, duration=format_duration, input_dt=input_value)
    app.jinja_env.globals.update(url_with=url_with, csrf_token=generate_csrf)

    @app.context_processor
    def _globals():
        reg = get_registry()
        lang = current_lang()
        return {
            "registry": reg,
            "lang": lang,
            "status_of": reg.status,
            "status_label": lambda key: reg.status(key).label_in(lang),
            "type_title": lambda tid: reg.event_type_title(tid, lang),
            "type_color": reg.event_type_color,
        }
