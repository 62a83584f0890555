"""Statuses, rights, time and the lock of an intervention (S1–S4, H1–H3), as verbs.

The rules come from ``form_definitions/``: the workflow (statuses, transitions and their
roles, rights) and the event type (time tracking mode, mandatory Start, completion guards,
report sending). The back office, the sync API and the CLI all call these functions, so
they all obey the same rules.

Every verb loads the intervention, checks everything, changes it, writes an audit row
(who, when, from, to; the device's instant and the source in ``details``) and commits
once; a refusal leaves the database as it was. Keyword-only arguments shared by all:

* ``at``: the instant the action happened (the device's clock for an offline action, UTC
  aware); default now.
* ``expected_version``: the ``Intervention.version`` the caller saw; a stale one is a
  :class:`Conflict`.
* ``source``: ``"web"``, ``"device"`` or ``"cli"``.
"""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from flask_babel import force_locale, gettext as _
from sqlalchemy.orm.exc import StaleDataError

from engine.facts import photo_ids, signatures

from ..extensions import db
from ..models import Intervention, InterventionWork, Submission, TimeSegment, User, utcnow
from ..registry import definition_of, get_registry
from . import access
from .audit import audit
from .errors import Conflict, Forbidden, Incomplete, InvalidInput, Locked, NotStarted, ServiceError, TransitionRefused
from .interventions import load_intervention

SOURCES = ("web", "device", "cli")
MAX_MINUTES = 31 * 24 * 60


# --- helpers ---------------------------------------------------------------------------------


def _now(at: datetime | None) -> datetime:
    if at is None:
        return utcnow()
    if at.tzinfo is None:
        raise InvalidInput({"at": [_("The instant must carry its time zone.")]})
    return at.astimezone(timezone.utc)


def _conflict() -> Conflict:
    return Conflict(_("Someone else changed this intervention meanwhile: reload it and redo your change."))


def _load(actor: User, intervention_id: int, expected_version: int | None, source: str) -> Intervention:
    if source not in SOURCES:
        raise InvalidInput({"source": [f"unknown source {source!r}"]})
    iv = load_intervention(intervention_id, actor)
    if expected_version is not None and expected_version != iv.version:
        raise _conflict()
    return iv


def work_of(iv: Intervention, *, create: bool = False) -> InterventionWork | None:
    w = db.session.get(InterventionWork, iv.id)
    if w is None and create:
        w = InterventionWork(intervention_id=iv.id)
        db.session.add(w)
    return w


def segments_of(intervention_id: int) -> list[TimeSegment]:
    return list(db.session.scalars(sa.select(TimeSegment).where(TimeSegment.intervention_id == intervention_id).order_by(TimeSegment.started_at, TimeSegment.id)))


def _open_segment(intervention_id: int) -> TimeSegment | None:
    return db.session.scalar(sa.select(TimeSegment).where(TimeSegment.intervention_id == intervention_id, TimeSegment.ended_at.is_(None)).order_by(TimeSegment.id.desc()).limit(1))


def _touch(iv: Intervention, now: datetime) -> None:
    """Changes that live in other tables still move the intervention's version: a device
    holding an older version gets a Conflict."""
    iv.updated_at = now


def _lock_message(iv: Intervention) -> str:
    w = work_of(iv)
    if w is not None and w.closed_reason:
        return _("The office closed this intervention: %(reason)s", reason=w.closed_reason)
    return _("The office closed this intervention: it cannot be changed any more.")


def _check_not_locked(actor: User, iv: Intervention, source: str) -> None:
    """S3: closed means no change from devices (nor technicians), whatever the status."""
    if iv.closed and (source == "device" or not access.is_back_office(actor)):
        w = work_of(iv)
        raise Locked(_lock_message(iv), reason=w.closed_reason if w else None)


def _state(iv: Intervention) -> str:
    return get_registry().status(iv.status).state


def _et(iv: Intervention):
    return get_registry().event_types.get(iv.event_type_id)


def _commit() -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise _conflict() from None


