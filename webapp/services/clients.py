"""The client records (A4)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from marshmallow import ValidationError

from ..extensions import db
from ..models import Client, User
from ..schemas import ClientInputSchema, error_dict
from . import access, unit
from .audit import audit
from .errors import Forbidden, InvalidInput, NotFound

FIELDS = ("name", "address", "postcode", "city", "phone", "email", "lat", "lon")


def _load(raw: dict) -> dict:
    try:
        return ClientInputSchema().load(raw)
    except ValidationError as err:
        raise InvalidInput(error_dict(err)) from None


def create_client(actor: User, raw: dict) -> Client:
    if not access.can_plan(actor):
        raise Forbidden(_("You may not edit clients."))
    data = _load(raw)
    client = Client(**{k: data.get(k) for k in FIELDS})
    db.session.add(client)
    db.session.flush()
    audit(actor, "client", client.id, "create", None, client.name)
    unit.commit()
    return client


def update_client(actor: User, client_id: int, raw: dict) -> Client:
    if not access.can_plan(actor):
        raise Forbidden(_("You may not edit clients."))
    client = db.session.get(Client, client_id)
    if client is None:
        raise NotFound(_("No such client."))
    data = _load(raw)
    changed = {k: [getattr(client, k), data.get(k)] for k in FIELDS if getattr(client, k) != data.get(k)}
    for k in FIELDS:
        setattr(client, k, data.get(k))
    if changed:
        audit(actor, "client", client.id, "update", None, None, changed)
    db.session.commit()
    return client


def search_clients(q: str, *, limit: int = 50, offset: int = 0) -> tuple[list[Client], int]:
    stmt = sa.select(Client)
    q = (q or "").strip()
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(Client.name).like(like), sa.func.lower(Client.city).like(like), Client.postcode.like(f"{q}%"), Client.phone.like(f"%{q}%")))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    rows = list(db.session.scalars(stmt.order_by(Client.name, Client.id).limit(limit).offset(offset)))
    return rows, total
