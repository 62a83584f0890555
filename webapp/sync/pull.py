"""What a device pulls: the technician's interventions of the coming days with everything
the phone shows offline (client, config of the event type, status, answers, and what the
policy lets this user do, now and after each offline action), the clients' histories, the
form versions to cache, and an opaque cursor for the next pull.

The cursor says when the previous pull started; a pull returns in full only the
interventions changed since (the intervention, its answers or its sync results), and
always the ids of all of them so the device forgets those that left its list.

A client's history (their other visits, before and after) is sent once per client, in
``clients``, not in each intervention: a technician who sees the same client three times
this week gets it once, and the phone fills each intervention's ``history`` and
``upcoming`` from it. The cursor names the clients whose history the device holds: with
it, a client's history is sent only when the device lacks it (a client new to its list) or
one of the client's interventions changed (whoever's). The configuration (event types,
statuses) is sent when the cursor's differs.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale
from sqlalchemy.orm import joinedload, selectinload

from engine import clock, display
from engine.defaults import fill_defaults
from engine.uihints import localise

from .. import bounds
from ..extensions import db
from ..i18n import current_lang
from ..models import Client, Equipment, Intervention, InterventionWork, Submission, SyncOperation, TimeSegment, User, intervention_technicians, utcnow
from ..registry import definition_of, get_registry
from ..services import policy
from ..services.equipment import phone_payload as equipment_payload
from ..services.prefill import phone_prefills
from ..services.work import works_of
from .ops import error_part

#: 2: interventions carry the labels the phone shows (day_label, time_label...): a device
#: with an older cursor pulls everything again to get them.
#: 3: they carry the policy's ``rights`` and ``after`` too.
#: 4: the clients' histories come in ``clients``, the configuration only when it changed.
CURSOR_VERSION = 4
#: Pull again what changed this long before the previous pull started: a change is stamped
#: when it is made and seen when its transaction commits, so transactions still in flight
#: then (a pushed batch is one, of at most MAX_OPS_PER_PUSH operations) and the clocks of
#: several app servers are covered. A repeat is harmless (the device upserts).
OVERLAP = timedelta(seconds=60)
HISTORY_ITEMS = 5
#: A cursor names when the previous pull of today's window started: one further from now
#: than this was not made by this server (a forged date, year 1 included).
MAX_CURSOR_AGE_DAYS = 2


def encode_cursor(at: datetime, first_day, config_hash: str, client_ids: set[int]) -> str:
    """The cursor: when this pull started, its window, the configuration it sent and the
    clients whose history the device holds after it (those of its interventions)."""
    raw = json.dumps({"v": CURSOR_VERSION, "t": at.isoformat(), "d": first_day.isoformat(), "c": config_hash, "k": sorted(client_ids)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@dataclass(frozen=True)
class Cursor:
    """What the previous pull told the device (nothing: pull everything)."""

    at: datetime | None = None
    config_hash: str | None = None
    client_ids: frozenset[int] = frozenset()


def decode_cursor(cursor: str | None, first_day) -> Cursor:
    """The previous pull, or an empty :class:`Cursor` (pull everything) when the cursor is
    missing, unreadable, old-style or of another day's window."""
    if not cursor:
        return Cursor()
    try:
        raw = bounds.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)), max_depth=2)
        if raw.get("v") != CURSOR_VERSION or raw.get("d") != first_day.isoformat():
            return Cursor()
        at = datetime.fromisoformat(raw["t"])
        if at.tzinfo is None or abs(at - utcnow()) > timedelta(days=MAX_CURSOR_AGE_DAYS):
            return Cursor()  # not a cursor this server made: pull everything
        config_hash, known = raw.get("c"), raw.get("k")
        if not isinstance(config_hash, str) or not isinstance(known, list) or not all(type(k) is int for k in known):
            return Cursor()
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
        return Cursor()
    return Cursor(at, config_hash, frozenset(known))


def _label(value, lang: str) -> str:
    return localise(value, lang) or ""


