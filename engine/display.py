"""How a value reads, in French and in English: the one place that turns durations, dates,
times, date-times, yes/no, numbers and choice answers into text.

The form's read-only answers, the PDF report, the back office's pages, the CLI and the
phone (through the pre-formatted labels the sync pull sends) all call these functions, so
that the same value reads the same on every screen. Instants are shown on the company's
wall clock (:mod:`engine.clock`). Month and day names come from Babel's CLDR data.

The formats, chosen for a French field-service product and kept alike in English so that a
technician and an office comparing two screens see the same digits:

================  ==========================  ==========================
what              fr                          en
================  ==========================  ==========================
duration          ``45 min``, ``1 h``,        ``45 min``, ``1 h``,
                  ``1 h 05``                  ``1 h 05 min``
date ``short``    ``30/11/2026``              ``30/11/2026``
date ``medium``   ``lun. 30 nov. 2026``       ``Mon 30 Nov 2026``
date ``long``     ``lundi 30 novembre 2026``  ``Monday 30 November 2026``
date ``day``      ``lun. 30 nov.``            ``Mon 30 Nov``
date ``day_long`` ``lundi 30 novembre``       ``Monday 30 November``
time              ``14:05``                   ``14:05``
date-time         ``30/11/2026 14:05``        ``30/11/2026 14:05``
yes / no          ``Oui`` / ``Non``           ``Yes`` / ``No``
decimal number    ``8,5``                     ``8.5``
================  ==========================  ==========================

An absent value (None) reads as the empty string: each screen decides how to show a gap.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from babel.dates import format_date

from . import clock
from .node import MISSING, Node

LANGS = ("fr", "en")
#: Babel locales: British English for day-month-year dates and a 24-hour clock.
_LOCALES = {"fr": "fr_FR", "en": "en_GB"}
#: Named date styles (CLDR patterns); screens pick a name, never a pattern.
DATE_STYLES = {
    "short": "dd/MM/y",
    "medium": "EEE d MMM y",
    "long": "EEEE d MMMM y",
    "day": "EEE d MMM",
    "day_long": "EEEE d MMMM",
}
YES_NO = {"fr": ("Oui", "Non"), "en": ("Yes", "No")}
#: The ``short`` date style and the date-time in a spreadsheet's own spelling (Excel number
#: formats), for exported cells that stay dates (sortable, filterable) yet read as on screen.
SPREADSHEET_FORMATS = {"date": "dd/mm/yyyy", "datetime": "dd/mm/yyyy hh:mm"}
RANGE_DASH = " – "


def _lang(lang: str | None) -> str:
    return lang if lang in LANGS else "fr"


# --- durations ---------------------------------------------------------------------------
def duration(minutes: Any, lang: str = "fr") -> str:
    """Minutes as hours and minutes: ``45 min``, ``1 h``, ``1 h 05`` (en ``1 h 05 min``).

    A value that is not a number is shown as it is (an answer the validation refuses)."""
    if minutes is None or minutes is MISSING or isinstance(minutes, bool):
        return ""
    if isinstance(minutes, str):
        try:
            minutes = float(minutes.replace(",", "."))
        except ValueError:
            return minutes
    if not isinstance(minutes, (int, float)) or minutes != minutes:
        return str(minutes)
    total = round(minutes)
    sign, total = ("−", -total) if total < 0 else ("", total)
    h, m = divmod(total, 60)
    if not h:
        text = f"{m} min"
    elif not m:
        text = f"{h} h"
    else:
        text = f"{h} h {m:02d}" + (" min" if _lang(lang) == "en" else "")
    return sign + text


# --- dates and times ---------------------------------------------------------------------
def _wall(value: Any) -> dt.datetime | dt.date | None:
    """A date, or a datetime on the company's wall clock: aware instants are converted, naive
    ones are taken as already local (a time typed without a zone). ISO text is parsed."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            value = dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, dt.datetime):
        return value.astimezone(clock.company_tz()) if value.tzinfo is not None else value
    return value if isinstance(value, dt.date) else None


def wall_clock(value: Any) -> dt.datetime | dt.date | None:
    """A date, or a naive datetime on the company's wall clock, for a spreadsheet cell (which
    knows no time zones); None when ``value`` is not a date or an instant."""
    w = _wall(value)
    return w.replace(tzinfo=None) if isinstance(w, dt.datetime) else w


