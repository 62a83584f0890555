"""Prefilled forms (issue 15): what a form of an intervention opens with the first time,
from the context :mod:`engine.prefill` reads — the client, the intervention, the equipment
it targets, the previous visit's answers to the same form.

The server decides everything here, for its own page and for the phone: the pull carries
the prefilled answers of each form not answered yet (:func:`prefills_for`), and the phone
applies them as they come, so that no rule is worked out twice. A form is prefilled only
while it has no answers on the server (the phone: nor a draft); saving it counts as the
technician's confirmation, and the save's audit row names the fields saved still
unconfirmed (``prefilled``) — what the office needs to know which values nobody checked.
"""

from __future__ import annotations

from typing import Iterable

import sqlalchemy as sa

from engine import clock
from engine.defaults import fill_defaults
from engine.equipment import FIXED_FIELDS
from engine.node import MISSING
from engine.paths import from_pointer, get_at
from engine.prefill import PREVIOUS, Prefilled, prefill, record_of, sources_used
from engine.walk import asks_prefill

from .. import bounds
from ..extensions import db
from ..models import Equipment, Intervention, Submission
from ..registry import definition_of, get_registry
from .equipment import plain

#: At most this many fields are named unconfirmed in an audit row (a post says which).
POSTED_NAME = ":prefilled"
MAX_POINTERS = 500


def _client(iv: Intervention) -> dict:
    c = iv.client
    town = " ".join(x for x in (c.postcode, c.city) if x)
    return {"name": c.name, "email": c.email, "phone": c.phone, "address": c.address, "postcode": c.postcode, "city": c.city,
            "full_address": ", ".join(x for x in (c.address, town) if x) or None}


def _intervention(iv: Intervention, lang: str) -> dict:
    reg = get_registry()
    return {
        "title": iv.title,
        "type": reg.event_type_title(iv.event_type_id, lang),
        "start": clock.local(iv.start_at).isoformat(),
        "end": clock.local(iv.end_at).isoformat(),
        "date": clock.local(iv.start_at).date().isoformat(),
        "technician": ", ".join(t.display_name for t in iv.technicians) or None,
        "store": iv.store.name if iv.store else None,
    }


def previous_answers(wanted: Iterable[tuple[Intervention, str]]) -> dict[tuple[int, str], dict]:
    """The last answers to the same form before each intervention (a cancelled visit aside),
    by (intervention id, form id), in one query: those of a visit to the same equipment;
    else, at the same client, those of a visit to no equipment in particular (a visit to
    the client's other boiler is not this one's past). A visit to no equipment takes the
    client's last visit."""
    wanted = list(wanted)
    if not wanted:
        return {}
    cancelled = [s.key for s in get_registry().workflow.statuses_in("cancelled")]
    rows = db.session.execute(
        sa.select(Intervention.client_id, Intervention.id, Intervention.equipment_id, Intervention.start_at, Submission.form_id, Submission.data)
        .join(Submission, Submission.intervention_id == Intervention.id)
        .where(Intervention.client_id.in_({iv.client_id for iv, _ in wanted}), Submission.form_id.in_({f for _, f in wanted}),
               Intervention.status.not_in(cancelled))
        .order_by(Intervention.start_at.desc(), Submission.updated_at.desc())
    ).all()
    out: dict[tuple[int, str], dict] = {}
    for iv, form_id in wanted:
        earlier = [r for r in rows if r.client_id == iv.client_id and r.form_id == form_id and r.id != iv.id and r.start_at < iv.start_at]
        if iv.equipment_id is not None:
            earlier = [r for r in earlier if r.equipment_id == iv.equipment_id] or [r for r in earlier if r.equipment_id is None]
        if earlier:
            out[(iv.id, form_id)] = earlier[0].data
    return out


def equipment_records(ivs: Iterable[Intervention]) -> dict[int, dict]:
    """The equipment each intervention targets, as the ``equipment`` record a prefill reads
    (its own fields, ``installed_year``, then its free fields), by equipment id."""
    ids = {iv.equipment_id for iv in ivs if iv.equipment_id is not None}
    if not ids:
        return {}
    out = {}
    for eq in db.session.scalars(sa.select(Equipment).where(Equipment.id.in_(ids))):
        record = {name: plain(getattr(eq, name)) for name in FIXED_FIELDS}
        record["installed_year"] = eq.installed_on.year if eq.installed_on else None
        out[eq.id] = {**(eq.fields or {}), **record}
    return out


