"""Plan and change interventions, and their tags (statuses: :mod:`.workflow`). Every change writes an audit row.

Each verb checks everything before it changes anything and commits once: a refusal leaves
the database as it was.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..models import MAX_INTERVENTION_DAYS, Client, Equipment, Intervention, Store, Tag, User
from ..registry import get_registry
from . import access, policy, unit
from .audit import audit
from .errors import Conflict, Forbidden, InvalidInput, NotFound


#: What :func:`load_intervention` loads with the intervention.
_WITH = ("client", "store", "technicians", "tags")


def _load_stmt(*where) -> sa.Select:
    return sa.select(Intervention).where(*where).options(
        joinedload(Intervention.client),
        joinedload(Intervention.store),
        selectinload(Intervention.technicians),
        selectinload(Intervention.tags),
    )


def _held(intervention_id: int) -> Intervention | None:
    """The intervention as this transaction already holds it with all it is loaded with,
    or None. Reading it again would bring nothing new (the session keeps the attributes it
    holds); in a batch of operations on one intervention it spares the reads per operation."""
    iv = db.session.identity_map.get(Session.identity_key(Intervention, intervention_id))
    if iv is None:
        return None
    state = sa.inspect(iv)
    return None if state.expired_attributes or state.unloaded.intersection(_WITH) else iv


def _visible(iv: Intervention | None, user: User) -> Intervention:
    if iv is None or not policy.may_view(user, iv):
        raise NotFound(_("No such intervention."))
    return iv


def load_intervention(intervention_id: int, user: User, *, for_update: bool = False) -> Intervention:
    """The intervention with its client, store, technicians and tags, if ``user`` may see
    it (NotFound otherwise: a technician does not learn that others' exist)."""
    return _visible(_held(intervention_id) or db.session.scalar(_load_stmt(Intervention.id == intervention_id)), user)


def load_intervention_by_uuid(intervention_uuid: str, user: User) -> Intervention:
    """:func:`load_intervention` by the UUID a device names it with."""
    return _visible(db.session.scalar(_load_stmt(Intervention.uuid == intervention_uuid)), user)


def _check(data: dict) -> tuple[dict, dict[str, list[str]]]:
    """Resolve and check the references of an intervention's input."""
    reg = get_registry()
    errors: dict[str, list[str]] = {}
    found: dict = {}
    et = reg.event_types.get(data.get("event_type_id") or "")
    if et is None:
        errors["event_type_id"] = [_("Unknown event type “%(id)s”.", id=data.get("event_type_id"))]
    found["event_type"] = et
    client = db.session.get(Client, data["client_id"]) if data.get("client_id") is not None else None
    if client is None:
        errors["client_id"] = [_("This client does not exist.")]
    found["client"] = client
    store = None
    if data.get("store_id") is not None:
        store = db.session.get(Store, data["store_id"])
        if store is None:
            errors["store_id"] = [_("This store does not exist.")]
    found["store"] = store
    equipment = None
    if data.get("equipment_id") is not None:
        equipment = db.session.get(Equipment, data["equipment_id"])
        if equipment is None or (client is not None and equipment.client_id != client.id):
            errors["equipment_id"] = [_("Choose a piece of the client's equipment.")]
    found["equipment"] = equipment
    ids = list(dict.fromkeys(data.get("technician_ids") or []))
    techs = list(db.session.scalars(sa.select(User).where(User.id.in_(ids)))) if ids else []
    by_id = {t.id: t for t in techs}
    bad = [i for i in ids if i not in by_id or by_id[i].role != "technician" or not by_id[i].active]
    if bad:
        errors["technician_ids"] = [_("No active technician with id %(ids)s.", ids=", ".join(map(str, bad)))]
    elif not ids:
        errors["technician_ids"] = [_("Choose at least one technician.")]
    found["technicians"] = [by_id[i] for i in ids if i in by_id]
    start, end = data.get("start_at"), data.get("end_at")
    if start and end:
        if end <= start:
            errors.setdefault("end_at", []).append(_("The end must come after the start."))
        elif end - start > timedelta(days=MAX_INTERVENTION_DAYS):
            errors.setdefault("end_at", []).append(_("An intervention lasts at most %(days)d days.", days=MAX_INTERVENTION_DAYS))
    return found, errors


def _tags(names: list[str]) -> list[Tag]:
    names = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
    if not names:
        return []
    existing = {t.name: t for t in db.session.scalars(sa.select(Tag).where(Tag.name.in_(names)))}
    out = []
    for n in names:
        t = existing.get(n)
        if t is None:
            t = Tag(name=n)
            db.session.add(t)
        out.append(t)
    return out


def _default_title(et, client: Client, lang: str = "fr") -> str:
    parts = [client.name, client.postcode or "", et.title_in(lang)]
    return " ".join(p for p in parts if p)[:200]


def is_default_title(title: str, et, client: Client) -> bool:
    """Whether ``title`` is the one made when the planner left it empty (the client's name,
    postcode and type), rather than words someone typed. The name is not compared: the
    client may have been renamed since, and the title still says the old name."""
    if et is None:
        return False
    tail = " ".join(p for p in [client.postcode or "", et.title_in("fr")] if p)
    return title == _default_title(et, client) or title.endswith(" " + tail)


def schedule_intervention(actor: User, data: dict) -> tuple[Intervention, bool]:
    """Create an intervention; returns it and whether it is new. A repeated ``uuid`` (a
    double submission of the same form) returns the first one unchanged."""
    if not access.can_plan(actor):
        raise Forbidden(_("You may not plan interventions."))
    if data.get("uuid"):
        existing = db.session.scalar(sa.select(Intervention.id).where(Intervention.uuid == str(data["uuid"])))
        if existing is not None:
            return load_intervention(existing, actor), False
    found, errors = _check(data)
    if errors:
        raise InvalidInput(errors)
    wf = get_registry().workflow
    iv = Intervention(
        event_type_id=found["event_type"].id,
        title=data.get("title") or _default_title(found["event_type"], found["client"]),
        client=found["client"],
        store=found["store"],
        equipment_id=found["equipment"].id if found["equipment"] else None,
        start_at=data["start_at"],
        end_at=data["end_at"],
        status=wf.initial,
        notes=data.get("notes") or None,
        technicians=found["technicians"],
        tags=_tags(data.get("tags") or []),
        created_by_id=actor.id,
    )
    if data.get("uuid"):
        iv.uuid = str(data["uuid"])
    db.session.add(iv)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        existing = db.session.scalar(sa.select(Intervention.id).where(Intervention.uuid == str(data.get("uuid"))))
        if existing is None:
            raise
        return load_intervention(existing, actor), False
    audit(actor, "intervention", iv.id, "create", None, iv.status, {"event_type": iv.event_type_id, "client_id": iv.client_id})
    unit.commit()
    return load_intervention(iv.id, actor), True


def _snapshot(iv: Intervention) -> dict:
    return {
        "event_type_id": iv.event_type_id,
        "title": iv.title,
        "client_id": iv.client_id,
        "store_id": iv.store_id,
        "equipment_id": iv.equipment_id,
        "start_at": iv.start_at.isoformat(),
        "end_at": iv.end_at.isoformat(),
        "technician_ids": sorted(t.id for t in iv.technicians),
        "tags": sorted(t.name for t in iv.tags),
        "notes": iv.notes,
    }


def update_intervention(actor: User, intervention_id: int, data: dict) -> Intervention:
    """Change the appointment. ``data["version"]``, when given, must still be current."""
    iv = load_intervention(intervention_id, actor)
    policy.enforce(actor, iv, "edit_appointment")
    if data.get("version") is not None and data["version"] != iv.version:
        raise Conflict(_("Someone else changed this intervention meanwhile: reload it and redo your change."))
    found, errors = _check(data)
    if errors:
        raise InvalidInput(errors)
    before = _snapshot(iv)
    iv.event_type_id = found["event_type"].id
    iv.title = data.get("title") or _default_title(found["event_type"], found["client"])
    iv.client = found["client"]
    iv.store = found["store"]
    iv.equipment_id = found["equipment"].id if found["equipment"] else None
    iv.start_at, iv.end_at = data["start_at"], data["end_at"]
    iv.notes = data.get("notes") or None
    iv.technicians = found["technicians"]
    iv.tags = _tags(data.get("tags") or [])
    db.session.flush()
    after = _snapshot(iv)
    changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changed:
        audit(actor, "intervention", iv.id, "update", None, None, changed)
    _commit()
    return iv


def _commit() -> None:
    try:
        unit.commit()
    except StaleDataError:
        unit.rollback()
        raise Conflict(_("Someone else changed this intervention meanwhile: reload it and redo your change.")) from None


def add_tag(actor: User, intervention_id: int, name: str) -> Intervention:
    iv = load_intervention(intervention_id, actor)
    policy.enforce(actor, iv, "edit_answers")  # tags are the intervention's data too (H3)
    name = (name or "").strip()
    if not name or len(name) > 40:
        raise InvalidInput({"tag": [_("A tag has 1 to 40 characters.")]})
    if name not in {t.name for t in iv.tags}:
        iv.tags = iv.tags + _tags([name])
        audit(actor, "intervention", iv.id, "tag_add", None, name)
        _commit()
    return iv


def remove_tag(actor: User, intervention_id: int, tag_id: int) -> Intervention:
    iv = load_intervention(intervention_id, actor)
    policy.enforce(actor, iv, "edit_answers")  # tags are the intervention's data too (H3)
    tag = next((t for t in iv.tags if t.id == tag_id), None)
    if tag is not None:
        iv.tags = [t for t in iv.tags if t.id != tag_id]
        audit(actor, "intervention", iv.id, "tag_remove", tag.name, None)
        _commit()
    return iv
