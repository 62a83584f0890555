"""Maintenance due (issue 15, point 4): which equipment needs its periodic visit, and
planning those visits over the technicians' free time.

A kind of ``equipment.json`` with ``maintenance_months`` is maintained periodically. The
next visit of a piece of equipment is due:

1. on its ``next_maintenance_on`` when that is later than its last maintenance (the date
   the technician wrote down at the last visit, through the event type's
   ``equipment_updates``, or the office set);
2. else ``maintenance_months`` after its last maintenance: the last done intervention on it
   of the kind's event type;
3. else ``maintenance_months`` after its installation;
4. else now: nothing is known of it, so it is listed as due (never maintained).

Retired equipment is never due. A visit already planned (an intervention on it that is
neither done nor cancelled, from today on) is shown with the list, and is not suggested again.
"""

from __future__ import annotations

import uuid as uuid_mod
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy.orm import joinedload

from engine import clock
from engine.equipment import EquipmentKind
from engine.project import EventType

from ..extensions import db
from ..models import Client, Equipment, Intervention, User
from ..registry import get_registry
from ..schemas import InterventionInputSchema, error_dict
from . import access, agenda, policy
from .equipment import catalog
from .errors import Forbidden, InvalidInput
from .interventions import schedule_intervention

#: How far ahead a visit is suggested at most, and how early before its due date.
SEARCH_DAYS = 60
EARLY_DAYS = 30

#: Why the due date is what it is (``Due.basis``).
BASES = ("next_maintenance", "last_visit", "installation", "unknown")


@dataclass
class Due:
    equipment: Equipment
    kind: EquipmentKind
    due_on: date
    basis: str
    last_visit: date | None
    #: the next visit already planned on it, if any
    planned: Intervention | None = None

    @property
    def overdue(self) -> bool:
        return self.due_on < clock.today()

    @property
    def client(self) -> Client:
        return self.equipment.client


def due_date(eq: Equipment, kind: EquipmentKind, last_visit: date | None) -> tuple[date, str]:
    """The day ``eq``'s next maintenance is due and why (:data:`BASES`); see the module."""
    months = kind.maintenance_months or 12
    if eq.next_maintenance_on is not None and (last_visit is None or eq.next_maintenance_on > last_visit):
        return eq.next_maintenance_on, "next_maintenance"
    if last_visit is not None:
        return clock.add_months(last_visit, months), "last_visit"
    if eq.installed_on is not None:
        return clock.add_months(eq.installed_on, months), "installation"
    return clock.today(), "unknown"


def _states(*states: str) -> list[str]:
    wf = get_registry().workflow
    return [s.key for state in states for s in wf.statuses_in(state)]


def last_visits(equipment_ids: list[int]) -> dict[tuple[int, str], date]:
    """(equipment, event type) -> the company day of the last done intervention of that
    type on it: one query."""
    if not equipment_ids:
        return {}
    q = (
        sa.select(Intervention.equipment_id, Intervention.event_type_id, sa.func.max(Intervention.start_at))
        .where(Intervention.equipment_id.in_(equipment_ids), Intervention.status.in_(_states("done")))
        .group_by(Intervention.equipment_id, Intervention.event_type_id)
    )
    return {(e, t): clock.local(at).date() for e, t, at in db.session.execute(q)}


def planned_visits(equipment_ids: list[int]) -> dict[int, Intervention]:
    """Equipment -> the first intervention on it from today on that is neither done nor
    cancelled (whatever its type: a breakdown visit can do the maintenance too)."""
    if not equipment_ids:
        return {}
    start, _end = clock.day_bounds_utc(clock.today())
    q = (
        sa.select(Intervention)
        .where(Intervention.equipment_id.in_(equipment_ids), Intervention.end_at > start, Intervention.status.not_in(_states("done", "cancelled")))
        .order_by(Intervention.start_at)
    )
    out: dict[int, Intervention] = {}
    for iv in db.session.scalars(q):
        out.setdefault(iv.equipment_id, iv)
    return out


def _dues(rows: list[Equipment]) -> list[Due]:
    cat = catalog()
    ids = [e.id for e in rows]
    visits, planned = last_visits(ids), planned_visits(ids)
    out = []
    for eq in rows:
        kind = cat.kind(eq.kind)
        if kind is None or not kind.maintenance_months or eq.retired_on is not None:
            continue
        last = visits.get((eq.id, kind.event_type)) if kind.event_type else None
        due_on, basis = due_date(eq, kind, last)
        out.append(Due(eq, kind, due_on, basis, last, planned.get(eq.id)))
    return out


def dues_by_id(rows: list[Equipment]) -> dict[int, Due]:
    """Each piece's maintenance due, by id (none for a kind without periodic maintenance,
    nor for retired equipment): two queries, whatever the number."""
    return {d.equipment.id: d for d in _dues(rows)}


def due_of(eq: Equipment) -> Due | None:
    return dues_by_id([eq]).get(eq.id)


