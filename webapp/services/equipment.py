"""The clients' installed equipment (issue 15): create, edit, read, with every change audited.

One write path, :func:`apply_changes`: the back office's edits and the answers of a done
intervention (an event type's ``equipment_updates``, :func:`update_from_answers`) both go
through it, so that the
audit trail says for every change who made it, from which intervention if any, and the
old and new value (``audit_log``, entity ``equipment``, details ``{"changes": {field:
[old, new]}, ...}``; dates as ISO text).

The fixed fields are checked by :class:`webapp.schemas.EquipmentInputSchema`, the kind and
fuel against ``equipment.json``, the free fields by the engine against its schema; every
fault is refused at once, by JSON pointer (:class:`InvalidRecord`, 422).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from engine import MISSING, FieldError, clock, display, walk
from engine.equipment import EquipmentCatalog, parse_update_source
from engine.paths import from_pointer, get_at

from ..extensions import db
from ..i18n import current_lang
from ..models import Client, Equipment, Intervention, Submission, User
from ..registry import get_registry
from ..schemas import EquipmentInputSchema, error_dict
from . import policy
from .audit import audit, origin
from .errors import Conflict, Forbidden, InvalidRecord, NotFound

#: The columns the input sets (``fields``, the free fields, apart).
COLUMNS = ("kind", "brand", "model", "serial_number", "installed_on", "warranty_until", "fuel", "notes", "next_maintenance_on", "retired_on")


def catalog() -> EquipmentCatalog:
    """What ``form_definitions/equipment.json`` declares (kinds, fuels, free fields)."""
    return get_registry().equipment


def plain(value: Any) -> Any:
    """A value as the audit trail keeps it (JSON): dates as ISO text."""
    return value.isoformat() if isinstance(value, date) else value


def check_input(raw: Any, lang: str | None = None) -> dict:
    """The equipment's values from ``raw`` (a JSON object, or a browser form's fields as a
    dict), checked: the columns of :data:`COLUMNS` and ``fields``, the free fields as the
    engine keeps them (without what a rule hides). Raises :class:`InvalidRecord` with
    every fault."""
    lang = lang or current_lang()
    errors: list[FieldError] = []
    try:
        data = EquipmentInputSchema().load(raw if isinstance(raw, dict) else {})
    except ValidationError as err:
        for name, messages in error_dict(err).items():
            errors += [FieldError("" if name == "_schema" else f"/{name}", m, "invalid") for m in messages]
        data = err.valid_data if isinstance(err.valid_data, dict) else {}  # the rest is checked all the same
    cat = catalog()
    if data.get("kind") is not None and data["kind"] not in cat.kinds:
        errors.append(FieldError("/kind", _("Choose a kind of equipment from the list."), "enum"))
    if data.get("fuel") is not None and data["fuel"] not in cat.fuels:
        errors.append(FieldError("/fuel", _("Choose a fuel from the list."), "enum"))
    if isinstance(data.get("fields"), dict):
        free, found = cat.form.check(data["fields"], lang)
        errors += [FieldError("/fields" + e.pointer, e.message, e.keyword, e.params) for e in found]
        data["fields"] = free
    if errors:
        raise InvalidRecord(errors)
    return data


def label(eq: Equipment, lang: str | None = None) -> str:
    """How lists name a piece of equipment: kind, brand and model, serial number."""
    lang = lang or current_lang()
    words = [catalog().kind_label(eq.kind, lang), " ".join(w for w in (eq.brand, eq.model) if w)]
    text = " — ".join(w for w in words if w)
    return _("%(equipment)s (no. %(serial)s)", equipment=text, serial=eq.serial_number) if eq.serial_number else text


def details(eq: Equipment, lang: str) -> list[dict]:
    """The free fields answered, as people read them (``{"label", "value"}``, in the form's
    order): what the phone shows under the equipment."""
    tree = walk(catalog().form, eq.fields or {}, lang=lang)
    out = []
    for node in tree.children:
        text = display.answer(node, lang) if node.visible else ""
        if text:
            out.append({"label": node.label, "value": text})
    return out


def phone_payload(eq: Equipment, lang: str) -> dict:
    """The targeted equipment as the phone shows it on the intervention (every text read by
    the server: labels, dates)."""
    cat = catalog()

    def day(value):
        return display.date(value, lang, "short") if value else None

    return {
        "id": eq.id, "kind": eq.kind, "kind_label": cat.kind_label(eq.kind, lang), "brand": eq.brand, "model": eq.model,
        "serial_number": eq.serial_number, "fuel_label": cat.fuel_label(eq.fuel, lang) or None, "installed_on_label": day(eq.installed_on),
        "warranty_until_label": day(eq.warranty_until), "under_warranty": eq.warranty_until is not None and eq.warranty_until >= clock.today(),
        "next_maintenance_label": day(eq.next_maintenance_on), "notes": eq.notes, "details": details(eq, lang),
    }


def current_value(eq: Equipment, name: str) -> Any:
    """A field's value now: a column, or a free field (None when absent)."""
    return getattr(eq, name) if name in COLUMNS else (eq.fields or {}).get(name)