def _details(source: str, now: datetime, extra: dict | None = None) -> dict:
    d = {"source": source, "at": now.isoformat()}
    if extra:
        d.update(extra)
    return d


def _path(from_key: str, target_state: str, role: str, via_states: tuple[str, ...]) -> list[str] | None:
    """The shortest list of statuses from ``from_key`` to a status of ``target_state``
    through allowed transitions of ``role``, stopping on the way only at statuses of
    ``via_states`` (e.g. Start from Planned goes through Confirmed)."""
    wf = get_registry().workflow
    seen = {from_key}
    frontier: list[list[str]] = [[from_key]]
    while frontier:
        nxt = []
        for p in frontier:
            for s in wf.allowed_transitions(p[-1], role):
                if s.key in seen:
                    continue
                if s.state == target_state:
                    return p[1:] + [s.key]
                if s.state in via_states:
                    seen.add(s.key)
                    nxt.append(p + [s.key])
        frontier = nxt
    return None


def _set_status(actor: User, iv: Intervention, to_key: str, now: datetime, source: str, extra: dict | None = None) -> None:
    before = iv.status
    iv.status = to_key
    audit(actor, "intervention", iv.id, "status", before, to_key, _details(source, now, extra))


def _walk_path(actor: User, iv: Intervention, path: list[str], now: datetime, source: str) -> None:
    for key in path:
        _set_status(actor, iv, key, now, source)


def _minutes(name: str, value) -> int | None:
    if value is None or value == "":
        return None
    try:
        m = int(value)
    except (TypeError, ValueError):
        raise InvalidInput({name: [_("A number of minutes is expected.")]}) from None
    if isinstance(value, float) and value != m:
        raise InvalidInput({name: [_("A number of minutes is expected.")]})
    if not 0 <= m <= MAX_MINUTES:
        raise InvalidInput({name: [_("Between 0 and %(max)d minutes.", max=MAX_MINUTES)]})
    return m


# --- rights ----------------------------------------------------------------------------------


def check_answers_editable(actor: User, intervention: Intervention) -> None:
    """May ``actor`` change the answers (and the data) of ``intervention`` now? Raises
    Locked (closed by the office, for devices and technicians), Forbidden (the workflow's
    rights edit_before_done / edit_after_done; cancelled interventions), NotStarted
    (mandatory time tracking and Start not pressed, for technicians)."""
    iv = intervention
    if not access.can_view(actor, iv):
        raise Forbidden(_("You may not change the answers of this intervention."))
    if iv.closed and not access.is_back_office(actor):
        w = work_of(iv)
        raise Locked(_lock_message(iv), reason=w.closed_reason if w else None)
    state = _state(iv)
    if state == "cancelled":
        raise Forbidden(_("This intervention is cancelled: its answers cannot be changed."))
    wf = get_registry().workflow
    if state == "done":
        if not wf.can(actor.role, "edit_after_done"):
            raise Forbidden(_("This intervention is done: you may not change it any more (set it back to Confirmed first, if you have the right)."))
    elif not wf.can(actor.role, "edit_before_done"):
        raise Forbidden(_("You may not change the answers of this intervention."))
    et = _et(iv)
    if et is not None and et.mandatory_time_tracking and not access.is_back_office(actor) and not is_started(iv):
        raise NotStarted(_("Press Start before filling in this intervention: time tracking is mandatory."))


def is_started(iv: Intervention) -> bool:
    """Start was pressed (or the intervention got past it another way)."""
    w = work_of(iv)
    if w is not None and w.started_at is not None:
        return True
    return _state(iv) in ("in_progress", "done")


def allowed_transitions(actor: User, iv: Intervention):
    """The statuses ``actor`` may move ``iv`` to with :func:`transition` (the detail page's
    buttons)."""
    if iv.closed and not access.is_back_office(actor):
        return []
    wf = get_registry().workflow
    out = []
    for s in wf.allowed_transitions(iv.status, actor.role):
        if _state(iv) == "done" and s.state == "confirmed" and not wf.can(actor.role, "back_to_confirmed"):
            continue
        out.append(s)
    return out