def config_payload(user: User, lang: str) -> dict:
    """Event types (their buttons, time tracking, report sending) and statuses (labels,
    colours): what the device shows. What the user may do is per intervention
    (``rights``), decided by the server."""
    reg = get_registry()
    wf = reg.workflow
    event_types = {
        et.id: {
            "id": et.id, "title": et.title_in(lang), "color": et.color, "forms": list(et.forms), "actions": list(et.actions),
            "time_tracking": et.time_tracking, "mandatory_time_tracking": et.mandatory_time_tracking,
            "travel_time": et.travel_time, "report_sending": et.report_sending,
        }
        for et in reg.event_types.values()
    }
    statuses = [{"key": s.key, "label": s.label_in(lang), "color": s.color, "state": s.state} for s in wf.statuses]
    return {"event_types": event_types, "statuses": statuses}


def _history(client_ids: set[int]) -> dict[int, list[Intervention]]:
    """Each client's interventions of the history's span (two years back, one ahead), by start."""
    if not client_ids:
        return {}
    now = utcnow()
    rows = db.session.scalars(
        sa.select(Intervention)
        .where(Intervention.client_id.in_(client_ids), Intervention.start_at > now - timedelta(days=730), Intervention.start_at < now + timedelta(days=365))
        .order_by(Intervention.start_at, Intervention.id)
    ).all()
    out: dict[int, list[Intervention]] = {}
    for iv in rows:
        out.setdefault(iv.client_id, []).append(iv)
    return out


def _history_item(iv: Intervention, lang: str) -> dict:
    reg = get_registry()
    st = reg.status(iv.status)
    return {"uuid": iv.uuid, "start_at": iv.start_at.isoformat(), "date_label": display.date(iv.start_at, lang, "medium"),
            "type": reg.event_type_title(iv.event_type_id, lang), "status": st.label_in(lang), "color": st.color, "state": st.state}


def client_history(visits: list[Intervention], starts: list[datetime], lang: str) -> list[dict]:
    """What the phone needs of a client's visits (``visits``, by start) to show, for each
    of the technician's interventions there (their ``starts``), the HISTORY_ITEMS visits
    before and after it: those, once each, by start."""
    keep: set[int] = set()
    for start in starts:
        before = [i for i, v in enumerate(visits) if v.start_at < start]
        after = [i for i, v in enumerate(visits) if v.start_at > start]
        keep.update(before[-HISTORY_ITEMS:])
        keep.update(after[:HISTORY_ITEMS])
    return [_history_item(visits[i], lang) for i in sorted(keep)]


def form_versions_for(iv: Intervention, subs: list[Submission]) -> list[dict]:
    """The version each form of the intervention is (to be) filled with: the answers' own,
    else the current one."""
    reg = get_registry()
    et = reg.event_types.get(iv.event_type_id)
    by_form = {s.form_id: s for s in subs}
    ids = list(et.forms) if et else []
    ids += [f for f in by_form if f not in ids]
    out = []
    for fid in ids:
        sub = by_form.get(fid)
        fv = sub.form_version if sub is not None else reg.current_version(fid)
        if fv is None:
            continue
        out.append({"form_id": fid, "content_hash": fv.content_hash, "version": fv.version, "title": _label(fv.definition.get("title"), current_lang()) or fid})
    return out


def _work(ids: set[int]) -> tuple[dict[int, InterventionWork], dict[int, list]]:
    """Per intervention, its work row (start, done, times, lock) and its timer segments."""
    if not ids:
        return {}, {}
    work = works_of(ids)
    segments: dict[int, list] = {}
    for seg in db.session.scalars(sa.select(TimeSegment).where(TimeSegment.intervention_id.in_(ids)).order_by(TimeSegment.started_at, TimeSegment.id)):
        segments.setdefault(seg.intervention_id, []).append([seg.started_at.isoformat(), seg.ended_at.isoformat() if seg.ended_at else None])
    return work, segments


def _iso(value):
    return value.isoformat() if isinstance(value, datetime) else value


def _time_block(work, segments: list) -> dict:
    out = {"segments": segments}
    if work is not None:
        for name in ("started_at", "done_at", "actual_minutes", "travel_minutes"):
            out[name] = _iso(getattr(work, name, None))
    return out