def due_list(actor: User, until: date, *, since: date | None = None, overdue: bool = True, kinds: list[str] | None = None) -> list[Due]:
    """The equipment due from ``since`` to ``until`` (both included), with what is due
    before ``since`` too when ``overdue``; by due date. The back office's list."""
    if not access.is_back_office(actor):
        raise Forbidden(_("Only the back office may do this."))
    periodic = [k.key for k in catalog().kinds.values() if k.maintenance_months and (not kinds or k.key in kinds)]
    if not periodic:
        return []
    stmt = sa.select(Equipment).where(Equipment.kind.in_(periodic), Equipment.retired_on.is_(None)).options(joinedload(Equipment.client))
    rows = list(db.session.scalars(policy.visible_equipment(actor, stmt)))
    out = [d for d in _dues(rows) if d.due_on <= until and (since is None or d.due_on >= since or overdue)]
    return sorted(out, key=lambda d: (d.due_on, d.client.name, d.equipment.id))


# --- planning the visits ---------------------------------------------------------------------


@dataclass
class Proposal:
    """One visit to plan: the equipment's due, the event type, and the suggested technician
    and start (None when no free slot was found in :data:`SEARCH_DAYS`)."""

    due: Due
    event_type: EventType | None
    minutes: int
    technician_id: int | None
    start_at: datetime | None
    uuid: str


def technicians() -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.role == "technician", User.active.is_(True)).order_by(User.display_name, User.id)))


def propose(actor: User, equipment_ids: list[int], *, technician_ids: list[int] | None = None) -> list[Proposal]:
    """A visit for each piece of equipment (most overdue first), spread over the technicians'
    free slots within working hours: each in turn takes the earliest day some technician has
    room, from tomorrow and not more than :data:`EARLY_DAYS` before it is due, going to the
    technician with the fewest visits suggested so far on that day's earliest slot. The
    suggestions are not saved: the clerk changes them and confirms (:func:`plan_visits`)."""
    if not access.can_plan(actor):
        raise Forbidden(_("You may not plan interventions."))
    stmt = sa.select(Equipment).where(Equipment.id.in_(equipment_ids)).options(joinedload(Equipment.client))
    dues = sorted(_dues(list(db.session.scalars(stmt))), key=lambda d: (d.due_on, d.equipment.id))
    techs = [t.id for t in technicians() if not technician_ids or t.id in technician_ids]
    first_day = clock.today() + timedelta(days=1)
    window_start, window_end = clock.day_bounds_utc(first_day, EARLY_DAYS + SEARCH_DAYS + 366)
    busy = agenda.busy_times(techs, window_start, window_end) if techs else {}
    hours = agenda.working_hours()
    counts = {t: 0 for t in techs}
    out = []
    reg = get_registry()
    for due in dues:
        et = reg.event_types.get(due.kind.event_type or "")
        minutes = et.default_duration_minutes if et else 60
        tech, start = _earliest(busy, counts, max(first_day, due.due_on - timedelta(days=EARLY_DAYS)), minutes, hours)
        if tech is not None:
            busy[tech].append((start, start + timedelta(minutes=minutes)))
            counts[tech] += 1
        out.append(Proposal(due, et, minutes, tech, start, str(uuid_mod.uuid4())))
    return out


def _earliest(busy: dict[int, list], counts: dict[int, int], first_day: date, minutes: int, hours: agenda.WorkingHours) -> tuple[int | None, datetime | None]:
    for offset in range(SEARCH_DAYS):
        day = first_day + timedelta(days=offset)
        found = []
        for tech in busy:
            start = next(agenda.free_slots(busy[tech], day, minutes, hours), None)
            if start is not None:
                found.append((counts[tech], start, tech))
        if found:
            _count, start, tech = min(found)
            return tech, start
    return None, None


def plan_visits(actor: User, rows: list[dict]) -> tuple[list[Intervention], dict[int, dict[str, list[str]]]]:
    """Plan the visits the clerk confirmed: each row ``{equipment_id, event_type_id,
    technician_id, start_at, minutes, uuid}`` (start as the company's wall clock). Every row
    is checked first; when one is refused nothing is planned and the errors come back by
    row and field. Each visit targets its equipment (a repeated ``uuid`` finds the visit
    already planned: a double submission plans nothing twice)."""
    if not access.can_plan(actor):
        raise Forbidden(_("You may not plan interventions."))
    loaded, errors = [], {}
    for i, row in enumerate(rows):
        eq = db.session.get(Equipment, row.get("equipment_id")) if isinstance(row.get("equipment_id"), int) else None
        raw = {
            "uuid": row.get("uuid") or None, "event_type_id": row.get("event_type_id") or "", "client_id": eq.client_id if eq else None,
            "equipment_id": eq.id if eq else None, "technician_ids": [row["technician_id"]] if row.get("technician_id") else [],
            "start_at": row.get("start_at") or None, "end_at": None,
        }
        try:
            start = clock.parse_local_datetime(str(raw["start_at"])) if raw["start_at"] else None
            minutes = int(row.get("minutes") or 60)
        except (TypeError, ValueError, OverflowError):
            start, minutes = None, 60
        raw["end_at"] = (start + timedelta(minutes=max(5, min(minutes, 24 * 60)))).isoformat() if start else None
        raw["start_at"] = start.isoformat() if start else raw["start_at"]
        try:
            data = InterventionInputSchema().load({k: v for k, v in raw.items() if v is not None})
        except ValidationError as err:
            errors[i] = error_dict(err)
            continue
        if eq is None:
            errors[i] = {"equipment_id": [_("No such equipment.")]}
            continue
        loaded.append(data)
    if errors:
        return [], errors
    planned = []
    for data in loaded:
        try:
            iv, _created = schedule_intervention(actor, data)
        except InvalidInput as exc:
            errors[len(planned)] = exc.errors
            break
        planned.append(iv)
    return planned, errors