def can_close_reopen(actor: User) -> bool:
    return get_registry().workflow.can(actor.role, "close_reopen")


def can_send_report(actor: User) -> bool:
    return get_registry().workflow.can(actor.role, "send_report")


# --- completion guards -----------------------------------------------------------------------


def _submissions(intervention_id: int) -> list[Submission]:
    from sqlalchemy.orm import joinedload

    return list(db.session.scalars(sa.select(Submission).where(Submission.intervention_id == intervention_id).options(joinedload(Submission.form_version))))


def completion_missing(intervention: Intervention, lang: str = "fr") -> list[dict]:
    """What is still missing to Finish, per the event type's ``completion`` guards: each
    ``{"code": ..., "message": ...}`` (plus ``form`` for a form's problems). Empty: OK."""
    iv = intervention
    et = _et(iv)
    guards = (et.completion if et else {}) or {}
    subs = {s.form_id: s for s in _submissions(iv.id)}
    missing: list[dict] = []
    photos: list[str] = []
    signed: set[str] = set()
    trees = {}
    from engine import walk

    for fid, s in subs.items():
        d = definition_of(s.form_version)
        tree = walk(d, s.data)
        trees[fid] = (d, tree)
        photos += photo_ids(tree)
        signed |= {f.signer for f in signatures(tree) if f.attachment}
    with force_locale(lang):
        reg = get_registry()
        for fid in guards.get("required_forms", []):
            title = reg.forms[fid].title_in(lang) if fid in reg.forms else fid
            if fid not in subs:
                missing.append({"code": "form_missing", "form": fid, "message": _("The form “%(form)s” is not filled in.", form=title)})
                continue
            d, _tree = trees[fid]
            errors = d.validate(subs[fid].data, lang)
            if errors:
                missing.append({"code": "form_invalid", "form": fid, "message": _("The form “%(form)s” has %(n)d invalid answer(s).", form=title, n=len(errors))})
        need = int(guards.get("min_photos") or 0)
        n = len(dict.fromkeys(photos))
        if n < need:
            missing.append({"code": "photos", "message": _("At least %(need)d photo(s) are needed (%(n)d taken).", need=need, n=n)})
        for signer in guards.get("signatures", []):
            if signer not in signed:
                msg = _("The technician's signature is missing.") if signer == "technician" else _("The client's signature is missing.")
                missing.append({"code": f"signature_{signer}", "message": msg})
        if guards.get("timer_started"):
            w = work_of(iv)
            started = (w is not None and w.started_at is not None) or bool(segments_of(iv.id))
            if not started:
                missing.append({"code": "timer", "message": _("The timer was not started: press Start first.")})
    return missing


# --- verbs -----------------------------------------------------------------------------------


def transition(actor: User, intervention_id: int, to_key: str, *, at: datetime | None = None, expected_version: int | None = None, source: str = "web") -> Intervention:
    """Move the intervention to the status ``to_key`` if the workflow lets ``actor``'s role
    take that transition. Entering a done status goes through :func:`finish_intervention`'s
    guards; leaving a done one for a confirmed one needs the right back_to_confirmed."""
    iv = _load(actor, intervention_id, expected_version, source)
    now = _now(at)
    _check_not_locked(actor, iv, source)
    reg = get_registry()
    wf = reg.workflow
    try:
        target = wf.status(to_key)
    except KeyError:
        raise TransitionRefused(_("“%(b)s” is not a status.", b=to_key)) from None
    if not wf.can_transition(iv.status, to_key, actor.role):
        raise TransitionRefused(_("You may not move this intervention from “%(a)s” to “%(b)s”.", a=reg.status(iv.status).label_in(_lang()), b=target.label_in(_lang())))
    if target.state == "done":
        return _finish(actor, iv, [to_key], now, source, None, None)
    if _state(iv) == "done" and target.state == "confirmed":
        return _back_to_confirmed(actor, iv, to_key, now, source)
    if target.state == "in_progress" and not is_started(iv):
        work_of(iv, create=True).started_at = now
    _set_status(actor, iv, to_key, now, source)
    _commit()
    return iv


