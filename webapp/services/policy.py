"""Who may do what to an intervention now, and why not: the one home of the rights.

Every question the product asks about a user and an intervention is answered here, from
the facts of the moment (the user's role and assignment, the status's canonical state,
closed or not, Start pressed or not, the timer, the event type's options) and the rules of
``form_definitions/workflow.json`` (transitions and their roles, ``rights``):

* the services enforce the answers (:func:`enforce` raises the error the API and the
  phone have always received: 423 ``closed``, 409 ``not_started``, 403 ``transition`` or
  ``forbidden``, 404 ``not_found``, 422 on ``time_tracking``);
* the back office's detail page, the CLI, the JSON API and the sync pull read them
  (:func:`decisions_for` answers every question for one intervention at once, with the
  facts loaded once);
* the phone shows the actions and read-only states the server decided (see
  :func:`phone_rights`), including what holds after an action it took offline.

A refusal carries a stable ``code`` (what programs switch on) and a ``message`` in the
user's language (what people read):

``not_assigned``  a technician who is not on the intervention (404 for the verbs);
``closed``        the office closed it (S3): nothing changes from a device, nor from a
                  technician, whatever the status, until it is reopened;
``cancelled``     a cancelled intervention is not changed (but its status may be);
``done``          a done intervention, and the role lacks ``edit_after_done`` (S4);
``role``          the role lacks the workflow's right (``edit_before_done``,
                  ``close_reopen``, ``send_report``) or the back office's job;
``not_started``   mandatory time tracking and Start not pressed yet (H3);
``transition``    the workflow has no such status change for the role from here;
``timer``         no timer here: the time tracking is not automatic, or not in progress;
``mode``          the event type has it done elsewhere (times typed in the back office,
                  report sent by the office);
``not_done``      a technician sends the report once the intervention is done;
``already``       nothing to do (already started, done, paused, running, closed, open):
                  the verbs accept it and change nothing, so a replayed action is harmless.

Checks run in a fixed order: visibility, then the lock, then the action's own rules, so
that a closed intervention always says "closed", whatever else would also refuse.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

import sqlalchemy as sa
from flask_babel import gettext as _

from engine.project import EventType, Status, Workflow

from ..i18n import current_lang
from ..models import Equipment, Intervention, InterventionWork, User, intervention_technicians
from ..registry import get_registry
from . import access
from .errors import Forbidden, InvalidInput, Locked, NotFound, NotStarted, ServiceError, TransitionRefused
from .work import event_type_of, open_segment, work_of

SOURCES = ("web", "device", "cli")

#: The questions :func:`decisions_for` answers, besides one ``transition:<status key>``
#: per status of the workflow.
ACTIONS = (
    "view", "edit_answers", "edit_appointment", "start", "pause", "resume", "finish", "back_to_confirmed",
    "cancel", "close", "reopen", "record_time", "upload_attachments", "send_report",
)
TRANSITION = "transition:"

#: What the phone asks (its buttons and its forms), and the actions it may take offline,
#: whose effect it applies before the server hears of them.
PHONE_ACTIONS = ("edit_answers", "start", "pause", "resume", "finish", "back_to_confirmed", "send_report")
OFFLINE_ACTIONS = ("start", "pause", "resume", "finish", "back_to_confirmed")

_UNSET = object()


@dataclass(frozen=True)
class Decision:
    """May the user do it? If not, ``code`` says why (stable) and ``message`` says it to
    the user."""

    allowed: bool
    code: str | None = None
    message: str | None = None

    def as_dict(self) -> dict:
        return {"allowed": self.allowed, "code": self.code, "message": self.message}


ALLOWED = Decision(True)


def _no(code: str, message: str) -> Decision:
    return Decision(False, code, message)


def _first(*objections: Decision | None) -> Decision:
    """The first objection (rules run in order, None: no objection), else allowed."""
    return next((d for d in objections if d is not None), ALLOWED)


@dataclass(frozen=True)
class Facts:
    """Everything a decision depends on, read once: the rules below are pure functions
    of it (and :func:`project` changes it as an offline action would)."""

    role: str
    assigned: bool
    source: str
    status: Status
    closed: bool
    closed_reason: str | None
    start_pressed: bool
    timer_running: bool
    event_type: EventType | None
    workflow: Workflow

    @property
    def back_office(self) -> bool:
        return access.is_back_office_role(self.role)

    @property
    def state(self) -> str:
        return self.status.state

    @property
    def started(self) -> bool:
        """Start was pressed, or the intervention got past it another way (H3)."""
        return self.start_pressed or self.state in ("in_progress", "done")

    @property
    def locked(self) -> bool:
        """S3: closed means no change from devices, nor from technicians."""
        return self.closed and (self.source == "device" or not self.back_office)

    @property
    def time_tracking(self) -> str:
        return self.event_type.time_tracking if self.event_type else "none"

    @property
    def mandatory_time_tracking(self) -> bool:
        return bool(self.event_type and self.event_type.mandatory_time_tracking)

    @property
    def report_sending(self) -> str:
        return self.event_type.report_sending if self.event_type else "back_office"

    def can(self, right: str) -> bool:
        return self.workflow.can(self.role, right)


def facts_of(user: User, iv: Intervention, *, source: str = "web", work: InterventionWork | None | object = _UNSET,
             timer_running: bool | None = None) -> Facts:
    """The facts of ``iv`` for ``user`` acting from ``source``. ``work`` and
    ``timer_running`` may be given when already loaded (a list: see the sync pull),
    else they are read (two small queries)."""
    if source not in SOURCES:
        raise InvalidInput({"source": [f"unknown source {source!r}"]})
    reg = get_registry()
    w = work_of(iv) if work is _UNSET else work
    if timer_running is None:
        timer_running = open_segment(iv.id) is not None
    return Facts(
        role=user.role, assigned=user.id in {t.id for t in iv.technicians}, source=source, status=reg.status(iv.status),
        closed=w is not None and w.closed_at is not None, closed_reason=w.closed_reason if w is not None else None,
        start_pressed=w is not None and w.started_at is not None, timer_running=bool(timer_running),
        event_type=event_type_of(iv), workflow=reg.workflow,
    )


# --- the workflow's graph ------------------------------------------------------------------


def route(workflow: Workflow, from_key: str, target_state: str, role: str, via_states: tuple[str, ...]) -> list[str] | None:
    """The shortest list of statuses from ``from_key`` to a status of ``target_state``
    through transitions ``role`` may take, stopping on the way only at statuses of
    ``via_states`` (e.g. Start from Planned goes through Confirmed); None if there is none."""
    seen = {from_key}
    frontier: list[list[str]] = [[from_key]]
    while frontier:
        nxt = []
        for p in frontier:
            for s in workflow.allowed_transitions(p[-1], role):
                if s.key in seen:
                    continue
                if s.state == target_state:
                    return p[1:] + [s.key]
                if s.state in via_states:
                    seen.add(s.key)
                    nxt.append(p + [s.key])
        frontier = nxt
    return None


def start_route(f: Facts) -> list[str] | None:
    """The statuses Start walks through to be in progress ([] when it is already)."""
    if f.state == "in_progress":
        return []
    return route(f.workflow, f.status.key, "in_progress", f.role, ("planned", "confirmed"))


def finish_route(f: Facts) -> list[str] | None:
    """The statuses Finish walks through to be done."""
    return route(f.workflow, f.status.key, "done", f.role, ("in_progress",))


def back_to_confirmed_target(f: Facts) -> Status | None:
    """The confirmed status a done intervention goes back to, for this role."""
    return next((s for s in f.workflow.allowed_transitions(f.status.key, f.role) if s.state == "confirmed"), None)


# --- the rules ---------------------------------------------------------------------------


def _label(status: Status) -> str:
    return status.label_in(current_lang())


def lock_message(reason: str | None) -> str:
    if reason:
        return _("The office closed this intervention: %(reason)s", reason=reason)
    return _("The office closed this intervention: it cannot be changed any more.")


def _gate(f: Facts) -> Decision | None:
    """Visibility, then the lock: what refuses every change first."""
    if not sees(f.role, f.assigned):
        return _no("not_assigned", _("No such intervention."))
    if f.locked:
        return _no("closed", lock_message(f.closed_reason))
    return None


def _change(f: Facts, role_message: str) -> Decision | None:
    """The workflow's rights to change an intervention's data (S4): never a cancelled
    one; edit_after_done once done, edit_before_done before."""
    if f.state == "cancelled":
        return _no("cancelled", _("This intervention is cancelled: its answers cannot be changed."))
    if f.state == "done":
        if not f.can("edit_after_done"):
            return _no("done", _("This intervention is done: you may not change it any more (set it back to Confirmed first, if you have the right)."))
    elif not f.can("edit_before_done"):
        return _no("role", role_message)
    return None


def sees(role: str, assigned: bool) -> bool:
    """The back office sees every intervention; a technician those they are assigned to."""
    return access.is_back_office_role(role) or assigned


def may_view(user: User, iv: Intervention) -> bool:
    """The ``view`` answer without reading the work row: every load asks it."""
    return sees(user.role, user.id in {t.id for t in iv.technicians})


def _view(f: Facts) -> Decision:
    if not sees(f.role, f.assigned):
        return _no("not_assigned", _("No such intervention."))
    return ALLOWED


def _edit_answers(f: Facts) -> Decision:
    """The answers and the intervention's other data (tags): H3 applies to technicians."""
    refused = _gate(f) or _change(f, _("You may not change the answers of this intervention."))
    if refused is not None:
        return refused
    if f.mandatory_time_tracking and not f.back_office and not f.started:
        return _no("not_started", _("Press Start before filling in this intervention: time tracking is mandatory."))
    return ALLOWED


