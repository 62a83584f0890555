"""The rows of an export, read in bounded memory: interventions page by page (keyset
pagination on their start and id, so that each page is one short query and a job can
commit its progress between pages), then the page's submissions and technicians.

Plain rows (SQLAlchemy Core), no ORM objects: nothing accumulates in the session's
identity map, so 100,000 submissions take the memory of one page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Iterator

import sqlalchemy as sa

from engine import clock

from ..extensions import db
from ..models import Client, Equipment, Intervention, Submission, User, intervention_technicians
from .request import ExportRequest

PAGE = 500


@dataclass
class Record:
    """One row of the main sheet: an intervention and its answers to the exported forms."""

    intervention: Any                  # id, start_at, end_at, status, event_type_id, client, equipment_*
    technicians: list[str]
    submissions: dict[str, Any]        # form id -> id, form_id, form_version_id, data, updated_at


def _filtered(req: ExportRequest, forms: list[str], stmt: sa.Select) -> sa.Select:
    lo = clock.local_midnight(req.date_from).astimezone(clock.UTC)
    hi = clock.local_midnight(req.date_to + timedelta(days=1)).astimezone(clock.UTC)
    answered = sa.select(Submission.id).where(Submission.intervention_id == Intervention.id, Submission.form_id.in_(forms)).exists()
    stmt = stmt.where(Intervention.start_at >= lo, Intervention.start_at < hi, answered)
    if req.event_type_id:
        stmt = stmt.where(Intervention.event_type_id == req.event_type_id)
    if req.technician_id:
        mine = sa.select(intervention_technicians.c.intervention_id).where(intervention_technicians.c.user_id == req.technician_id)
        stmt = stmt.where(Intervention.id.in_(mine))
    if req.status:
        stmt = stmt.where(Intervention.status == req.status)
    if req.client_id:
        stmt = stmt.where(Intervention.client_id == req.client_id)
    return stmt


def count(req: ExportRequest, forms: list[str]) -> int:
    """How many rows the main sheet will have."""
    return db.session.scalar(_filtered(req, forms, sa.select(sa.func.count(Intervention.id)))) or 0


def version_ids(req: ExportRequest, forms: list[str]) -> dict[str, list[int]]:
    """The form versions the selected answers were filled with, by form."""
    ivs = _filtered(req, forms, sa.select(Intervention.id))
    rows = db.session.execute(
        sa.select(Submission.form_id, Submission.form_version_id).distinct()
        .where(Submission.form_id.in_(forms), Submission.intervention_id.in_(ivs))
    )
    out: dict[str, list[int]] = {}
    for form_id, fv_id in rows:
        out.setdefault(form_id, []).append(fv_id)
    return out


def records(req: ExportRequest, forms: list[str], page: int = PAGE) -> Iterator[list[Record]]:
    """The selected interventions in order of start, one page of records at a time."""
    columns = (
        sa.select(Intervention.id, Intervention.start_at, Intervention.end_at, Intervention.status, Intervention.event_type_id, Client.name.label("client"),
                  Intervention.equipment_id, Equipment.kind.label("equipment_kind"), Equipment.brand.label("equipment_brand"),
                  Equipment.model.label("equipment_model"), Equipment.serial_number.label("equipment_serial"))
        .join(Client, Client.id == Intervention.client_id)
        .outerjoin(Equipment, Equipment.id == Intervention.equipment_id)
    )
    base = _filtered(req, forms, columns).order_by(Intervention.start_at, Intervention.id).limit(page)
    after = None
    while True:
        stmt = base
        if after is not None:
            start, ident = after
            stmt = stmt.where(sa.or_(Intervention.start_at > start, sa.and_(Intervention.start_at == start, Intervention.id > ident)))
        ivs = db.session.execute(stmt).all()
        if not ivs:
            return
        ids = [iv.id for iv in ivs]
        subs: dict[int, dict[str, Any]] = {}
        for s in db.session.execute(
            sa.select(Submission.id, Submission.intervention_id, Submission.form_id, Submission.form_version_id, Submission.data, Submission.updated_at)
            .where(Submission.intervention_id.in_(ids), Submission.form_id.in_(forms))
        ):
            subs.setdefault(s.intervention_id, {})[s.form_id] = s
        techs: dict[int, list[str]] = {}
        for iv_id, name in db.session.execute(
            sa.select(intervention_technicians.c.intervention_id, User.display_name)
            .join(User, User.id == intervention_technicians.c.user_id)
            .where(intervention_technicians.c.intervention_id.in_(ids)).order_by(User.display_name)
        ):
            techs.setdefault(iv_id, []).append(name)
        yield [Record(iv, techs.get(iv.id, []), subs.get(iv.id, {})) for iv in ivs]
        if len(ivs) < page:
            return
        after = (ivs[-1].start_at, ivs[-1].id)
