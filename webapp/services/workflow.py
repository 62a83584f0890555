"""Statuses, time and the lock of an intervention (S1–S4, H1–H3), as verbs.

The rules come from ``form_definitions/``: the workflow (statuses, transitions and their
roles, rights) and the event type (time tracking mode, mandatory Start, completion guards,
report sending). Who may do what is :mod:`webapp.services.policy`'s to say; every verb
asks it first and raises its refusal. The back office, the sync API and the CLI all call
these functions, so they all obey the same rules.

Every verb loads the intervention, checks everything, changes it, writes an audit row
(who, when, from, to; the device's instant and the source in ``details``) and commits
once; a refusal leaves the database as it was. A verb whose effect is already there
(the policy's ``already``: start a started intervention, finish a done one...) changes
nothing and succeeds, so a replayed device action is harmless. Keyword-only arguments
shared by all:

* ``at``: the instant the action happened (the device's clock for an offline action, UTC
  aware); default now.
* ``expected_version``: the ``Intervention.version`` the caller saw; a stale one is a
  :class:`Conflict`.
* ``source``: ``"web"``, ``"device"`` or ``"cli"``.
"""

from __future__ import annotations

from datetime import datetime, timezone

from flask_babel import force_locale, gettext as _
from sqlalchemy.orm.exc import StaleDataError

from engine import walk
from engine.facts import photo_ids, signatures

from ..extensions import db
from ..i18n import current_lang
from ..models import Intervention, TimeSegment, User, utcnow
from ..registry import definition_of, get_registry
from . import access, policy, unit
from .audit import audit
from .equipment import update_from_answers
from .errors import Conflict, Incomplete, InvalidInput
from .interventions import load_intervention
from .reports import queue_automatic_sending
from .submissions import load_submissions
from .work import event_type_of, open_segment, segments_of, work_of

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
    if source not in policy.SOURCES:
        raise InvalidInput({"source": [f"unknown source {source!r}"]})
    iv = load_intervention(intervention_id, actor)
    if expected_version is not None and expected_version != iv.version:
        raise _conflict()
    return iv


def _check(actor: User, iv: Intervention, action: str, source: str) -> tuple[policy.Decision, policy.Facts]:
    """The policy's answer, enforced: raises unless allowed or ``already`` done."""
    f = policy.facts_of(actor, iv, source=source)
    return policy.check(f, action), f


def _touch(iv: Intervention, now: datetime) -> None:
    """Changes that live in other tables still move the intervention's version: a device
    holding an older version gets a Conflict, and the next pull sends it again."""
    iv.updated_at = now


def _commit() -> None:
    try:
        unit.commit()
    except StaleDataError:
        unit.rollback()
        raise _conflict() from None


def _details(source: str, now: datetime, extra: dict | None = None) -> dict:
    d = {"source": source, "at": now.isoformat()}
    if extra:
        d.update(extra)
    return d


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


# --- completion guards -----------------------------------------------------------------------


def completion_missing(intervention: Intervention, lang: str = "fr") -> list[dict]:
    """What is still missing to Finish, per the event type's ``completion`` guards: each
    ``{"code": ..., "message": ...}`` (plus ``form`` for a form's problems). Empty: OK."""
    iv = intervention
    et = event_type_of(iv)
    guards = (et.completion if et else {}) or {}
    subs = {s.form_id: s for s in load_submissions(iv.id)}
    missing: list[dict] = []
    photos: list[str] = []
    signed: set[str] = set()
    definitions = {}
    for fid, s in subs.items():
        d = definition_of(s.form_version)
        tree = walk(d, s.data)
        definitions[fid] = d
        photos += photo_ids(tree)
        signed |= {f.signer for f in signatures(tree) if f.attachment}
    with force_locale(lang):
        reg = get_registry()
        for fid in guards.get("required_forms", []):
            title = reg.forms[fid].title_in(lang) if fid in reg.forms else fid
            if fid not in subs:
                missing.append({"code": "form_missing", "form": fid, "message": _("The form “%(form)s” is not filled in.", form=title)})
                continue
            errors = definitions[fid].validate(subs[fid].data, lang)
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
    """Move the intervention to the status ``to_key`` if the policy lets ``actor`` take
    that transition. Entering a done status goes through :func:`finish_intervention`'s
    guards; leaving a done one for a confirmed one is :func:`back_to_confirmed`."""
    iv = _load(actor, intervention_id, expected_version, source)
    now = _now(at)
    _decision, f = _check(actor, iv, policy.TRANSITION + to_key, source)
    target = f.workflow.status(to_key)
    if target.state == "done":
        return _finish(actor, iv, [to_key], now, source, None, None)
    if f.state == "done" and target.state == "confirmed":
        return _back_to_confirmed(actor, iv, to_key, now, source)
    if target.state == "in_progress" and not f.started:
        work_of(iv, create=True).started_at = now
    _set_status(actor, iv, to_key, now, source)
    _commit()
    return iv