def _edit_appointment(f: Facts) -> Decision:
    """Date, client, technicians, type: the back office's job."""
    seen = _view(f)
    if not seen.allowed:
        return seen
    if not f.back_office:
        return _no("role", _("You may not change this intervention."))
    return _first(_gate(f), _change(f, _("You may not change this intervention.")))


def _start(f: Facts) -> Decision:
    refused = _gate(f)
    if refused is not None:
        return refused
    if f.state == "in_progress":
        return _no("already", _("This intervention is already started.")) if f.start_pressed else ALLOWED
    if f.state not in ("planned", "confirmed"):
        return _no("transition", _("This intervention cannot be started from “%(s)s”.", s=_label(f.status)))
    if start_route(f) is None:
        return _no("transition", _("You may not start this intervention."))
    return ALLOWED


def _timer(f: Facts, running: bool) -> Decision:
    """Pause (``running`` False: stop it) or Resume (True) the timer (H1)."""
    refused = _gate(f) or _change(f, _("You may not change this intervention."))
    if refused is not None:
        return refused
    if f.time_tracking != "automatic":
        return _no("timer", _("This event type has no timer (its time tracking is not automatic)."))
    if f.state != "in_progress":
        return _no("timer", _("The timer runs only while the intervention is in progress."))
    if f.timer_running == running:
        return _no("already", _("The timer is already running.") if running else _("The timer is not running."))
    return ALLOWED


