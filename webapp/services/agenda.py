"""The agenda's reads (A3): one query for the technicians, one for the interventions of
the range, whatever the number of technicians (no N+1); and the technicians' free time
within working hours (``WORKING_HOURS``, ``WORKING_DAYS``), where the planning suggests
visits."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Iterator

import sqlalchemy as sa
from flask import current_app

from engine import clock

from ..bounds import bounded_int
from ..extensions import db
from ..models import MAX_INTERVENTION_DAYS, Client, Intervention, User, intervention_tags, intervention_technicians
from ..registry import get_registry
from . import access


@dataclass
class Filters:
    technician_ids: list[int] = field(default_factory=list)
    event_types: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    tag_ids: list[int] = field(default_factory=list)

    @classmethod
    def from_args(cls, args) -> "Filters":
        def ints(name):
            return [n for n in (bounded_int(v, minimum=1) for v in args.getlist(name)) if n is not None]

        return cls(ints("tech"), [v for v in args.getlist("type") if v], [v for v in args.getlist("status") if v], ints("tag"))


@dataclass
class Item:
    id: int
    start_at: datetime
    end_at: datetime
    status: str
    event_type_id: str
    title: str
    closed: bool
    client_name: str
    client_city: str | None
    client_postcode: str | None

    @property
    def duration_minutes(self) -> int:
        return clock.minutes_between(self.start_at, self.end_at)


@dataclass
class Agenda:
    first_day: date
    days: list[date]
    technicians: list[User]
    #: (technician id, day index) -> items starting or running that day, by start
    cells: dict[tuple[int, int], list[Item]]
    #: technician id -> items of the range (day view)
    rows: dict[int, list[Item]]
    count: int


def load_agenda(user: User, first_day: date, ndays: int, filters: Filters) -> Agenda:
    start, end = clock.day_bounds_utc(first_day, ndays)
    techs_q = sa.select(User).where(User.role == "technician", User.active.is_(True)).order_by(User.display_name, User.id)
    if not access.is_back_office(user):
        techs_q = techs_q.where(User.id == user.id)
    elif filters.technician_ids:
        techs_q = techs_q.where(User.id.in_(filters.technician_ids))
    technicians = list(db.session.scalars(techs_q))
    tech_ids = [t.id for t in technicians]

    it = intervention_technicians
    q = (
        sa.select(
            Intervention.id, Intervention.start_at, Intervention.end_at, Intervention.status, Intervention.event_type_id,
            Intervention.title, Intervention.closed, Client.name, Client.city, Client.postcode, it.c.user_id,
        )
        .join(it, it.c.intervention_id == Intervention.id)
        .join(Client, Client.id == Intervention.client_id)
        .where(
            Intervention.start_at < end,
            Intervention.start_at >= start - timedelta(days=MAX_INTERVENTION_DAYS),
            Intervention.end_at > start,
        )
        .order_by(Intervention.start_at, Intervention.id)
    )
    if not access.is_back_office(user) or filters.technician_ids:
        q = q.where(it.c.user_id.in_(tech_ids))
    if filters.event_types:
        q = q.where(Intervention.event_type_id.in_(filters.event_types))
    if filters.statuses:
        q = q.where(Intervention.status.in_(filters.statuses))
    if filters.tag_ids:
        q = q.where(Intervention.id.in_(sa.select(intervention_tags.c.intervention_id).where(intervention_tags.c.tag_id.in_(filters.tag_ids))))

    days = [first_day + timedelta(days=i) for i in range(ndays)]
    cells: dict[tuple[int, int], list[Item]] = defaultdict(list)
    rows: dict[int, list[Item]] = defaultdict(list)
    known = set(tech_ids)
    items: dict[int, Item] = {}
    day_of: dict[datetime, int] = {}  # most interventions start and end on the same few hours

    def index(instant: datetime) -> int:
        """The range's day index of an instant (company days), computed once per instant."""
        i = day_of.get(instant)
        if i is None:
            i = day_of[instant] = (clock.local(instant).date() - first_day).days
        return i

    for iv_id, start_at, end_at, status, event_type_id, title, closed, name, city, postcode, user_id in db.session.execute(q):
        if user_id not in known:
            continue
        item = items.get(iv_id)
        if item is None:
            item = items[iv_id] = Item(iv_id, start_at, end_at, status, event_type_id, title, closed, name, city, postcode)
        rows[user_id].append(item)
        first = max(0, index(start_at))
        last = min(ndays - 1, index(end_at - timedelta(microseconds=1)))
        for i in range(first, last + 1):
            cells[(user_id, i)].append(item)
    seen = items.keys()
    return Agenda(first_day, days, technicians, cells, rows, len(seen))


