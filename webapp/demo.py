"""Demo data: four users, ~20 clients around Rennes, three weeks of interventions in every
status (last week mostly done, with answers, photos and signatures; this week under way;
next week planned), and what issue 6 shows on them: actual and travel times and timer
segments, "Pièce commandée", a closed intervention with its reason, signatures bound to
the answers (one no longer valid: its answers changed after signing), report sendings
(sent, failed with the server's answer, pending because mail is not configured) and a
private calendar feed for tech1; and issue 15's installed equipment
(:mod:`webapp.demo_equipment`)."""

from __future__ import annotations

import hashlib
import json
import random
import re
import secrets
import struct
import uuid
import zlib
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from engine import clock

from .auth import hash_password
from .demo_equipment import DemoEquipment, apply_done_answers
from .extensions import db
from .models import (Attachment, AuditLog, CalendarFeed, Client, Equipment, FormVersion, Intervention, InterventionWork, ReportSending, SignatureRecord, Store,
                     Submission, Tag, TimeSegment, User, utcnow)
from .registry import definition_of, get_registry
from .storage import attachment_key, get_storage

DEMO_PASSWORD = "demo"
DEMO_USERS = [
    ("manager", "Claire Le Gall", "manager", "claire.legall@example.fr"),
    ("office", "Sophie Martin", "office", "sophie.martin@example.fr"),
    ("tech1", "Pierre Paul Jacques", "technician", "pierre.jacques@example.fr"),
    ("tech2", "Yann Le Bihan", "technician", "yann.lebihan@example.fr"),
]

CLIENTS = [
    ("Cotillon Marie", "68 rue des Petits Champs", "35510", "Cesson-Sévigné", 48.1211, -1.6030),
    ("Goldmann Jean-Jacques", "12 rue de Saint-Malo", "35000", "Rennes", 48.1150, -1.6812),
    ("Le Goff Annick", "4 allée des Tilleuls", "35760", "Saint-Grégoire", 48.1508, -1.6852),
    ("Riou Bernard", "27 avenue Alphonse Legault", "35170", "Bruz", 48.0247, -1.7461),
    ("Guillou Nathalie", "9 rue du Stade", "35740", "Pacé", 48.1478, -1.7735),
    ("Morvan Hervé", "15 rue de Rennes", "35830", "Betton", 48.1828, -1.6425),
    ("Tanguy Sylvie", "3 impasse des Chênes", "35135", "Chantepie", 48.0890, -1.6164),
    ("Le Corre Yves", "21 rue de Châteaugiron", "35770", "Vern-sur-Seiche", 48.0451, -1.6012),
    ("Hamon Isabelle", "8 rue de Paris", "35235", "Thorigné-Fouillard", 48.1589, -1.5789),
    ("Pichon Laurent", "2 rue des Écoles", "35760", "Montgermont", 48.1561, -1.7176),
    ("Bouvier Catherine", "44 rue de Lorient", "35650", "Le Rheu", 48.1012, -1.7945),
    ("Jégou Thierry", "6 place de l'Église", "35132", "Vezin-le-Coquet", 48.1187, -1.7538),
    ("Lemoine Françoise", "31 rue de Nantes", "35230", "Noyal-Châtillon-sur-Seiche", 48.0531, -1.6632),
    ("Roussel Patrick", "17 rue de la Mairie", "35690", "Acigné", 48.1334, -1.5356),
    ("Gicquel Martine", "5 allée Pablo Picasso", "35131", "Chartres-de-Bretagne", 48.0392, -1.7044),
    ("Le Bris Alain", "90 boulevard Jean Mermoz", "35136", "Saint-Jacques-de-la-Lande", 48.0878, -1.7117),
    ("Prigent Valérie", "13 rue du Domaine", "35520", "Melesse", 48.2178, -1.6947),
    ("Collet Stéphane", "25 avenue de la Forêt", "35340", "Liffré", 48.2131, -1.5078),
    ("Even Monique", "7 rue de la Poterie", "35410", "Châteaugiron", 48.0461, -1.5041),
    ("Carré Olivier", "11 rue Nationale", "35150", "Janzé", 47.9608, -1.4986),
    ("SCI Les Hortensias", "1 quai Chateaubriand", "35000", "Rennes", 48.1104, -1.6769),
]
STORES = ["Un poêle à l'heure — Cesson", "Agence Rennes Nord"]
TAGS = ["contrat", "urgent", "garantie", "client fidèle"]

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _email(name: str) -> str:
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower().replace("'", "")
    words = ascii_name.split()
    if words[0] == "sci":  # a company: its contact address
        return "contact@" + "-".join(words[1:]) + ".example.fr"
    return f"{words[-1]}.{''.join(words[:-1])}@example.fr"  # "Le Goff Annick" -> annick.legoff