def _lang() -> str:
    from ..i18n import current_lang

    return current_lang()


def start_intervention(actor: User, intervention_id: int, *, at: datetime | None = None, expected_version: int | None = None, source: str = "web") -> Intervention:
    """Start ("Démarrer"): the status becomes the first one of state in_progress (through
    Confirmed if needed), the start instant is kept, and in automatic time tracking a
    timer segment opens. Starting a started intervention changes nothing."""
    iv = _load(actor, intervention_id, expected_version, source)
    now = _now(at)
    _check_not_locked(actor, iv, source)
    state = _state(iv)
    et = _et(iv)
    if state == "in_progress":
        if is_started(iv) and (work_of(iv) and work_of(iv).started_at):
            return iv
        path: list[str] = []
    elif state in ("planned", "confirmed"):
        path = _path(iv.status, "in_progress", actor.role, ("planned", "confirmed"))
        if path is None:
            raise TransitionRefused(_("You may not start this intervention."))
    else:
        raise TransitionRefused(_("This intervention cannot be started from “%(s)s”.", s=get_registry().status(iv.status).label_in(_lang())))
    w = work_of(iv, create=True)
    w.started_at = w.started_at or now
    _walk_path(actor, iv, path, now, source)
    if et is not None and et.time_tracking == "automatic" and _open_segment(iv.id) is None:
        db.session.add(TimeSegment(intervention_id=iv.id, user_id=actor.id, started_at=now, source=source))
    audit(actor, "intervention", iv.id, "start", None, None, _details(source, now))
    _touch(iv, now)
    _commit()
    return iv


def _require_timer(iv: Intervention) -> None:
    et = _et(iv)
    if et is None or et.time_tracking != "automatic":
        raise InvalidInput({"time_tracking": [_("This event type has no timer (its time tracking is not automatic).")]})
    if _state(iv) != "in_progress":
        raise InvalidInput({"time_tracking": [_("The timer runs only while the intervention is in progress.")]})


def pause_intervention(actor: User, intervention_id: int, *, at: datetime | None = None, expected_version: int | None = None, source: str = "web") -> Intervention:
    """Pause the timer (automatic mode): the open segment ends. Idempotent."""
    iv = _load(actor, intervention_id, expected_version, source)
    now = _now(at)
    _check_not_locked(actor, iv, source)
    _check_may_work(actor, iv)
    _require_timer(iv)
    seg = _open_segment(iv.id)
    if seg is None:
        return iv
    seg.ended_at = max(now, seg.started_at)
    audit(actor, "intervention", iv.id, "pause", None, None, _details(source, now))
    _touch(iv, now)
    _commit()
    return iv


def resume_intervention(actor: User, intervention_id: int, *, at: datetime | None = None, expected_version: int | None = None, source: str = "web") -> Intervention:
    """Resume the timer (automatic mode): a new segment opens. Idempotent."""
    iv = _load(actor, intervention_id, expected_version, source)
    now = _now(at)
    _check_not_locked(actor, iv, source)
    _check_may_work(actor, iv)
    _require_timer(iv)
    if _open_segment(iv.id) is not None:
        return iv
    db.session.add(TimeSegment(intervention_id=iv.id, user_id=actor.id, started_at=now, source=source))
    work_of(iv, create=True).started_at = work_of(iv).started_at or now
    audit(actor, "intervention", iv.id, "resume", None, None, _details(source, now))
    _touch(iv, now)
    _commit()
    return iv


def _check_may_work(actor: User, iv: Intervention) -> None:
    if _state(iv) == "cancelled":
        raise Forbidden(_("This intervention is cancelled."))
    wf = get_registry().workflow
    right = "edit_after_done" if _state(iv) == "done" else "edit_before_done"
    if not wf.can(actor.role, right):
        raise Forbidden(_("You may not change this intervention."))