# --- free time ---------------------------------------------------------------------------------

#: Suggested visits start on these minutes (a quarter of an hour).
SLOT_STEP_MINUTES = 15


@dataclass(frozen=True)
class WorkingHours:
    """The periods of a working day (company wall clock) and the working weekdays."""

    periods: tuple[tuple[time, time], ...]
    weekdays: frozenset[int]

    @classmethod
    def parse(cls, text: str, weekdays=(0, 1, 2, 3, 4)) -> "WorkingHours":
        """``"08:00-12:00,13:30-17:30"``; a period that does not read is left out."""
        periods = []
        for part in (text or "").split(","):
            start, _sep, end = part.strip().partition("-")
            try:
                a, b = time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
            except ValueError:
                continue
            if a < b:
                periods.append((a, b))
        return cls(tuple(sorted(periods)), frozenset(weekdays))

    def periods_of(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working periods of ``day`` as aware instants (none on a day off)."""
        if day.weekday() not in self.weekdays:
            return []
        tz = clock.company_tz()
        return [(datetime.combine(day, a, tzinfo=tz), datetime.combine(day, b, tzinfo=tz)) for a, b in self.periods]


def working_hours() -> WorkingHours:
    return WorkingHours.parse(current_app.config["WORKING_HOURS"], current_app.config["WORKING_DAYS"])


def busy_times(technician_ids: list[int], start: datetime, end: datetime) -> dict[int, list[tuple[datetime, datetime]]]:
    """What each technician has planned between ``start`` and ``end`` (not cancelled), as
    sorted (start, end) pairs: one query."""
    cancelled = [s.key for s in get_registry().workflow.statuses_in("cancelled")]
    it = intervention_technicians
    q = (
        sa.select(it.c.user_id, Intervention.start_at, Intervention.end_at)
        .join(it, it.c.intervention_id == Intervention.id)
        .where(it.c.user_id.in_(technician_ids), Intervention.start_at < end, Intervention.end_at > start,
               Intervention.start_at >= start - timedelta(days=MAX_INTERVENTION_DAYS), Intervention.status.not_in(cancelled))
        .order_by(Intervention.start_at)
    )
    out: dict[int, list[tuple[datetime, datetime]]] = {t: [] for t in technician_ids}
    for user_id, s, e in db.session.execute(q):
        out[user_id].append((s, e))
    return out


def _rounded_up(at: datetime) -> datetime:
    """``at`` on the company's clock, moved up to the next quarter hour (unless on one)."""
    local = clock.local(at)
    whole = local.replace(second=0, microsecond=0)
    if whole < local:
        whole += timedelta(minutes=1)
    return whole + timedelta(minutes=(-whole.minute) % SLOT_STEP_MINUTES)


def free_slots(busy: list[tuple[datetime, datetime]], day: date, minutes: int, hours: WorkingHours, not_before: datetime | None = None) -> Iterator[datetime]:
    """The first start, in each free gap of ``day``'s working periods, where ``minutes``
    fit between what is ``busy``; starts fall on quarter hours, never before ``not_before``."""
    length = timedelta(minutes=minutes)
    for period_start, period_end in hours.periods_of(day):
        cursor = period_start if not_before is None else max(period_start, not_before)
        cursor = _rounded_up(cursor)
        for b_start, b_end in sorted(b for b in busy if b[1] > period_start and b[0] < period_end):
            if cursor + length <= b_start:
                yield cursor
            cursor = max(cursor, _rounded_up(b_end))
        if cursor + length <= period_end:
            yield cursor
