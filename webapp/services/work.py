"""What is known of an intervention's work, read from the database: its status's canonical
state, its event type, its work row (started, done, closed) and its timer segments.

The lowest layer of the services: the policy, the workflow verbs, the reports and the
views read these facts from here, and this module imports no other service (so nothing
above it needs a function-level import to reach them).
"""

from __future__ import annotations

import sqlalchemy as sa

from engine.project import EventType

from ..extensions import db
from ..models import Intervention, InterventionWork, TimeSegment
from ..registry import get_registry


def state_of(iv: Intervention) -> str:
    """The canonical state (planned, confirmed, in_progress, done, cancelled) of the
    intervention's status."""
    return get_registry().status(iv.status).state


def event_type_of(iv: Intervention) -> EventType | None:
    return get_registry().event_types.get(iv.event_type_id)


def work_of(iv: Intervention, *, create: bool = False) -> InterventionWork | None:
    """The intervention's work row; made (not flushed) when ``create`` and missing."""
    w = db.session.get(InterventionWork, iv.id)
    if w is None and create:
        w = InterventionWork(intervention_id=iv.id)
        db.session.add(w)
    return w


def segments_of(intervention_id: int) -> list[TimeSegment]:
    """The timer's runs, oldest first."""
    return list(db.session.scalars(
        sa.select(TimeSegment).where(TimeSegment.intervention_id == intervention_id).order_by(TimeSegment.started_at, TimeSegment.id)
    ))


def open_segment(intervention_id: int) -> TimeSegment | None:
    """The timer's run still going, if any (the timer is running)."""
    return db.session.scalar(
        sa.select(TimeSegment).where(TimeSegment.intervention_id == intervention_id, TimeSegment.ended_at.is_(None))
        .order_by(TimeSegment.id.desc()).limit(1)
    )


def running_timers(intervention_ids: set[int]) -> set[int]:
    """Of ``intervention_ids``, those whose timer is running (one query for a list)."""
    if not intervention_ids:
        return set()
    return set(db.session.scalars(
        sa.select(TimeSegment.intervention_id).where(TimeSegment.intervention_id.in_(intervention_ids), TimeSegment.ended_at.is_(None))
    ))


def works_of(intervention_ids: set[int]) -> dict[int, InterventionWork]:
    """The work rows of ``intervention_ids`` (one query for a list)."""
    if not intervention_ids:
        return {}
    return {w.intervention_id: w for w in db.session.scalars(sa.select(InterventionWork).where(InterventionWork.intervention_id.in_(intervention_ids)))}