def labels(iv: Intervention, lang: str) -> dict:
    """The intervention's day, hours and duration as the phone shows them, read by the
    server (:mod:`engine.display`): the phone inserts these and formats nothing itself.
    ``day`` (ISO, the company's day) groups the list."""
    return {
        "day": clock.local(iv.start_at).date().isoformat(),
        "day_label": display.date(iv.start_at, lang, "day_long"),
        "date_label": display.date(iv.start_at, lang, "long"),
        "time_label": display.time_range(iv.start_at, iv.end_at, lang),
        "duration_label": display.duration(iv.duration_minutes, lang),
    }


def rights_payload(user: User, iv: Intervention, work: InterventionWork | None, segments: list) -> dict:
    """The policy's answers for the phone (:func:`webapp.services.policy.phone_rights`),
    from the work row and segments already loaded."""
    running = any(end is None for _start, end in segments)
    return policy.phone_rights(policy.facts_of(user, iv, source="device", work=work, timer_running=running))


def intervention_payload(iv: Intervention, subs: list[Submission], problems: list[SyncOperation], lang: str,
                         work=None, segments=(), rights: dict | None = None) -> dict:
    """One intervention; its client's history is in the pull's ``clients`` (``client_id``)."""
    reg = get_registry()
    st = reg.status(iv.status)
    c: Client = iv.client
    return {
        "uuid": iv.uuid,
        "id": iv.id,
        "version": iv.version,
        "title": iv.title,
        "event_type": iv.event_type_id,
        "start_at": iv.start_at.isoformat(),
        "end_at": iv.end_at.isoformat(),
        "duration_minutes": iv.duration_minutes,
        **labels(iv, lang),
        "status": iv.status,
        "status_label": st.label_in(lang),
        "status_color": st.color,
        "state": st.state,
        "closed": bool(iv.closed),
        "closed_reason": getattr(work, "closed_reason", None),
        "notes": iv.notes,
        "store": iv.store.name if iv.store else None,
        "tags": [t.name for t in iv.tags],
        "technicians": [t.display_name for t in iv.technicians],
        "client_id": iv.client_id,
        "client": {"name": c.name, "address": c.address, "postcode": c.postcode, "city": c.city, "phone": c.phone, "email": c.email, "lat": c.lat, "lon": c.lon},
        "equipment": equipment_payload(iv.equipment, lang) if iv.equipment is not None else None,
        "forms": form_versions_for(iv, subs),
        "submissions": {s.form_id: _submission(s) for s in subs},
        "time": _time_block(work, list(segments)),
        "problems": [problem_payload(p) for p in problems],
        **(rights or {}),
    }


def _submission(s: Submission) -> dict:
    """A submission for the phone; ``opening`` is what its form opens with when the answers
    lack fields that have defaults (engine.defaults: RJSF fills them in on opening)."""
    out = {"data": s.data, "version": s.version, "form_hash": s.form_version.content_hash, "updated_at": s.updated_at.isoformat()}
    opening = fill_defaults(definition_of(s.form_version), s.data)
    if opening != s.data:
        out["opening"] = opening
    return out


def problem_payload(op: SyncOperation) -> dict:
    out = {"op": op.id, "type": op.type, "target": op.target, "status": op.status, **error_part(op), "at": op.done_at.isoformat() if op.done_at else None}
    if op.status == "conflict" and op.server_state:
        out["server_version"] = op.server_state.get("version")
    return out


def _config_hash(config: dict) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


def _changed_clients(client_ids: set[int], since: datetime) -> set[int]:
    """The clients one of whose interventions (whoever's) changed since ``since``: their
    history on the phone is out of date."""
    if not client_ids:
        return set()
    return set(db.session.scalars(sa.select(Intervention.client_id).where(Intervention.client_id.in_(client_ids), Intervention.updated_at > since).distinct()))