def cancel_intervention(actor: User, intervention_id: int, *, expected_version: int | None = None, source: str = "web", at: datetime | None = None) -> Intervention:
    """Move to the cancelled status the workflow lets ``actor`` take from here."""
    iv = _load(actor, intervention_id, expected_version, source)
    _decision, f = _check(actor, iv, "cancel", source)
    return transition(actor, iv.id, policy.cancel_target(f).key, at=at, expected_version=expected_version, source=source)


def start_intervention(actor: User, intervention_id: int, *, at: datetime | None = None, expected_version: int | None = None, source: str = "web") -> Intervention:
    """Start ("Démarrer"): the status becomes the first one of state in_progress (through
    Confirmed if needed), the start instant is kept, and in automatic time tracking a
    timer segment opens. Starting a started intervention changes nothing."""
    iv = _load(actor, intervention_id, expected_version, source)
    now = _now(at)
    decision, f = _check(actor, iv, "start", source)
    if not decision.allowed:
        return iv
    w = work_of(iv, create=True)
    w.started_at = w.started_at or now
    _walk_path(actor, iv, policy.start_route(f), now, source)
    if f.time_tracking == "automatic" and open_segment(iv.id) is None:
        db.session.add(TimeSegment(intervention_id=iv.id, user_id=actor.id, started_at=now, source=source))
    audit(actor, "intervention", iv.id, "start", None, None, _details(source, now))
    _touch(iv, now)
    _commit()
    return iv


def pause_intervention(actor: User, intervention_id: int, *, at: datetime | None = None, expected_version: int | None = None, source: str = "web") -> Intervention:
    """Pause the timer (automatic mode): the open segment ends. Idempotent."""
    iv = _load(actor, intervention_id, expected_version, source)
    now = _now(at)
    decision, _f = _check(actor, iv, "pause", source)
    if not decision.allowed:
        return iv
    seg = open_segment(iv.id)
    seg.ended_at = max(now, seg.started_at)
    audit(actor, "intervention", iv.id, "pause", None, None, _details(source, now))
    _touch(iv, now)
    _commit()
    return iv


def resume_intervention(actor: User, intervention_id: int, *, at: datetime | None = None, expected_version: int | None = None, source: str = "web") -> Intervention:
    """Resume the timer (automatic mode): a new segment opens. Idempotent."""
    iv = _load(actor, intervention_id, expected_version, source)
    now = _now(at)
    decision, _f = _check(actor, iv, "resume", source)
    if not decision.allowed:
        return iv
    db.session.add(TimeSegment(intervention_id=iv.id, user_id=actor.id, started_at=now, source=source))
    w = work_of(iv, create=True)
    w.started_at = w.started_at or now
    audit(actor, "intervention", iv.id, "resume", None, None, _details(source, now))
    _touch(iv, now)
    _commit()
    return iv


def finish_intervention(actor: User, intervention_id: int, *, duration_minutes: int | None = None, travel_minutes: int | None = None,
                        at: datetime | None = None, expected_version: int | None = None, source: str = "web") -> Intervention:
    """Finish ("Terminer", S2): the completion guards must hold (else :class:`Incomplete`
    with the whole list), the timer stops, the typed times are kept, the status becomes the
    done one; with report sending ``auto_when_done`` the report is queued (or recorded as
    pending when mail is not configured). Finishing a done intervention changes nothing."""
    iv = _load(actor, intervention_id, expected_version, source)
    now = _now(at)
    decision, f = _check(actor, iv, "finish", source)
    if not decision.allowed:
        return iv
    return _finish(actor, iv, policy.finish_route(f), now, source, duration_minutes, travel_minutes)


