"""Demo data: four users, ~20 clients around Rennes, three weeks of interventions in every
status (last week mostly done, with answers, photos and signatures; this week under way;
next week planned)."""

from __future__ import annotations

import hashlib
import json
import random
import re
import struct
import uuid
import zlib
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from .auth import hash_password
from .extensions import db
from .models import Attachment, AuditLog, Client, Intervention, Store, Submission, Tag, User
from .registry import get_registry
from .timeutil import UTC, local_midnight, monday_of, today_local

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

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return ".".join(reversed(ascii_name.replace("-", " ").split()[:2])) + "@example.fr"


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


def _store_bytes(data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    path = Path(current_app.config["ATTACHMENTS_DIR"]) / digest[:2] / digest
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return digest


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


def create_demo(seed: int = 35) -> dict:
    """Fill an empty database. Returns counts."""
    rnd = random.Random(seed)
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

    wf = reg.workflow
    by_state = {s.state: s.key for s in reversed(wf.statuses)}
    types = list(reg.event_types.values())
    examples: dict[str, dict] = {}
    for fid in reg.forms:
        f = _examples_dir() / fid / "valid.json"
        if f.is_file():
            examples[fid] = json.loads(f.read_text(encoding="utf-8"))
    signature_sha = _store_bytes(_signature())
    photo_shas = [_store_bytes(_photo(i)) for i in range(6)]

    today = today_local()
    first = monday_of(today) - timedelta(days=7)
    n_iv = n_sub = 0
    for day_index in range(19):  # Monday of last week to Friday of next week
        day = first + timedelta(days=day_index)
        if day.weekday() >= 5 and day != today:  # a weekend day only when it is today: tech1 always has a day to show on the phone
            continue
        for tech in techs:
            hour = 8
            for _ in range(rnd.choice((2, 3, 3))):
                et = rnd.choice(types)
                minutes = min(et.default_duration_minutes, 180)
                start = (local_midnight(day) + timedelta(hours=hour, minutes=rnd.choice((0, 30)))).astimezone(UTC)
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
                else:
                    path_states = rnd.choice([["planned"], ["planned", "confirmed"]])
                keys = []
                for s in path_states:
                    key = s if s in {st.key for st in wf.statuses} else by_state.get(s, wf.initial)
                    keys.append(key)
                iv = Intervention(
                    event_type_id=et.id, title=f"{client.name} {client.postcode} {et.title_in('fr')}", client=client,
                    store=rnd.choice([None, None] + stores), start_at=start, end_at=end, status=keys[-1], closed=False,
                    notes=rnd.choice([None, None, "Code portail 1234A.", "Chien dans le jardin : appeler en arrivant.", "Accès par l'arrière de la maison."]),
                    technicians=[tech] + ([rnd.choice([t for t in techs if t is not tech])] if rnd.random() < 0.08 and len(techs) > 1 else []),
                    tags=rnd.sample(tags, k=rnd.choice((0, 0, 1, 1, 2))), created_by_id=office.id,
                    created_at=start - timedelta(days=10),
                )
                db.session.add(iv)
                db.session.flush()
                n_iv += 1
                at = start - timedelta(days=10)
                db.session.add(AuditLog(user_id=office.id, at=at, entity="intervention", entity_id=str(iv.id), action="create", to_value=keys[0]))
                for a, b in zip(keys, keys[1:]):
                    at = {"confirmed": start - timedelta(days=2), "in_progress": start, "done": end, "cancelled": start - timedelta(days=1), "parts_ordered": end}.get(b, start)
                    who = office.id if b in ("confirmed", "cancelled") else tech.id
                    db.session.add(AuditLog(user_id=who, at=at, entity="intervention", entity_id=str(iv.id), action="status", from_value=a, to_value=b))
                if reg.status(keys[-1]).state == "done":
                    n_sub += _answers(iv, et, tech, examples, end, signature_sha, photo_shas)
    db.session.commit()
    return {"users": len(users), "clients": len(clients), "interventions": n_iv, "submissions": n_sub}


def _answers(iv, et, tech, examples, when, signature_sha, photo_shas) -> int:
    reg = get_registry()
    n = 0
    for fid in et.forms:
        if fid not in examples:
            continue
        fv = reg.current_version(fid)
        mapping: dict[str, str] = {}
        data = _fresh_uuids(examples[fid], mapping)
        for old, new in mapping.items():
            is_signature = "signature" in json.dumps([k for k, v in _paths(data) if v == new])
            sha = signature_sha if is_signature else photo_shas[int(new[:8], 16) % len(photo_shas)]
            size = (Path(current_app.config["ATTACHMENTS_DIR"]) / sha[:2] / sha).stat().st_size
            db.session.add(Attachment(id=new, sha256=sha, content_type="image/png", size=size, intervention_id=iv.id, created_at=when, created_by_id=tech.id))
        db.session.add(Submission(intervention_id=iv.id, form_id=fid, form_version_id=fv.id, data=data, created_at=when, updated_at=when, updated_by_id=tech.id))
        db.session.add(AuditLog(user_id=tech.id, at=when, entity="intervention", entity_id=str(iv.id), action="answers_create", to_value=fid, details={"form_version": fv.version}))
        n += 1
    return n


def _paths(value, prefix=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, f"{prefix}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, f"{prefix}/{i}")
    else:
        yield prefix, value


def logins_text() -> str:
    lines = [f"  {u:<8} / {DEMO_PASSWORD}   ({role})" for u, _, role, _ in DEMO_USERS]
    return "Demo logins (username / password):\n" + "\n".join(lines)