def has_data() -> bool:
    return db.session.scalar(sa.select(sa.func.count(User.id))) > 0


def png(width: int, height: int, pixel) -> bytes:
    """A small RGB PNG, without Pillow: ``pixel(x, y) -> (r, g, b)``."""
    raw = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _photo(seed: int) -> bytes:
    rnd = random.Random(seed)
    base = (rnd.randrange(60, 200), rnd.randrange(60, 200), rnd.randrange(60, 200))

    def pixel(x, y):
        shade = (x * 2 + y) % 40
        stripe = 40 if (x // 16 + y // 16) % 2 else 0
        return tuple(min(255, c + shade + stripe) for c in base)

    return png(96, 72, pixel)


def _signature() -> bytes:
    import math

    def pixel(x, y):
        curve = 30 + 14 * math.sin(x / 9.0) * math.cos(x / 23.0)
        return (20, 40, 120) if abs(y - curve) < 1.6 else (255, 255, 255)

    return png(160, 60, pixel)


def _store_bytes(data: bytes) -> tuple[str, int]:
    """A demo PNG in the storage, as an upload of it would be: its sha256 and size."""
    digest = hashlib.sha256(data).hexdigest()
    storage, key = get_storage(), attachment_key(digest)
    if not storage.exists(key):
        storage.put(key, data, "image/png", sha256=digest)
    return digest, len(data)


def _fresh_uuids(value, mapping: dict):
    if isinstance(value, dict):
        return {k: _fresh_uuids(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [_fresh_uuids(v, mapping) for v in value]
    if isinstance(value, str) and UUID_RE.match(value):
        return mapping.setdefault(value, str(uuid.uuid4()))
    return value


def _examples_dir() -> Path:
    return Path(current_app.config["FORM_DEFINITIONS"]).resolve().parent / "examples"


def demo_now(today: date | None = None) -> datetime:
    """The instant the demo is seen from: now by default; 11:00 on ``today`` when a day is
    given, so that a demo made for a given day (a test, a rehearsal) is the same whatever
    the hour it is made at, with a working day under way."""
    if today is None:
        return utcnow()
    return (clock.local_midnight(today) + timedelta(hours=11)).astimezone(clock.UTC)


def create_demo(seed: int = 35, today: date | None = None) -> dict:
    """Fill an empty database around ``today`` (default: the company's today): last week
    mostly done, ``today`` under way up to :func:`demo_now`, next week planned. Returns
    counts."""
    rnd = random.Random(seed)
    now = demo_now(today)
    today = clock.local(now).date()
    reg = get_registry()
    reg.sync()
    users = []
    for username, name, role, email in DEMO_USERS:
        u = User(username=username, display_name=name, role=role, email=email, password_hash=hash_password(DEMO_PASSWORD), active=True)
        db.session.add(u)
        users.append(u)
    techs = [u for u in users if u.role == "technician"]
    office = users[1]
    clients = [Client(name=n, address=a, postcode=p, city=c, lat=lat, lon=lon, phone=f"02 99 {rnd.randrange(10, 99)} {rnd.randrange(10, 99)} {rnd.randrange(10, 99)}", email=_email(n)) for n, a, p, c, lat, lon in CLIENTS]
    stores = [Store(name=s) for s in STORES]
    tags = [Tag(name=t) for t in TAGS]
    db.session.add_all(clients + stores + tags)
    db.session.flush()
    equipment = DemoEquipment(clients, office, today, now, seed)

    wf = reg.workflow
    by_state = {s.state: s.key for s in reversed(wf.statuses)}
    types = list(reg.event_types.values())
    examples: dict[str, dict] = {}
    for fid in reg.forms:
        f = _examples_dir() / fid / "valid.json"
        if f.is_file():
            examples[fid] = json.loads(f.read_text(encoding="utf-8"))
    signature = _store_bytes(_signature())
    photos = [_store_bytes(_photo(i)) for i in range(6)]

    first = clock.monday_of(today) - timedelta(days=7)
    n_iv = n_sub = 0
    made: list[dict] = []
    for day_index in range(19):  # Monday of last week to Friday of next week
        day = first + timedelta(days=day_index)
        if day.weekday() >= 5 and day != today:  # a weekend day only when it is today: tech1 always has a day to show on the phone
            continue
        for tech in techs:
            hour = 8
            for slot in range(rnd.choice((2, 3, 3))):
                et = rnd.choice(types)
                minutes = min(et.default_duration_minutes, 180)
                start = (clock.local_midnight(day) + timedelta(hours=hour, minutes=rnd.choice((0, 30)))).astimezone(clock.UTC)
                end = start + timedelta(minutes=minutes)
                hour += max(2, -(-minutes // 60) + 1)
                if hour > 18:
                    break
                client = rnd.choice(clients)
                if day < today:
                    path_states = rnd.choices(
                        [["planned", "confirmed", "in_progress", "done"], ["planned", "cancelled"], ["planned", "confirmed", "in_progress", "parts_ordered"]],
                        weights=[85, 8, 7],
                    )[0]
                elif day == today:
                    path_states = rnd.choice([["planned", "confirmed", "in_progress"], ["planned", "confirmed"], ["planned", "confirmed", "in_progress", "done"]])
                    if start > now:  # not begun yet: planned or confirmed, whatever was drawn
                        path_states = path_states[:2]
                    elif end > now:  # under way now
                        path_states = ["planned", "confirmed", "in_progress"]
                else:
                    path_states = rnd.choice([["planned"], ["planned", "confirmed"]])
                if slot == 0 and day < clock.monday_of(today) and day.weekday() == 2:
                    # last Wednesday, each technician's first visit is waiting for a part
                    path_states = ["planned", "confirmed", "in_progress", "parts_ordered"]
                keys = []
                for s in path_states:
                    key = s if s in {st.key for st in wf.statuses} else by_state.get(s, wf.initial)
                    keys.append(key)
                target = equipment.target(client, et.id, day, done=reg.status(keys[-1]).state == "done")
                iv = Intervention(
                    event_type_id=et.id, title=f"{client.name} {client.postcode} {et.title_in('fr')}", client=client,
                    store=rnd.choice([None, None] + stores), start_at=start, end_at=end, status=keys[-1],
                    notes=rnd.choice([None, None, "Code portail 1234A.", "Chien dans le jardin : appeler en arrivant.", "Accès par l'arrière de la maison."]),
                    technicians=[tech] + ([rnd.choice([t for t in techs if t is not tech])] if rnd.random() < 0.08 and len(techs) > 1 else []),
                    tags=rnd.sample(tags, k=rnd.choice((0, 0, 1, 1, 2))), created_by_id=office.id,
                    created_at=start - timedelta(days=10), equipment_id=target.id if target else None,
                )
                db.session.add(iv)
                db.session.flush()
                n_iv += 1
                at = start - timedelta(days=10)
                db.session.add(AuditLog(user_id=office.id, at=at, entity="intervention", entity_id=str(iv.id), action="create", to_value=keys[0]))
                rows = {}
                for a, b in zip(keys, keys[1:]):
                    at = {"confirmed": start - timedelta(days=2), "in_progress": start, "done": end, "cancelled": start - timedelta(days=1), "parts_ordered": start + timedelta(minutes=40)}.get(b, start)
                    who = office.id if b in ("confirmed", "cancelled") else tech.id
                    rows[b] = AuditLog(user_id=who, at=at, entity="intervention", entity_id=str(iv.id), action="status", from_value=a, to_value=b, details={"source": "web" if who == office.id else "device"})
                    db.session.add(rows[b])
                subs = []
                if reg.status(keys[-1]).state == "done":
                    subs = _answers(iv, et, tech, client, examples, end, signature, photos, equipment, target)
                    n_sub += len(subs)
                made.append({"iv": iv, "et": et, "tech": tech, "client": client, "state": reg.status(keys[-1]).state, "start": start, "end": end, "subs": subs, "rows": rows})
    counts = _issue6(made, users, random.Random(seed + 6), now)
    from .demo_history import add_history  # issue 15: a year of answers worth exporting

    counts["past visits with answers"] = add_history(first, seed + 15, examples, photos)  # before the yearly client, who has its own
    yearly, boiler = _yearly_visits(now, techs[0], office, examples, signature, photos, equipment)
    updated = apply_done_answers(made)
    planned = {m["iv"].equipment_id: clock.local(m["start"]).date() for m in made if m["iv"].equipment_id and m["state"] in ("planned", "confirmed")}
    due_next_month = equipment.due_soon(planned)
    db.session.commit()
    n_eq = sum(len(v) for v in equipment.by_client.values()) + 1  # and the yearly client's boiler
    return {"users": len(users), "clients": len(clients) + 1, "interventions": n_iv + 2, "submissions": n_sub + len(yearly), **counts, "equipment": n_eq,
            "equipment updated from answers": updated, "equipment due next month": due_next_month}


#: A boiler serviced every year (issue 15): last year's visit answered, this year's planned
#: for tomorrow morning, whose form opens prefilled from the boiler's record, last year's
#: answers and the client's record (ui:prefill). The client has no other visit, so last
#: year's is "the previous" one.
YEARLY_CLIENT = ("Kerjean Gwenaëlle", "19 rue de Fougères", "35700", "Rennes", 48.1190, -1.6580, "02 99 36 41 58")
YEARLY_TYPE = "entretien-chaudiere"


def _yearly_visits(now: datetime, tech: User, office: User, examples: dict, signature, photos, equipment: DemoEquipment) -> tuple[list[Submission], Equipment]:
    """The two yearly visits; returns last year's answers and the boiler (its next
    maintenance is the date last year's visit wrote down, as answers set it)."""
    reg = get_registry()
    et = reg.event_types[YEARLY_TYPE]
    name, address, postcode, city, lat, lon, phone = YEARLY_CLIENT
    client = Client(name=name, address=address, postcode=postcode, city=city, lat=lat, lon=lon, phone=phone, email=_email(name))
    db.session.add(client)
    boiler = Equipment(client=client, kind="chaudiere_gaz", brand="Saunier Duval", model="ThemaPlus Condens F25", serial_number="SD21184500",
                       installed_on=date(2016, 10, 4), fuel="gaz_naturel", fields={"puissance_kw": 24.7, "emplacement": "Cellier"})
    db.session.add(boiler)
    db.session.flush()
    today = clock.local(now).date()
    done = reg.workflow.statuses_in("done")[0].key
    confirmed = reg.workflow.statuses_in("confirmed")[0].key
    made = []
    for day, hour, status in ((today - timedelta(days=364), 10, done), (today + timedelta(days=1), 7, confirmed)):
        start = (clock.local_midnight(day) + timedelta(hours=hour)).astimezone(clock.UTC)
        iv = Intervention(event_type_id=et.id, title=f"{name} {postcode} {et.title_in('fr')}", client=client, start_at=start,
                          end_at=start + timedelta(minutes=et.default_duration_minutes), status=status, technicians=[tech],
                          notes="Entretien annuel sous contrat.", created_by_id=office.id, created_at=start - timedelta(days=20), equipment_id=boiler.id)
        db.session.add(iv)
        db.session.flush()
        db.session.add(AuditLog(user_id=office.id, at=iv.created_at, entity="intervention", entity_id=str(iv.id), action="create", to_value=status))
        made.append(iv)
    last_year = made[0]
    end = last_year.end_at
    subs = _answers(last_year, et, tech, client, examples, end, signature, photos, equipment, None)
    for sub in subs:
        if sub.form_id == YEARLY_TYPE:
            visit = clock.local(last_year.start_at).date()
            sub.data = {**sub.data, "nom_occupant": name, "adresse_chaudiere": f"{address}, {postcode} {city}", "numero_serie": "SD21184500",
                        "date_visite": visit.isoformat(), "date_prochaine_visite": (visit + timedelta(days=365)).isoformat()}
            boiler.next_maintenance_on = visit + timedelta(days=365)
    db.session.add(InterventionWork(intervention_id=last_year.id, started_at=last_year.start_at, done_at=end, actual_minutes=et.default_duration_minutes))
    return subs, boiler


def _answers(iv, et, tech, client, examples, when, signature, photos, equipment: DemoEquipment, target) -> list[Submission]:
    reg = get_registry()
    subs = []
    for fid in et.forms:
        if fid not in examples:
            continue
        fv = reg.current_version(fid)
        mapping: dict[str, str] = {}
        data = equipment.answer(_personal(_fresh_uuids(examples[fid], mapping), tech, client, when), fid, et.id, target, when)
        for old, new in mapping.items():
            is_signature = "signature" in json.dumps([k for k, v in _paths(data) if v == new])
            sha, size = signature if is_signature else photos[int(new[:8], 16) % len(photos)]
            db.session.add(Attachment(id=new, sha256=sha, content_type="image/png", size=size, intervention_id=iv.id, created_at=when, created_by_id=tech.id))
        sub = Submission(intervention_id=iv.id, form_id=fid, form_version_id=fv.id, data=data, created_at=when, updated_at=when, updated_by_id=tech.id)
        db.session.add(sub)
        db.session.add(AuditLog(user_id=tech.id, at=when, entity="intervention", entity_id=str(iv.id), action="answers_create", to_value=fid, details={"form_version": fv.version}))
        subs.append(sub)
    return subs


def _personal(data, tech, client, when):
    """The example's signatures, signed by this technician and this client at this visit."""
    signed = (when - timedelta(minutes=4)).astimezone(clock.UTC).isoformat()
    for key, name in (("signature_technicien", tech.display_name), ("signature_client", client.name)):
        if isinstance(data, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], "name": name, "signed_at": signed}
    if isinstance(data, dict) and "email_rapport" in data and client.email:
        data["email_rapport"] = client.email
    if isinstance(data, dict) and "heure_fin" in data:
        data["heure_fin"] = clock.local(when).time().isoformat(timespec="minutes")
    return data


def _issue6(made: list[dict], users: list[User], rnd: random.Random, now: datetime) -> dict:
    """Times, timers, signatures, a closed intervention, report sendings and a calendar
    feed on the interventions just made (see the module's docstring)."""
    from .services.reports import not_configured_message

    office = next(u for u in users if u.role == "office")
    tech1 = next(u for u in users if u.username == "tech1")
    db.session.flush()
    n_seg = 0

    def log(user, at, iv, action, from_value=None, to_value=None, details=None):
        db.session.add(AuditLog(user_id=user.id if user else None, at=at, entity="intervention", entity_id=str(iv.id), action=action,
                                from_value=from_value, to_value=to_value, details=details))

    for m in made:
        iv, et, tech, start, end = m["iv"], m["et"], m["tech"], m["start"], m["end"]
        mode = et.time_tracking
        if m["state"] == "done":
            # done at the planned end (when the answers were saved), started earlier or later
            # than planned by the actual duration (and the pause, if any)
            actual = max(15, iv.duration_minutes + rnd.choice((-20, -10, -5, 0, 5, 10, 15, 25)))
            pause = rnd.choice((10, 15, 20)) if mode == "automatic" and actual >= 60 and rnd.random() < 0.6 else 0
            done = end
            started = done - timedelta(minutes=actual + pause)
            if "in_progress" in m["rows"]:
                m["rows"]["in_progress"].at = started
            w = InterventionWork(intervention_id=iv.id, started_at=started, done_at=done)
            if et.travel_time:
                w.travel_minutes = rnd.choice((10, 15, 20, 25, 30, 40))
            log(tech, started, iv, "start", details={"source": "device", "at": started.isoformat()})
            if mode == "automatic":
                if pause:  # a pause on the way (a part from the van, a call)
                    cut = started + timedelta(minutes=actual // 2)
                    back = cut + timedelta(minutes=pause)
                    spans = [(started, cut), (back, done)]
                    log(tech, cut, iv, "pause", details={"source": "device", "at": cut.isoformat()})
                    log(tech, back, iv, "resume", details={"source": "device", "at": back.isoformat()})
                else:
                    spans = [(started, done)]
                for a, b in spans:
                    db.session.add(TimeSegment(intervention_id=iv.id, user_id=tech.id, started_at=a, ended_at=b, source="device"))
                    n_seg += 1
                w.done_at = spans[-1][1]
                w.actual_minutes = sum(int(round((b - a).total_seconds() / 60)) for a, b in spans)
                finish_by, source = tech, "device"
            elif mode == "manual":
                w.actual_minutes, finish_by, source = actual, tech, "device"
            else:  # none: the office types the actual duration in the report tab
                w.actual_minutes, finish_by, source = actual, tech, "device"
                log(office, done + timedelta(days=1), iv, "time", details={"source": "web", "actual": [None, actual]})
            db.session.add(w)
            log(finish_by, w.done_at, iv, "finish", details={"source": source, "at": w.done_at.isoformat()})
        elif m["state"] == "in_progress" and start <= now:
            w = InterventionWork(intervention_id=iv.id, started_at=start)
            db.session.add(w)
            log(tech, start, iv, "start", details={"source": "device", "at": start.isoformat()})
            if mode == "automatic":
                if iv.status == "parts_ordered":  # stopped while the part comes
                    db.session.add(TimeSegment(intervention_id=iv.id, user_id=tech.id, started_at=start, ended_at=start + timedelta(minutes=40), source="device"))
                else:  # the timer runs
                    db.session.add(TimeSegment(intervention_id=iv.id, user_id=tech.id, started_at=start, source="device"))
                n_seg += 1
    db.session.flush()

    # signatures bound to the answers they signed
    versions = {}
    for m in made:
        for sub in m["subs"]:
            if sub.form_version_id not in versions:
                versions[sub.form_version_id] = definition_of(db.session.get(FormVersion, sub.form_version_id))
            _record(m["tech"], sub, versions[sub.form_version_id])
    db.session.flush()

    done = [m for m in made if m["state"] == "done" and m["subs"] and m["start"] <= now]
    by_mode = {mode: [m for m in done if m["et"].report_sending == mode] for mode in ("back_office", "device_when_done", "auto_when_done")}
    timed = [m for m in by_mode["back_office"] if m["et"].time_tracking == "automatic"] or by_mode["back_office"] or done
    # the most recent back-office-sent one: a first sending to a mistyped address failed,
    # the second went through
    story = timed[-1]
    # the oldest: the office sent the report, then closed it
    closed = next(m for m in done if m is not story)
    # another one: the office corrected an answer after the client had signed
    changed = next((m for m in reversed(done) if m not in (story, closed) and any(s.form_id == "photos-signatures" for s in m["subs"])), None)

    w = db.session.get(InterventionWork, closed["iv"].id)
    closed_at = closed["end"] + timedelta(days=2, hours=1)
    reason = "Rapport validé par le client ; dossier archivé."
    w.closed_at, w.closed_by_id, w.closed_reason = closed_at, office.id, reason
    log(office, closed_at, closed["iv"], "close", None, reason, {"source": "web", "at": closed_at.isoformat()})

    if changed is not None:
        sub = next(s for s in changed["subs"] if s.form_id == "photos-signatures")
        at = changed["end"] + timedelta(days=1, hours=2)
        sub.data = {**sub.data, "remarques_client": "Le client signale après coup une trace de suie sur le mur : à revoir."}
        sub.updated_at, sub.updated_by_id = at, office.id
        log(office, at, changed["iv"], "answers_update", None, sub.form_id, {"form_version": db.session.get(FormVersion, sub.form_version_id).version})

    n_send = 0
    pdfs = {}

    def pdf_of(iv):
        if iv.id not in pdfs:
            from .services.reports import keep_pdf, render_report_pdf

            data = render_report_pdf(iv)
            pdfs[iv.id] = (keep_pdf(data), len(data))
        return pdfs[iv.id]

    def sending(m, *, status, recipients, at, by=None, trigger="manual", source="web", attempts=1, error=None):
        nonlocal n_send
        iv = m["iv"]
        s = ReportSending(intervention_id=iv.id, requested_by_id=by.id if by else None, requested_at=at, trigger=trigger, source=source,
                          recipients=recipients, status=status, attempts=attempts, max_attempts=4, last_error=error)
        if status in ("sent", "failed"):
            s.last_attempt_at = at + timedelta(seconds=5 if status == "sent" else 15 * 60)
            s.pdf_sha256, s.pdf_size = pdf_of(iv)
        if status == "sent":
            s.sent_at = s.last_attempt_at
            s.message_id = f"<{uuid.uuid4().hex[:20]}@poele-a-lheure.fr>"
        db.session.add(s)
        db.session.flush()
        log(by, at, iv, "report_request", None, ", ".join(recipients) or None, {"sending": s.id, "trigger": trigger, "source": source, "status": status})
        if status == "sent":
            log(None, s.sent_at, iv, "report_sent", None, ", ".join(recipients), {"sending": s.id, "sha256": s.pdf_sha256})
        elif status == "failed":
            log(None, s.last_attempt_at, iv, "report_failed", None, "failed", {"sending": s.id, "attempt": attempts, "error": (error or "")[:300]})
        n_send += 1

    email = story["client"].email or "client@example.fr"
    typo = email.replace("@example.fr", "@exemple.fr")
    first = story["end"] + timedelta(hours=1)
    sending(story, status="failed", recipients=[typo], at=first, by=office, attempts=4,
            error=f"{typo}: 550 5.1.1 <{typo}>: Recipient address rejected: User unknown in virtual mailbox table")
    sending(story, status="sent", recipients=[email], at=first + timedelta(hours=1), by=office)
    sending(closed, status="sent", recipients=[closed["client"].email], at=closed["end"] + timedelta(hours=2), by=office)
    for m in by_mode["auto_when_done"]:  # automatic when done, but mail is not configured in the demo
        if m is closed:
            continue
        w = db.session.get(InterventionWork, m["iv"].id)
        sending(m, status="pending", recipients=[m["client"].email] if m["client"].email else [], at=w.done_at if w else m["end"],
                by=m["tech"], trigger="auto", source="auto", attempts=0, error=not_configured_message())

    feed = CalendarFeed(user_id=tech1.id, token=secrets.token_urlsafe(32), created_at=now)
    db.session.add(feed)
    db.session.flush()
    db.session.add(AuditLog(user_id=office.id, at=now, entity="user", entity_id=str(tech1.id), action="calendar_create", details={"feed": feed.id}))
    n_sig = db.session.scalar(sa.select(sa.func.count(SignatureRecord.id)))
    return {"time segments": n_seg, "signatures": n_sig, "report sendings": n_send, "closed": 1, "calendar feeds": 1}


def _record(tech, sub: Submission, d) -> None:
    from .services.signatures import record_signatures

    db.session.flush()
    record_signatures(tech, sub, d, sub.data)
    # signed on the device at the end of the visit, not when the demo was made
    for rec in db.session.scalars(sa.select(SignatureRecord).where(SignatureRecord.submission_id == sub.id)):
        rec.recorded_at = sub.updated_at


def calendar_feed_url(base_url: str = "http://127.0.0.1:5000") -> str | None:
    """tech1's private calendar address (to paste into a phone's calendar), if any."""
    feed = db.session.scalar(
        sa.select(CalendarFeed).join(User, User.id == CalendarFeed.user_id)
        .where(User.username == "tech1", CalendarFeed.revoked_at.is_(None)).order_by(CalendarFeed.id.desc()).limit(1)
    )
    return f"{base_url.rstrip('/')}/calendar/{feed.token}.ics" if feed else None


def _paths(value, prefix=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, f"{prefix}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, f"{prefix}/{i}")
    else:
        yield prefix, value


def logins_text(feed_url: str | None = None) -> str:
    lines = [f"  {u:<8} / {DEMO_PASSWORD}   ({role})" for u, _, role, _ in DEMO_USERS]
    text = "Demo logins (username / password):\n" + "\n".join(lines)
    if feed_url:
        text += f"\ntech1's calendar feed (iCal, to subscribe from a phone):\n  {feed_url}"
    return text