def _finish(actor: User, iv: Intervention, path: list[str], now: datetime, source: str, duration_minutes, travel_minutes) -> Intervention:
    et = event_type_of(iv)
    duration = _minutes("duration_minutes", duration_minutes)
    travel = _minutes("travel_minutes", travel_minutes)
    missing = completion_missing(iv, current_lang())
    w = work_of(iv)
    if et is not None and et.time_tracking == "manual" and duration is None and (w is None or w.actual_minutes is None) and not access.is_back_office(actor):
        missing.append({"code": "duration", "message": _("Type the actual duration.")})
    if missing:
        raise Incomplete(_("The intervention cannot be finished yet:") + " " + " ".join(m["message"] for m in missing), missing)
    w = work_of(iv, create=True)
    before = {"actual": w.actual_minutes, "travel": w.travel_minutes}
    seg = open_segment(iv.id)
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
    update_from_answers(actor, iv, source=source, at=now)
    _touch(iv, now)
    _commit()
    if et is not None and et.report_sending == "auto_when_done":
        queue_automatic_sending(actor, iv.id)
    return iv


def back_to_confirmed(actor: User, intervention_id: int, *, at: datetime | None = None, expected_version: int | None = None, source: str = "web") -> Intervention:
    """Set a done intervention back to Confirmed (S4), with the right back_to_confirmed, so
    that it can be changed again."""
    iv = _load(actor, intervention_id, expected_version, source)
    now = _now(at)
    _decision, f = _check(actor, iv, "back_to_confirmed", source)
    return _back_to_confirmed(actor, iv, policy.back_to_confirmed_target(f).key, now, source)


def _back_to_confirmed(actor: User, iv: Intervention, to_key: str, now: datetime, source: str) -> Intervention:
    """A done intervention was started: it stays so once Confirmed again, so the technician
    may change it (S4) even under mandatory time tracking (H3); one done without Start
    ever pressed counts as started when it was done."""
    w = work_of(iv, create=True)
    w.started_at = w.started_at or w.done_at or now
    w.done_at = None
    _set_status(actor, iv, to_key, now, source, {"back_to_confirmed": True})
    _commit()
    return iv


def close_intervention(actor: User, intervention_id: int, *, reason: str | None = None, at: datetime | None = None, expected_version: int | None = None, source: str = "web") -> Intervention:
    """Close ("Clôturer", S3): no change from devices, whatever the status, until reopened.
    Right close_reopen."""
    iv = _load(actor, intervention_id, expected_version, source)
    now = _now(at)
    decision, _f = _check(actor, iv, "close", source)
    if not decision.allowed:
        return iv
    reason = (reason or "").strip()[:500] or None
    w = work_of(iv, create=True)
    w.closed_at, w.closed_by_id, w.closed_reason = now, actor.id, reason
    audit(actor, "intervention", iv.id, "close", None, reason, _details(source, now))
    _touch(iv, now)
    _commit()
    return iv


def reopen_intervention(actor: User, intervention_id: int, *, at: datetime | None = None, expected_version: int | None = None, source: str = "web") -> Intervention:
    """Reopen ("Ré-ouvrir"): devices may change it again. Right close_reopen."""
    iv = _load(actor, intervention_id, expected_version, source)
    now = _now(at)
    decision, _f = _check(actor, iv, "reopen", source)
    if not decision.allowed:
        return iv
    w = work_of(iv, create=True)
    before = w.closed_reason
    w.closed_at = w.closed_by_id = w.closed_reason = None
    audit(actor, "intervention", iv.id, "reopen", before, None, _details(source, now))
    _touch(iv, now)
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
    _decision, f = _check(actor, iv, "record_time", source)
    if travel is not None and f.event_type is not None and not f.event_type.travel_time:
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
    "back_to_confirmed", "cancel_intervention", "close_intervention", "completion_missing", "finish_intervention",
    "pause_intervention", "record_time", "reopen_intervention", "resume_intervention", "start_intervention", "transition",
]