def finish_intervention(actor: User, intervention_id: int, *, duration_minutes: int | None = None, travel_minutes: int | None = None,
                        at: datetime | None = None, expected_version: int | None = None, source: str = "web") -> Intervention:
    """Finish ("Terminer", S2): the completion guards must hold (else :class:`Incomplete`
    with the whole list), the timer stops, the typed times are kept, the status becomes the
    done one; with report sending ``auto_when_done`` the report is queued (or recorded as
    pending when mail is not configured). Finishing a done intervention changes nothing."""
    iv = _load(actor, intervention_id, expected_version, source)
    now = _now(at)
    _check_not_locked(actor, iv, source)
    state = _state(iv)
    if state == "done":
        return iv
    if state not in ("in_progress", "confirmed", "planned"):
        raise TransitionRefused(_("This intervention cannot be finished from “%(s)s”.", s=get_registry().status(iv.status).label_in(_lang())))
    path = _path(iv.status, "done", actor.role, ("in_progress",))
    if path is None:
        raise TransitionRefused(_("You may not finish this intervention from “%(s)s”.", s=get_registry().status(iv.status).label_in(_lang())))
    return _finish(actor, iv, path, now, source, duration_minutes, travel_minutes)


def _finish(actor: User, iv: Intervention, path: list[str], now: datetime, source: str, duration_minutes, travel_minutes) -> Intervention:
    et = _et(iv)
    duration = _minutes("duration_minutes", duration_minutes)
    travel = _minutes("travel_minutes", travel_minutes)
    lang = _lang()
    missing = completion_missing(iv, lang)
    w = work_of(iv)
    if et is not None and et.time_tracking == "manual" and duration is None and (w is None or w.actual_minutes is None) and not access.is_back_office(actor):
        missing.append({"code": "duration", "message": _("Type the actual duration.")})
    if missing:
        raise Incomplete(_("The intervention cannot be finished yet:") + " " + " ".join(m["message"] for m in missing), missing)
    w = work_of(iv, create=True)
    before = {"actual": w.actual_minutes, "travel": w.travel_minutes}
    seg = _open_segment(iv.id)
    if seg is not None:
        seg.ended_at = max(now, seg.started_at)
    if et is not None and et.time_tracking == "automatic":
        db.session.flush()
        total = sum(s.minutes or 0 for s in segments_of(iv.id))
        w.actual_minutes = total if duration is None else duration
    elif duration is not None:
        w.actual_minutes = duration
    if travel is not None:
        w.travel_minutes = travel
    w.done_at = now
    _walk_path(actor, iv, path, now, source)
    after = {"actual": w.actual_minutes, "travel": w.travel_minutes}
    audit(actor, "intervention", iv.id, "finish", None, None, _details(source, now, {k: [before[k], after[k]] for k in before if before[k] != after[k]}))
    _touch(iv, now)
    _commit()
    if et is not None and et.report_sending == "auto_when_done":
        from .reports import queue_automatic_sending

        queue_automatic_sending(actor, iv.id)
    return iv


def back_to_confirmed(actor: User, intervention_id: int, *, at: datetime | None = None, expected_version: int | None = None, source: str = "web") -> Intervention:
    """Set a done intervention back to Confirmed (S4), with the right back_to_confirmed, so
    that it can be changed again."""
    iv = _load(actor, intervention_id, expected_version, source)
    now = _now(at)
    _check_not_locked(actor, iv, source)
    if _state(iv) != "done":
        raise TransitionRefused(_("Only a done intervention can be set back to Confirmed."))
    wf = get_registry().workflow
    target = next((s for s in wf.allowed_transitions(iv.status, actor.role) if s.state == "confirmed"), None)
    if target is None:
        raise TransitionRefused(_("You may not set this intervention back to Confirmed."))
    return _back_to_confirmed(actor, iv, target.key, now, source)


def _back_to_confirmed(actor: User, iv: Intervention, to_key: str, now: datetime, source: str) -> Intervention:
    if not get_registry().workflow.can(actor.role, "back_to_confirmed"):
        raise TransitionRefused(_("You may not set this intervention back to Confirmed."))
    w = work_of(iv, create=True)
    w.done_at = None
    _set_status(actor, iv, to_key, now, source, {"back_to_confirmed": True})
    _commit()
    return iv