def apply_changes(actor: User | None, eq: Equipment, values: dict, *, action: str, details: dict | None = None) -> dict:
    """Set ``values`` (columns, and free fields under their own names) on ``eq`` and audit
    what changed as ``{field: [old, new]}``; returns that. Does not commit."""
    changes: dict[str, list] = {}
    free = dict(eq.fields or {})
    for name, new in values.items():
        if name in COLUMNS:
            old = current_value(eq, name)
            if old != new:
                changes[name] = [plain(old), plain(new)]
                setattr(eq, name, new)
        elif free.get(name) != new:
            changes[name] = [free.get(name), new]
            if new is None:
                free.pop(name, None)
            else:
                free[name] = new
    if free != (eq.fields or {}):
        eq.fields = free
    if changes:
        db.session.flush()
        audit(actor, "equipment", eq.id, action, None, None, {"changes": changes, **(details or {})})
    return changes


def require_editor(actor: User) -> None:
    """Refuse (403) whoever may not edit equipment, before anything of the input is read."""
    if not policy.may_edit_equipment(actor):
        raise Forbidden(_("You may not edit equipment."))


def create_equipment(actor: User, client_id: int, raw: Any, *, lang: str | None = None, source: str = "web") -> Equipment:
    """A new piece of equipment at ``client_id``'s; audited with its values."""
    require_editor(actor)
    client = db.session.get(Client, client_id)
    if client is None:
        raise NotFound(_("No such client."))
    data = check_input(raw, lang)
    eq = Equipment(client_id=client.id, fields={})
    db.session.add(eq)  # inserted with its values by apply_changes' flush
    values = {k: data[k] for k in COLUMNS} | data["fields"]
    values = {k: v for k, v in values.items() if v is not None}
    apply_changes(actor, eq, values, action="create", details=origin(source))
    db.session.commit()
    return eq


def update_equipment(actor: User, equipment_id: int, raw: Any, *, expected_version: int | None = None, lang: str | None = None,
                     source: str = "web") -> Equipment:
    """Replace the equipment's values with ``raw``'s (a free field left out is emptied);
    ``expected_version`` (or ``raw["version"]``) refuses an edit made on a stale copy (409)."""
    require_editor(actor)
    eq = get_equipment(actor, equipment_id)
    data = check_input(raw, lang)
    expected = expected_version if expected_version is not None else data.get("version")
    stale = _("Someone else changed this equipment meanwhile: reload it and redo your change.")
    if expected is not None and eq.version != expected:
        raise Conflict(stale)
    values = {k: data[k] for k in COLUMNS} | {k: None for k in (eq.fields or {})} | data["fields"]
    try:
        apply_changes(actor, eq, values, action="update", details=origin(source))
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(stale) from None
    return eq


