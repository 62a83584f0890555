"""Jinja filters and globals of the back office."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from flask import Flask, request, url_for
from flask_login import current_user
from flask_babel import lazy_gettext
from flask_wtf.csrf import generate_csrf

from engine import clock, display

from .i18n import current_lang
from .registry import get_registry
from .services import access


# The filters read values the way every other screen does (engine.display), in the page's
# language; styles are display's names ("short", "medium", "long", "day", "day_long").
def _when(at: datetime | None, style: str = "short") -> str:
    return display.datetime(at, current_lang(), style)


def _hm(at: datetime | None) -> str:
    return display.time(at, current_lang())


def _day(value: date | datetime | None, style: str = "long") -> str:
    return display.date(value, current_lang(), style)


def _duration(minutes: int | None) -> str:
    return display.duration(minutes, current_lang())


def _time_range(start: datetime | None, end: datetime | None) -> str:
    return display.time_range(start, end, current_lang())


#: The intervention form's words for the fields an "update" row of the history names
#: (webapp.services.interventions._snapshot's keys): the history reads "Changed: End,
#: Technicians", not the columns' names.
_INTERVENTION_FIELDS = {
    "event_type_id": lazy_gettext("Event type"), "title": lazy_gettext("Title"), "client_id": lazy_gettext("Client"),
    "store_id": lazy_gettext("Store"), "start_at": lazy_gettext("Start"), "end_at": lazy_gettext("End"),
    "technician_ids": lazy_gettext("Technicians"), "tags": lazy_gettext("Tags"), "notes": lazy_gettext("Notes"),
}


def _field_label(key: str) -> str:
    label = _INTERVENTION_FIELDS.get(key)
    return str(label) if label is not None else key


def _field_labels(keys) -> str:
    """The fields an "update" row names, in the form's order whatever order the database
    gives the keys back in (PostgreSQL's jsonb sorts them by length)."""
    order = list(_INTERVENTION_FIELDS)
    ranked = sorted(keys, key=lambda k: (order.index(k) if k in order else len(order), k))
    return ", ".join(_field_label(k) for k in ranked)


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


def _abilities() -> dict:
    """What the signed-in user's role may do (the menus, the links): :mod:`.services.access`."""
    user = current_user
    if not getattr(user, "is_authenticated", False):
        return {"back_office": False, "can_plan": False, "can_manage_users": False, "can_export": False}
    return {"back_office": access.is_back_office(user), "can_plan": access.can_plan(user), "can_manage_users": access.can_manage_users(user),
            "can_export": access.can_export(user)}


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(when=_when, hm=_hm, day=_day, duration=_duration, input_dt=clock.input_value, field_labels=_field_labels)
    app.jinja_env.globals.update(url_with=url_with, csrf_token=generate_csrf, time_range=_time_range)

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
            **_abilities(),
            "form_title": lambda fid: reg.forms[fid].title_in(lang) if fid in reg.forms else fid,
        }