def _date_text(day: dt.date, lang: str, style: str) -> str:
    return format_date(day, DATE_STYLES[style], locale=_LOCALES[_lang(lang)])


def date(value: Any, lang: str = "fr", style: str = "short") -> str:
    """The company day of a date, an instant or ISO text, in a named style (see the table).
    Text that is not a date is shown as it is."""
    if style not in DATE_STYLES:
        raise KeyError(f"unknown date style {style!r}: one of {', '.join(DATE_STYLES)}")
    w = _wall(value)
    if w is None:
        return value if isinstance(value, str) else ""
    return _date_text(w.date() if isinstance(w, dt.datetime) else w, lang, style)


def time(value: Any, lang: str = "fr") -> str:
    """The company wall-clock time of an instant: ``14:05`` (24-hour in both languages)."""
    w = _wall(value)
    if not isinstance(w, dt.datetime):
        return value if isinstance(value, str) else ""
    return f"{w:%H:%M}"


def datetime(value: Any, lang: str = "fr", style: str = "short") -> str:
    """Date and time of an instant: ``30/11/2026 14:05``."""
    w = _wall(value)
    if not isinstance(w, dt.datetime):
        return date(value, lang, style)
    return f"{_date_text(w.date(), lang, style)} {w:%H:%M}"


def time_range(start: Any, end: Any, lang: str = "fr") -> str:
    """``09:00 – 10:30``; the end's date too when it falls on another company day."""
    s, e = _wall(start), _wall(end)
    if not isinstance(s, dt.datetime):
        return ""
    if not isinstance(e, dt.datetime):
        return time(s, lang)
    tail = time(e, lang) if e.date() == s.date() else datetime(e, lang)
    return f"{time(s, lang)}{RANGE_DASH}{tail}"


def period(start: Any, end: Any, lang: str = "fr", style: str = "short") -> str:
    """The day and the hours of an intervention or a timer segment: ``24/11/2026 14:00 – 15:30``."""
    if not isinstance(_wall(start), dt.datetime):
        return ""
    return f"{date(start, lang, style)} {time_range(start, end, lang)}"


# --- yes/no, numbers, answers ------------------------------------------------------------
def boolean(value: bool, lang: str = "fr") -> str:
    yes, no = YES_NO[_lang(lang)]
    return yes if value else no


def number(value: int | float, lang: str = "fr") -> str:
    """``8,5`` in French, ``8.5`` in English; whole floats without their ``.0``."""
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
        return text.replace(".", ",") if _lang(lang) == "fr" else text
    return str(value)


def answer(node: Node, lang: str = "fr") -> str:
    """A walked field's answer as a person reads it: choice labels, Oui/Non, hours and
    minutes, dates, numbers with their unit; empty when unanswered."""
    v = node.value
    if node.widget == "choice" and node.children:
        return answer(node.children[0], lang)  # the chosen option's own field
    if v is MISSING or v == "" or v == []:
        return ""
    if v is None:  # null reads as its choice's label, if null is a choice
        return next((c.label for c in node.choices if c.value is None), "")
    if node.widget == "json":
        return json.dumps(v, ensure_ascii=False)
    if node.widget == "duration" and isinstance(v, (int, float)) and not isinstance(v, bool):
        return duration(v, lang)
    if isinstance(v, list) and (node.multiple or not node.choices):
        return ", ".join(answer_value(node, x, lang) for x in v)
    return answer_value(node, v, lang)


def answer_value(node: Node, v: Any, lang: str = "fr") -> str:
    """One value of ``node`` (an item of a multiple choice, or the answer itself)."""
    for c in node.choices:
        if c.value == v and type(c.value) is type(v):
            return c.label
    if isinstance(v, bool):
        return boolean(v, lang)
    if node.widget == "datetime" and isinstance(v, str):
        return datetime(v, lang)
    if node.widget == "date" and isinstance(v, str):
        return date(v, lang)
    unit = node.options.get("unit")
    if isinstance(v, (int, float)):
        text = number(v, lang)
        return f"{text} {unit}" if unit else text
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