def _finish(f: Facts) -> Decision:
    refused = _gate(f)
    if refused is not None:
        return refused
    if f.state == "done":
        return _no("already", _("This intervention is already done."))
    if f.state != "in_progress":
        return _no("transition", _("This intervention cannot be finished from “%(s)s”.", s=_label(f.status)))
    if finish_route(f) is None:
        return _no("transition", _("You may not finish this intervention from “%(s)s”.", s=_label(f.status)))
    return ALLOWED


def _back_to_confirmed(f: Facts) -> Decision:
    refused = _gate(f)
    if refused is not None:
        return refused
    if f.state != "done":
        return _no("transition", _("Only a done intervention can be set back to Confirmed."))
    if back_to_confirmed_target(f) is None or not f.can("back_to_confirmed"):
        return _no("transition", _("You may not set this intervention back to Confirmed."))
    return ALLOWED


def _transition(f: Facts, to_key: str) -> Decision:
    refused = _gate(f)
    if refused is not None:
        return refused
    try:
        target = f.workflow.status(to_key)
    except KeyError:
        return _no("transition", _("“%(b)s” is not a status.", b=to_key))
    if not f.workflow.can_transition(f.status.key, to_key, f.role):
        return _no("transition", _("You may not move this intervention from “%(a)s” to “%(b)s”.", a=_label(f.status), b=_label(target)))
    if f.state == "done" and target.state == "confirmed" and not f.can("back_to_confirmed"):
        return _no("transition", _("You may not set this intervention back to Confirmed."))
    return ALLOWED


def _cancel(f: Facts) -> Decision:
    refused = _gate(f)
    if refused is not None:
        return refused
    if cancel_target(f) is None:
        return _no("transition", _("This intervention cannot be cancelled by you now."))
    return ALLOWED