def get_equipment(actor: User, equipment_id: int) -> Equipment:
    """The equipment, with its client, if ``actor`` may see it (404 otherwise: a technician
    sees the equipment their interventions target)."""
    stmt = sa.select(Equipment).where(Equipment.id == equipment_id).options(joinedload(Equipment.client))
    eq = db.session.scalar(policy.visible_equipment(actor, stmt))
    if eq is None:
        raise NotFound(_("No such equipment."))
    return eq


def client_equipment(actor: User, client_id: int, *, include_retired: bool = True) -> list[Equipment]:
    """The equipment at ``client_id``'s that ``actor`` may see: in service first, then by
    kind and installation."""
    stmt = sa.select(Equipment).where(Equipment.client_id == client_id)
    if not include_retired:
        stmt = stmt.where(Equipment.retired_on.is_(None))
    stmt = stmt.order_by(Equipment.retired_on.is_not(None), Equipment.kind, Equipment.installed_on, Equipment.id)
    return list(db.session.scalars(policy.visible_equipment(actor, stmt)))


# --- answers that update the equipment (an event type's ``equipment_updates``) -----------------


def _accepted(values: dict, lang: str) -> dict:
    """The answers the equipment can hold, as it holds them (a date answer as a date): each
    field is checked as the back office's input would be, and one the equipment refuses
    (too long, out of the free field's bounds) is left as it was."""
    out = {}
    for name, value in values.items():
        if name in COLUMNS:
            try:
                out[name] = EquipmentInputSchema(partial=True, only=(name,)).load({name: value})[name]
            except ValidationError:
                continue
        else:
            checked, errors = catalog().form.check({name: value}, lang)
            if name in checked and not any(e.pointer == f"/{name}" or e.pointer.startswith(f"/{name}/") for e in errors):
                out[name] = checked[name]
    return out


def update_from_answers(actor: User, iv: Intervention, *, source: str = "web", at=None, form_id: str | None = None,
                        before: dict | None = None) -> dict:
    """Update the equipment ``iv`` targets from its answers, as its event type's
    ``equipment_updates`` say, once ``iv`` is done; audited (action ``update_from_answers``,
    with the intervention and where each value was read). Returns the changes
    (``{field: [old, new]}``). Does not commit: the caller's transaction (Finish, a saved
    correction) holds it, so that both happen or neither.

    Called when the intervention becomes done (every mapped answer), and when answers are
    saved (``form_id``; ``before``: that form's previous answers): a correction updates the
    fields whose answers it changed, and leaves alone what the office set since. An answer
    left empty changes nothing.
    """
    if iv.equipment_id is None:
        return {}
    reg = get_registry()
    if reg.status(iv.status).state != "done":
        return {}
    et = reg.event_types.get(iv.event_type_id)
    mapping = {t: parse_update_source(src) for t, src in (et.equipment_updates if et else {}).items()}
    mapping = {t: p for t, p in mapping.items() if p is not None and (form_id is None or p[0] == form_id)}
    if not mapping:
        return {}
    forms = {p[0] for p in mapping.values()}
    answers = dict(db.session.execute(sa.select(Submission.form_id, Submission.data).where(Submission.intervention_id == iv.id, Submission.form_id.in_(forms))).all())
    values, sources = {}, {}
    for target, (fid, pointer) in mapping.items():
        path = from_pointer(pointer)
        value = get_at(answers.get(fid), path, MISSING)
        if value is MISSING or value is None or value == "":
            continue
        if before is not None and get_at(before, path, MISSING) == value:
            continue  # this correction did not change it
        values[target], sources[target] = value, f"{fid}#{pointer}"
    eq = db.session.get(Equipment, iv.equipment_id)
    if eq is None:
        return {}
    accepted = {k: v for k, v in _accepted(values, current_lang()).items() if current_value(eq, k) != v}
    if not accepted:
        return {}
    details = {"intervention_id": iv.id, "sources": {k: sources[k] for k in accepted}, **origin(source, at)}
    return apply_changes(actor, eq, accepted, action="update_from_answers", details=details)
