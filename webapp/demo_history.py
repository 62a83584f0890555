"""Demo data for the answer exports (issue 15): a year of yearly maintenance visits before
the demo's weeks, done, with answers that differ from one visit to the next (brands,
measures, parts replaced, the rating plate's photo), so that the Exports page has
something worth exporting: about 300 answered visits of stoves and boilers over twelve
months, spread over the technicians and the clients.

Answers start from each form's example, then every single-choice field takes one of its
choices and every number a value within its bounds, drawn with the demo's seed; a draw
the form refuses (a rule it breaks) is drawn again, and the example is kept after three.
"""

from __future__ import annotations

import copy
import random
import uuid
from datetime import date, timedelta

import sqlalchemy as sa

from engine import clock, walk

from .extensions import db
from .models import Attachment, AuditLog, Client, Intervention, InterventionWork, Submission, TimeSegment, User
from .registry import definition_of, get_registry
from .services import access

#: Event types whose visits are the yearly maintenance the history is made of.
MAINTENANCE_TYPES = ("entretien-poele", "entretien-chaudiere")
VISITS_PER_WEEKDAY = 1.2  # per technician, on average


def _vary(d, example: dict, rnd: random.Random) -> dict:
    """The example with its single choices and numbers drawn again (valid, or the example)."""
    for _ in range(3):
        data = copy.deepcopy(example)
        for node in walk(d, data).walk():
            if node.is_template or not node.path or not node.has_value or node.inline:
                continue
            if node.choices and not node.multiple and node.widget in ("select", "radio"):
                _set(data, node.path, rnd.choice(node.choices).value)
            elif node.multiple and node.choices and isinstance(node.value, list):
                _set(data, node.path, [c.value for c in node.choices if rnd.random() < 0.6] or [node.choices[0].value])
            elif node.kind in ("number", "integer") and isinstance(node.value, (int, float)) and not isinstance(node.value, bool) and not node.choices:
                _set(data, node.path, _near(node, node.value, rnd))
        if "pieces_remplacees" in data and isinstance(example.get("pieces_remplacees"), list):
            data["pieces_remplacees"] = example["pieces_remplacees"][: rnd.randrange(0, len(example["pieces_remplacees"]) + 1)]
        checked, errors = d.check(data, "fr")
        if not errors:
            return checked
    return copy.deepcopy(example)


def _near(node, value: float, rnd: random.Random) -> float:
    """A number near ``value`` (±30 %) within the field's bounds and step."""
    lo = float(node.attrs.get("min", "-inf"))
    hi = float(node.attrs.get("max", "inf"))
    v = min(max(value * rnd.uniform(0.7, 1.3), lo), hi)
    step = node.attrs.get("step", "any")
    if step not in ("any", ""):
        unit = float(step)
        v = round(v / unit) * unit
    return int(round(v)) if node.kind == "integer" else round(v, 1)


def _set(data, path, value) -> None:
    cur = data
    for key in path[:-1]:
        cur = cur[key]
    cur[path[-1]] = value


def add_history(first_day: date, seed: int, examples: dict[str, dict], photos: list[tuple[str, int]]) -> int:
    """Done maintenance visits with answers over the 52 weeks before ``first_day`` (the
    forms' examples varied); ``photos``: the demo's stored photos, (sha256, size). Returns
    how many submissions were made."""
    reg = get_registry()
    rnd = random.Random(seed)
    techs = [u for u in db.session.scalars(sa.select(User).order_by(User.id)) if access.is_assignable(u)]
    office = db.session.scalar(sa.select(User).where(User.username == "office"))
    clients = list(db.session.scalars(sa.select(Client).order_by(Client.id)))
    done = next((s.key for s in reg.workflow.statuses if s.state == "done"), "done")
    n = 0
    for week in range(52, 0, -1):
        monday = clock.monday_of(first_day) - timedelta(weeks=week)
        for weekday in range(5):
            day = monday + timedelta(days=weekday)
            for tech in techs:
                if rnd.random() > VISITS_PER_WEEKDAY / 2:
                    continue
                et = reg.event_types.get(rnd.choice(MAINTENANCE_TYPES))
                if et is None:
                    continue
                form_id = et.forms[0]
                fv = reg.current_version(form_id)
                if fv is None or form_id not in examples:
                    continue
                client = rnd.choice(clients)
                start = (clock.local_midnight(day) + timedelta(hours=rnd.choice((8, 9, 10, 14, 15)))).astimezone(clock.UTC)
                end = start + timedelta(minutes=min(et.default_duration_minutes, 120))
                iv = Intervention(event_type_id=et.id, title=f"{client.name} {client.postcode} {et.title_in('fr')}", client=client, start_at=start, end_at=end,
                                  status=done, technicians=[tech], tags=[], created_by_id=office.id if office else None, created_at=start - timedelta(days=20))
                db.session.add(iv)
                db.session.flush()
                _worked(iv, et, tech, office, done, rnd)
                data = _vary(definition_of(fv), examples[form_id], rnd)
                data = _fresh_photos(data, iv, tech, end, photos, rnd)
                db.session.add(Submission(intervention_id=iv.id, form_id=form_id, form_version_id=fv.id, data=data, created_at=end, updated_at=end, updated_by_id=tech.id))
                n += 1
    return n


def _worked(iv: Intervention, et, tech: User, office: User | None, done: str, rnd: random.Random) -> None:
    """What a visit done leaves besides its answers: its work record (started, done, actual
    and travel time), its timer segment when the time is tracked automatically, its audit."""
    minutes = clock.minutes_between(iv.start_at, iv.end_at)
    db.session.add(InterventionWork(intervention_id=iv.id, started_at=iv.start_at, done_at=iv.end_at, actual_minutes=minutes,
                                    travel_minutes=rnd.choice((10, 15, 20, 25, 30, 40)) if et.travel_time else None))
    if et.time_tracking == "automatic":
        db.session.add(TimeSegment(intervention_id=iv.id, user_id=tech.id, started_at=iv.start_at, ended_at=iv.end_at, source="device"))
    db.session.add(AuditLog(user_id=office.id if office else None, at=iv.created_at, entity="intervention", entity_id=str(iv.id), action="create", to_value="planned"))
    db.session.add(AuditLog(user_id=tech.id, at=iv.end_at, entity="intervention", entity_id=str(iv.id), action="status", from_value="in_progress", to_value=done,
                            details={"source": "device"}))


def _fresh_photos(data: dict, iv: Intervention, tech: User, at, photos: list[tuple[str, int]], rnd: random.Random) -> dict:
    """The rating plate's photo (when the form has one) as an attachment of this visit."""
    appliance = data.get("appareil") if isinstance(data, dict) else None
    if isinstance(appliance, dict) and "photo_plaque" in appliance and photos:
        aid = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
        sha, size = rnd.choice(photos)
        db.session.add(Attachment(id=aid, sha256=sha, content_type="image/png", size=size, intervention_id=iv.id, created_at=at, created_by_id=tech.id))
        appliance["photo_plaque"] = aid
    return data
