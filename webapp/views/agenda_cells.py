"""The HTML of the agenda's chips and slots, made once per intervention and per page
(issue 14).

A week of 200 technicians is some 4,000 chips and 1,400 cells: a template that asks the
registry, Babel and the URL map for each of them, and escapes a dozen expressions per chip,
spends most of the page's time there (83 % of it, measured). Here the labels and colours
are read once per status and event type, the addresses come from one ``url_for`` per
endpoint, the times from :mod:`engine.display` as everywhere else, and each chip is one
string whose every value is escaped (:func:`html.escape`, quotes included: the same five
characters as Jinja's autoescape, without making a Markup object of each): author and client
text is never trusted, the template inserts the result as it is.
"""

from __future__ import annotations

from datetime import date
from html import escape

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup

from engine import display

from ..registry import get_registry
from ..services.agenda import Item

_ID = 987654321  # stands for the id in the one address made by url_for

#: a chip of the planning (:meth:`Chips.week` writes it out): <a class="chip {css}" style="{style}"
#: href="{href}" title="{title} — {status}"><b>{hm}</b> {client}<span class="sub">{city}</span></a>
_BAR = ('<a class="bar {css}" style="left:{left}%;width:{width}%;top:calc({lane} * 3.1rem + 4px);height:calc(3.1rem - 8px);{style}" href="{href}"'
        ' title="{range} {title} — {status}"><b>{range}</b> {client} <span class="sub">{type} · {duration} · {status}</span></a>')
_CARD = ('<li class="card {css}" style="{style}"><a href="{href}"><b>{range}</b> {client} · {place}<br>'
         '<span class="sub">{type} · {duration} · {status}</span></a></li>')
_SLOT_DAY = '<a class="slot" href="{href}" aria-label="{label}">+</a>'
_SLOT_HOUR = '<a href="{href}" aria-label="{label}"></a>'


class Chips:
    """An intervention as the planning (``week``) and the day view (``bar``, ``card``) show
    it, the values of each intervention worked out once."""

    def __init__(self, lang: str):
        self._lang = lang
        self._reg = get_registry()
        self._status: dict[str, tuple[str, str, str]] = {}
        self._types: dict[str, tuple[str, str]] = {}
        self._values: dict[int, dict] = {}
        self._times: dict = {}  # the same few hours start most interventions
        self._show = url_for("interventions.show", intervention_id=_ID).replace(str(_ID), "{}")

    def _status_of(self, key: str) -> tuple[str, str, str]:
        """(css class, style part, label), escaped."""
        found = self._status.get(key)
        if found is None:
            st = self._reg.status(key)  # a status removed from workflow.json is still shown
            found = self._status[key] = (escape(f"state-{st.state}"), escape(f"--c:{st.color}"), escape(st.label_in(self._lang)))
        return found

    def _type_of(self, type_id: str) -> tuple[str, str]:
        """(style part, title), escaped."""
        found = self._types.get(type_id)
        if found is None:
            found = self._types[type_id] = (escape(f"--t:{self._reg.event_type_color(type_id)}"), escape(self._reg.event_type_title(type_id, self._lang)))
        return found

    def _of(self, it: Item) -> dict:
        values = self._values.get(it.id)
        if values is None:
            css, status_style, status = self._status_of(it.status)
            type_style, type_title = self._type_of(it.event_type_id)
            values = self._values[it.id] = {
                "css": f"{css} closed" if it.closed else css, "style": f"{status_style};{type_style}", "status": status, "type": type_title,
                "href": self._show.format(it.id), "title": escape(it.title), "client": escape(it.client_name),
            }
        return values

    def _hm(self, instant) -> str:
        found = self._times.get(instant)
        if found is None:
            found = self._times[instant] = display.time(instant, self._lang)
        return found

    def _range(self, it: Item) -> str:
        key = (it.start_at, it.end_at)
        found = self._times.get(key)
        if found is None:
            found = self._times[key] = display.time_range(it.start_at, it.end_at, self._lang)
        return found

    def week(self, items: list[Item]) -> Markup:
        """The chips of one cell of the planning (an f-string, the cheapest way to make
        thousands of them)."""
        out = []
        for it in items:
            v = self._of(it)
            out.append(f'<a class="chip {v["css"]}" style="{v["style"]}" href="{v["href"]}" title="{v["title"]} — {v["status"]}"><b>{self._hm(it.start_at)}</b>'
                       f' {v["client"]}<span class="sub">{escape(it.client_city or "")}</span></a>')
        return Markup("".join(out))

    def bar(self, it: Item, left: float, width: float, lane: int) -> Markup:
        """An intervention on a technician's line of the day view."""
        lang = self._lang
        return Markup(_BAR.format(**self._of(it), left=left, width=width, lane=lane, range=self._range(it),
                                  duration=display.duration(it.duration_minutes, lang)))

    def card(self, it: Item) -> Markup:
        """An intervention in the technician's list of the day."""
        lang = self._lang
        place = escape(f"{it.client_postcode or ''} {it.client_city or ''}")
        return Markup(_CARD.format(**self._of(it), place=place, range=self._range(it), duration=display.duration(it.duration_minutes, lang)))


class Slots:
    """The links that plan an intervention for a technician at a day and hour (office):
    each sentence translated once, filled per slot."""

    def __init__(self):
        self._new = url_for("interventions.new")
        self._on_day = _("Plan for %(name)s on %(day)s")  # no values: the translation itself
        self._at_hour = _("Plan for %(name)s at %(hour)s")

    def _href(self, tech_id: int, day: date, hour: int) -> str:
        return f"{self._new}?tech={tech_id}&amp;start={day.isoformat()}T{hour:02d}:00"

    def day(self, tech_id: int, name: str, day: date, day_label: str) -> Markup:
        """The "+" of a cell of the planning (at 9:00)."""
        return Markup(_SLOT_DAY.format(href=self._href(tech_id, day, 9), label=escape(self._on_day % {"name": name, "day": day_label})))

    def hours(self, tech_id: int, name: str, day: date, hours: list[int]) -> Markup:
        """The hour slots of a technician's line of the day view."""
        return Markup("".join(_SLOT_HOUR.format(href=self._href(tech_id, day, h), label=escape(self._at_hour % {"name": name, "hour": f"{h:02d}:00"})) for h in hours))