def context_of(iv: Intervention, lang: str, previous: dict | None, equipment: dict | None) -> dict:
    """The records a prefill reads, for one intervention."""
    return {"client": _client(iv), "intervention": _intervention(iv, lang), "equipment": equipment, PREVIOUS: previous}


def prefills_for(items: Iterable[tuple[Intervention, str, object]], lang: str) -> dict[tuple[int, str], Prefilled]:
    """The prefilled answers of each (intervention, form id, form version) given: those
    whose form asks for a prefill and gets one."""
    todo = []
    for iv, form_id, fv in items:
        d = definition_of(fv)
        if asks_prefill(d):
            todo.append((iv, form_id, d))
    previous = previous_answers((iv, f) for iv, f, d in todo if PREVIOUS in sources_used(d))
    equipment = equipment_records(iv for iv, f, d in todo if "equipment" in {record_of(s) for s in sources_used(d)})
    out = {}
    for iv, form_id, d in todo:
        result = prefill(d, {}, context_of(iv, lang, previous.get((iv.id, form_id)), equipment.get(iv.equipment_id)))
        if result.pointers:
            out[(iv.id, form_id)] = result
    return out


def prefill_form(iv: Intervention, form_id: str, fv, lang: str) -> Prefilled | None:
    """What a form not answered yet opens with on the server's page (None: nothing)."""
    return prefills_for([(iv, form_id, fv)], lang).get((iv.id, form_id))


def unconfirmed(posted: Iterable[str], answers: dict, prefilled: Prefilled | None) -> list[str]:
    """The fields a save leaves unconfirmed: among those the page still showed as prefilled
    (``posted``), the ones whose answer is still the prefilled value (the page's word is
    checked against the server's own prefill, which it recomputes)."""
    if prefilled is None:
        return []
    shown = set(prefilled.pointers)
    out = []
    for pointer in list(posted)[:MAX_POINTERS]:
        if pointer not in shown:
            continue
        path = from_pointer(pointer)
        value = get_at(answers, path, MISSING)
        if value is not MISSING and value == get_at(prefilled.answers, path, MISSING):
            out.append(pointer)
    return sorted(out)[:MAX_POINTERS]


def posted_pointers(text: str | None) -> list[str]:
    """The page's ``:prefilled`` input: a JSON list of pointers (anything else: none)."""
    try:
        value = bounds.loads(text or "[]", max_depth=2)
    except ValueError:
        return []
    return [p for p in value if isinstance(p, str)][:MAX_POINTERS] if isinstance(value, list) else []


def phone_payload(result: Prefilled, fv) -> dict:
    """A form's prefill as the pull carries it: the answers it opens with (its defaults
    filled in, as RJSF opens a form) and the fields shown prefilled."""
    return {"content_hash": fv.content_hash, "data": fill_defaults(definition_of(fv), result.answers), "pointers": list(result.pointers),
            "sources": dict(result.sources)}


def phone_prefills(ivs: Iterable[Intervention], answered: dict[int, set[str]], lang: str) -> dict[int, dict[str, dict]]:
    """Per intervention, the prefill of each of its forms not answered yet (``answered``:
    the forms with answers, by intervention), as the pull carries it."""
    reg = get_registry()
    items = []
    for iv in ivs:
        et = reg.event_types.get(iv.event_type_id)
        for form_id in et.forms if et else ():
            fv = reg.current_version(form_id)
            if fv is not None and form_id not in answered.get(iv.id, ()):
                items.append((iv, form_id, fv))
    versions = {(iv.id, form_id): fv for iv, form_id, fv in items}
    out: dict[int, dict[str, dict]] = {}
    for (iv_id, form_id), result in prefills_for(items, lang).items():
        out.setdefault(iv_id, {})[form_id] = phone_payload(result, versions[(iv_id, form_id)])
    return out