def pull(user: User, cursor: str | None, lang: str) -> dict:
    cfg = current_app.config
    first = clock.today() - timedelta(days=cfg.get("SYNC_DAYS_BEFORE", 1))
    days = cfg.get("SYNC_DAYS_BEFORE", 1) + 1 + cfg.get("SYNC_DAYS_AFTER", 7)
    start, end = clock.day_bounds_utc(first, days)
    started = utcnow()
    previous = decode_cursor(cursor, first)
    since = previous.at
    mine = sa.select(intervention_technicians.c.intervention_id).where(intervention_technicians.c.user_id == user.id)
    base = sa.select(Intervention.id, Intervention.uuid, Intervention.updated_at, Intervention.client_id, Intervention.start_at).where(
        Intervention.id.in_(mine), Intervention.start_at < end, Intervention.end_at > start)
    rows = db.session.execute(base.order_by(Intervention.start_at)).all()
    ids = [r.id for r in rows]
    changed = set(ids)
    all_clients = {r.client_id for r in rows}
    clients = set(all_clients)
    if since is not None and ids:
        threshold = since - OVERLAP
        changed = {r.id for r in rows if r.updated_at > threshold}
        changed |= set(db.session.scalars(sa.select(Submission.intervention_id).where(Submission.intervention_id.in_(ids), Submission.updated_at > threshold)))
        changed |= set(db.session.scalars(sa.select(SyncOperation.intervention_id).where(SyncOperation.intervention_id.in_(ids), SyncOperation.done_at > threshold)))
        changed |= set(db.session.scalars(sa.select(Intervention.id).join(Equipment, Equipment.id == Intervention.equipment_id).where(Intervention.id.in_(ids), Equipment.updated_at > threshold)))
        # the device has the history of the clients of its interventions, unless it changed
        clients = (all_clients - previous.client_ids) | _changed_clients(all_clients, threshold)
    ivs: list[Intervention] = []
    if changed:
        ivs = list(db.session.scalars(
            sa.select(Intervention).where(Intervention.id.in_(changed))
            .options(joinedload(Intervention.client), joinedload(Intervention.store), joinedload(Intervention.equipment), selectinload(Intervention.technicians),
                     selectinload(Intervention.tags))
            .order_by(Intervention.start_at)
        ).unique())
    subs: dict[int, list[Submission]] = {}
    problems: dict[int, list[SyncOperation]] = {}
    if ivs:
        for s in db.session.scalars(sa.select(Submission).where(Submission.intervention_id.in_(changed)).options(joinedload(Submission.form_version))):
            subs.setdefault(s.intervention_id, []).append(s)
        for op in db.session.scalars(
            sa.select(SyncOperation).where(SyncOperation.intervention_id.in_(changed), SyncOperation.user_id == user.id,
                                           SyncOperation.status.in_(("refused", "conflict")), SyncOperation.superseded_by.is_(None)).order_by(SyncOperation.done_at)
        ):
            problems.setdefault(op.intervention_id, []).append(op)
    work, segments = _work({iv.id for iv in ivs})
    with force_locale(lang):
        out = [
            intervention_payload(iv, subs.get(iv.id, []), problems.get(iv.id, []), lang, work.get(iv.id), segments.get(iv.id, []),
                                 rights_payload(user, iv, work.get(iv.id), segments.get(iv.id, [])))
            for iv in ivs
        ]
        starts: dict[int, list[datetime]] = {}
        for r in rows:
            if r.client_id in clients:
                starts.setdefault(r.client_id, []).append(r.start_at)
        histories = {str(cid): client_history(visits, starts[cid], lang) for cid, visits in _history(clients).items()}
        histories.update({str(cid): [] for cid in clients if str(cid) not in histories})
    # what each form not answered yet opens with (ui:prefill), decided here for the phone
    prefills = phone_prefills(ivs, {iv_id: {s.form_id for s in ss} for iv_id, ss in subs.items()}, lang)
    for item in out:
        item["prefill"] = prefills.get(item["id"], {})
    forms: dict[str, dict] = {}
    for item in out:
        for f in item["forms"]:
            forms[f["content_hash"]] = {**f, "url": url_for("mobile.form", content_hash=f["content_hash"], form_lang=lang)}
    # the company's zone: the phone works out with it which day is the company's today
    config = {**config_payload(user, lang), "tz": clock.company_tz().key}
    config_hash = _config_hash(config)
    body = {
        "cursor": encode_cursor(started, first, config_hash, all_clients),
        "full": since is None,
        "server_time": started.isoformat(),
        "server_time_label": display.time(started, lang),
        "window": {"from": first.isoformat(), "to": (first + timedelta(days=days - 1)).isoformat()},
        "user": {"id": user.id, "username": user.username, "display_name": user.display_name, "role": user.role},
        "ids": [r.uuid for r in rows],
        "interventions": out,
        "clients": histories,
        "forms": forms,
    }
    if since is None or previous.config_hash != config_hash:
        body["config"] = config
    return body