def cancel_target(f: Facts) -> Status | None:
    """The cancelled status this role may move the intervention to."""
    return next((s for s in f.workflow.allowed_transitions(f.status.key, f.role) if s.state == "cancelled"), None)


def _close_reopen(f: Facts, closing: bool) -> Decision:
    """The back office's lock (S3): not subject to itself."""
    seen = _view(f)
    if not seen.allowed:
        return seen
    if not f.can("close_reopen"):
        return _no("role", _("You may not close or reopen interventions."))
    if f.closed == closing:
        return _no("already", _("This intervention is already closed.") if closing else _("This intervention is not closed."))
    return ALLOWED


def _record_time(f: Facts) -> Decision:
    """H1, H2: the back office types times in every mode (the report tab); a technician,
    or any device, only in manual mode, under the rules of answers."""
    if f.back_office and f.source != "device":
        return _first(_gate(f), _change(f, _("You may not change this intervention.")))
    answers = _edit_answers(f)
    if not answers.allowed:
        return answers
    if f.time_tracking != "manual":
        return _no("mode", _("Times are typed in the back office for this event type."))
    return ALLOWED


def _upload_attachments(f: Facts) -> Decision:
    """Photos and signatures travel before the answers that name them; the answers carry
    the other rules."""
    return _first(_gate(f))


def _send_report(f: Facts) -> Decision:
    """R3: right send_report; a technician or a device only in mode device_when_done,
    once done; the back office always."""
    refused = _gate(f)
    if refused is not None:
        return refused
    if not f.can("send_report"):
        return _no("role", _("You may not send reports."))
    if f.state == "cancelled":
        return _no("cancelled", _("This intervention is cancelled: there is no report to send."))
    if f.source == "device" or not f.back_office:
        if f.report_sending != "device_when_done":
            return _no("mode", _("The report of this intervention is sent by the office."))
        if f.state != "done":
            return _no("not_done", _("The report can be sent once the intervention is done."))
    return ALLOWED


_RULES = {
    "view": _view, "edit_answers": _edit_answers, "edit_appointment": _edit_appointment, "start": _start,
    "pause": partial(_timer, running=False), "resume": partial(_timer, running=True), "finish": _finish,
    "back_to_confirmed": _back_to_confirmed, "cancel": _cancel, "close": partial(_close_reopen, closing=True),
    "reopen": partial(_close_reopen, closing=False), "record_time": _record_time, "upload_attachments": _upload_attachments,
    "send_report": _send_report,
}
assert set(_RULES) == set(ACTIONS)


def decide(f: Facts, action: str) -> Decision:
    """The answer to one question (an action of :data:`ACTIONS`, or ``transition:<key>``)."""
    if action.startswith(TRANSITION):
        return _transition(f, action[len(TRANSITION):])
    return _RULES[action](f)


def decisions(f: Facts) -> dict[str, Decision]:
    """Every answer for these facts: the actions, then one transition per status."""
    out = {a: decide(f, a) for a in ACTIONS}
    for s in f.workflow.statuses:
        if s.key != f.status.key:
            out[TRANSITION + s.key] = _transition(f, s.key)
    return out


def decision(user: User, iv: Intervention, action: str, *, source: str = "web") -> Decision:
    """One answer for ``user`` and ``iv`` (a page that asks one question)."""
    return decide(facts_of(user, iv, source=source), action)


def decisions_for(user: User, iv: Intervention, *, source: str = "web", **known) -> dict[str, Decision]:
    """Every answer for ``user`` and ``iv`` at once (``known``: see :func:`facts_of`)."""
    return decisions(facts_of(user, iv, source=source, **known))


def allowed_transitions(f: Facts) -> list[Status]:
    """The statuses the user may move the intervention to, in the workflow's order."""
    return [s for s in f.workflow.statuses if s.key != f.status.key and decide(f, TRANSITION + s.key).allowed]


# --- enforcing ---------------------------------------------------------------------------


def error_for(d: Decision, f: Facts) -> ServiceError:
    """The error a refused verb raises: the class, HTTP status and ``code`` the API and
    the phone have always received for it."""
    if d.code == "closed":
        return Locked(d.message or "", reason=f.closed_reason)
    if d.code == "not_assigned":
        return NotFound(d.message or "")
    if d.code == "not_started":
        return NotStarted(d.message or "")
    if d.code == "transition":
        return TransitionRefused(d.message or "")
    if d.code == "timer":
        return InvalidInput({"time_tracking": [d.message or ""]})
    return Forbidden(d.message or "")