def close_intervention(actor: User, intervention_id: int, *, reason: str | None = None, at: datetime | None = None, expected_version: int | None = None, source: str = "web") -> Intervention:
    """Close ("Clôturer", S3): no change from devices, whatever the status, until reopened.
    Right close_reopen."""
    iv = _load(actor, intervention_id, expected_version, source)
    now = _now(at)
    if not can_close_reopen(actor):
        raise Forbidden(_("You may not close or reopen interventions."))
    if iv.closed:
        return iv
    reason = (reason or "").strip()[:500] or None
    iv.closed = True
    w = work_of(iv, create=True)
    w.closed_at, w.closed_by_id, w.closed_reason = now, actor.id, reason
    audit(actor, "intervention", iv.id, "close", None, reason, _details(source, now))
    _commit()
    return iv


def reopen_intervention(actor: User, intervention_id: int, *, at: datetime | None = None, expected_version: int | None = None, source: str = "web") -> Intervention:
    """Reopen ("Ré-ouvrir"): devices may change it again. Right close_reopen."""
    iv = _load(actor, intervention_id, expected_version, source)
    now = _now(at)
    if not can_close_reopen(actor):
        raise Forbidden(_("You may not close or reopen interventions."))
    if not iv.closed:
        return iv
    iv.closed = False
    w = work_of(iv, create=True)
    before = w.closed_reason
    w.closed_at = w.closed_by_id = w.closed_reason = None
    audit(actor, "intervention", iv.id, "reopen", before, None, _details(source, now))
    _commit()
    return iv


def record_time(actor: User, intervention_id: int, *, actual_minutes: int | None = None, travel_minutes: int | None = None,
                at: datetime | None = None, expected_version: int | None = None, source: str = "web") -> Intervention:
    """Keep the actual duration and/or the travel time (H1, H2). The back office may type
    both in every mode (the report tab); a technician types them only in manual mode, and
    travel time only when the event type has it. ``None`` leaves a value as it is.

    Like every verb, a stale ``expected_version`` is a :class:`Conflict`, and the audit row
    says ``source`` and ``at``. Times equal to those kept change nothing (no audit row, the
    version stays) and are no error; the session is left as it was, so that a caller's
    pending writes (a sync operation's final status) are not lost."""
    iv = _load(actor, intervention_id, expected_version, source)
    now = _now(at)
    actual = _minutes("actual_minutes", actual_minutes)
    travel = _minutes("travel_minutes", travel_minutes)
    et = _et(iv)
    _check_not_locked(actor, iv, source)
    if access.is_back_office(actor) and source != "device":
        _check_may_work(actor, iv)
    else:
        check_answers_editable(actor, iv)
        if et is None or et.time_tracking != "manual":
            raise Forbidden(_("Times are typed in the back office for this event type."))
    if travel is not None and et is not None and not et.travel_time:
        raise InvalidInput({"travel_minutes": [_("This event type has no travel time.")]})
    w = work_of(iv)
    before = {"actual": w.actual_minutes if w else None, "travel": w.travel_minutes if w else None}
    after = {"actual": before["actual"] if actual is None else actual, "travel": before["travel"] if travel is None else travel}
    changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if not changed:
        return iv
    w = work_of(iv, create=True)
    w.actual_minutes, w.travel_minutes = after["actual"], after["travel"]
    audit(actor, "intervention", iv.id, "time", None, None, _details(source, now, changed))
    _touch(iv, now)
    _commit()
    return iv


__all__ = [
    "ServiceError", "allowed_transitions", "back_to_confirmed", "can_close_reopen", "can_send_report", "check_answers_editable",
    "close_intervention", "completion_missing", "finish_intervention", "is_started", "pause_intervention", "record_time",
    "reopen_intervention", "resume_intervention", "segments_of", "start_intervention", "transition", "work_of",
]