def check(f: Facts, action: str) -> Decision:
    """Raise the matching error unless ``action`` is allowed on these facts. Returns the
    decision: allowed, or ``already`` (the verb then changes nothing)."""
    d = decide(f, action)
    if d.allowed or d.code == "already":
        return d
    raise error_for(d, f)


def enforce(user: User, iv: Intervention, action: str, *, source: str = "web") -> Decision:
    """:func:`check` for ``user`` doing ``action`` to ``iv`` now, from ``source``."""
    return check(facts_of(user, iv, source=source), action)


# --- the phone -----------------------------------------------------------------------------


def project(f: Facts, action: str) -> tuple[Facts, str]:
    """The facts once the offline ``action`` is applied by the server, and the status it
    leads to. A refused action changes nothing (the server will refuse it too)."""
    d = decide(f, action)
    if not d.allowed:
        return f, f.status.key
    wf = f.workflow
    if action == "start":
        key = (start_route(f) or [f.status.key])[-1]
        return replace(f, status=wf.status(key), start_pressed=True, timer_running=f.timer_running or f.time_tracking == "automatic"), key
    if action == "pause":
        return replace(f, timer_running=False), f.status.key
    if action == "resume":
        return replace(f, timer_running=True, start_pressed=True), f.status.key
    if action == "finish":
        key = (finish_route(f) or [f.status.key])[-1]
        return replace(f, status=wf.status(key), timer_running=False), key
    if action == "back_to_confirmed":
        target = back_to_confirmed_target(f)
        return replace(f, status=target, start_pressed=True), target.key  # a done intervention was started
    raise ValueError(f"not an offline action: {action}")


def phone_rights(f: Facts) -> dict:
    """What the sync pull sends per intervention for the phone to obey, offline too.

    ``rights``: the answers now (:data:`PHONE_ACTIONS`), each ``{"allowed", "code",
    "message"}`` in the user's language.

    ``after``: the phone cannot ask the server after an action it took offline (Start
    pressed in a cellar), so the server says beforehand what will hold: for each action
    of :data:`OFFLINE_ACTIONS` the phone may reach from here, alone or after others
    (Start, then Pause, then Finish...), the status it leads to and the answers once the
    server has applied it. The phone shows ``after[<its latest pending action>]`` until
    the next pull brings the server's own answers. That one entry per action is enough
    because each offline action sets what it leads to (the status, started, the timer)
    whatever came before it; each effect is the server's own (:func:`project`), so the
    phone derives nothing.
    """

    def answers(facts: Facts) -> dict:
        return {a: decide(facts, a).as_dict() for a in PHONE_ACTIONS}

    def situation(facts: Facts) -> tuple:
        return facts.status.key, facts.start_pressed, facts.timer_running

    after: dict[str, dict] = {}
    seen = {situation(f)}
    frontier = [f]
    while frontier:
        reached = []
        for facts in frontier:
            for action in OFFLINE_ACTIONS:
                if action in after or not decide(facts, action).allowed:
                    continue
                projected, key = project(facts, action)
                after[action] = {"status": key, "rights": answers(projected)}
                if situation(projected) not in seen:
                    seen.add(situation(projected))
                    reached.append(projected)
        frontier = reached
    return {"rights": answers(f), "after": after}


# --- installed equipment (issue 15) ----------------------------------------------------------


def may_edit_equipment(user: User) -> bool:
    """The back office keeps the clients' equipment (create, edit); technicians change it
    only through their answers (an event type's ``equipment_updates``, applied when the
    intervention is done)."""
    return access.can_plan(user)


def visible_equipment(user: User, stmt: sa.Select) -> sa.Select:
    """Restrict a select of equipment to what ``user`` may see: all of it for the back
    office; for a technician, the equipment their interventions target."""
    if access.is_back_office(user):
        return stmt
    mine = (
        sa.select(Intervention.equipment_id)
        .join(intervention_technicians, intervention_technicians.c.intervention_id == Intervention.id)
        .where(intervention_technicians.c.user_id == user.id, Intervention.equipment_id.is_not(None))
    )
    return stmt.where(Equipment.id.in_(mine))
