"""The rights policy, checked against a table written here from the product's rules, not
recomputed by the policy's code: every role (manager, office, the assigned technician,
another technician) × canonical state × closed or not × Start pressed or not × time
tracking (none, manual, automatic, each with and without mandatory time tracking), on real
rows through :func:`webapp.services.policy.decisions_for`.

Where the expectations come from:

* workflow.json: planned → confirmed → in_progress → done, done → confirmed, cancelling
  from planned/confirmed/in_progress (back office only); rights edit_before_done (all),
  edit_after_done (back office), back_to_confirmed (all), close_reopen (back office),
  send_report (all);
* S3: closed, nothing changes from a device or a technician, whatever the status, until
  the office reopens it; the back office keeps working on it;
* S4: an appointment is the back office's; a done intervention is changed by the roles
  of edit_after_done, or after going back to Confirmed;
* H1–H3: the timer exists in automatic mode only; the technician types times in manual
  mode only (the back office in every mode); with mandatory time tracking nothing is
  filled in before Start (the back office is not held by it);
* R3 (event types here send the report from the device once done): the technician sends
  once done, the back office any time;
* a technician reaches only the interventions they are assigned to.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from flask_login import login_user
from sqlalchemy.orm import selectinload

from engine.project import EventType
from webapp.extensions import db
from webapp.models import Intervention, InterventionWork, TimeSegment, User
from webapp.registry import get_registry
from webapp.services import load_intervention, policy
from webapp.services.errors import Forbidden, InvalidInput, Locked, NotFound, NotStarted, TransitionRefused

from tests.workflow_helpers import acting

T0 = datetime(2030, 3, 4, 8, 0, tzinfo=timezone.utc)
STATES = ("planned", "confirmed", "in_progress", "done", "cancelled")
MODES = [(mode, mandatory) for mode in ("none", "manual", "automatic") for mandatory in (False, True)]

# --- the table: an intervention open, of an automatic-timer, manual-time event type -------------
#
# Columns: planned, confirmed, in progress with Start never pressed (I0: no timer running),
# in progress started (I1: its timer running in automatic mode), done, cancelled.
# "yes" allowed; any other word is the refusal's code. The rules below the table change it
# for closed interventions (S3), mandatory time tracking (H3) and the other time modes.

TABLE = """
action              who          planned      confirmed    I0           I1           done         cancelled
view                back_office  yes          yes          yes          yes          yes          yes
view                technician   yes          yes          yes          yes          yes          yes
edit_answers        back_office  yes          yes          yes          yes          yes          cancelled
edit_answers        technician   yes          yes          yes          yes          done         cancelled
edit_appointment    back_office  yes          yes          yes          yes          yes          cancelled
edit_appointment    technician   role         role         role         role         role         role
start               back_office  yes          yes          yes          already      transition   transition
start               technician   yes          yes          yes          already      transition   transition
pause               back_office  timer        timer        already      yes          timer        cancelled
pause               technician   timer        timer        already      yes          done         cancelled
resume              back_office  timer        timer        yes          already      timer        cancelled
resume              technician   timer        timer        yes          already      done         cancelled
finish              back_office  transition   transition   yes          yes          already      transition
finish              technician   transition   transition   yes          yes          already      transition
back_to_confirmed   back_office  transition   transition   transition   transition   yes          transition
back_to_confirmed   technician   transition   transition   transition   transition   yes          transition
cancel              back_office  yes          yes          yes          yes          transition   transition
cancel              technician   transition   transition   transition   transition   transition   transition
close               back_office  yes          yes          yes          yes          yes          yes
close               technician   role         role         role         role         role         role
reopen              back_office  already      already      already      already      already      already
reopen              technician   role         role         role         role         role         role
record_time         back_office  yes          yes          yes          yes          yes          cancelled
record_time         technician   yes          yes          yes          yes          done         cancelled
upload_attachments  back_office  yes          yes          yes          yes          yes          yes
upload_attachments  technician   yes          yes          yes          yes          yes          yes
send_report         back_office  yes          yes          yes          yes          yes          cancelled
send_report         technician   not_done     not_done     not_done     not_done     yes          cancelled
"""

COLUMNS = ("planned", "confirmed", "I0", "I1", "done", "cancelled")


def _grid() -> dict[tuple[str, str], dict[str, str]]:
    rows = [line.split() for line in TABLE.strip().splitlines()[1:]]
    return {(action, who): dict(zip(COLUMNS, cells)) for action, who, *cells in rows}


GRID = _grid()
ACTIONS = sorted({action for action, _who in GRID})


def expected(action: str, role: str, state: str, closed: bool, started: bool, mode: str, mandatory: bool) -> str:
    """The table's cell, changed by the product's rules for this case."""
    if role == "stranger":  # another technician's intervention: out of reach
        return "not_assigned"
    who = "technician" if role == "technician" else "back_office"
    column = ("I1" if started else "I0") if state == "in_progress" else state
    cell = GRID[(action, who)][column]
    if action == "close" and closed:
        cell = "already" if who == "back_office" else cell
    if action == "reopen" and closed:
        cell = "yes" if who == "back_office" else cell
    # S3: closed, nothing changes from the technician's device (the appointment's "role",
    # close/reopen's "role" and viewing are not about the lock)
    if closed and who == "technician" and action not in ("view", "edit_appointment", "close", "reopen"):
        return "closed"
    # H3: with mandatory time tracking, a technician fills nothing in before Start
    # (in progress and done count as started)
    if mandatory and who == "technician" and not started and state in ("planned", "confirmed") and action in ("edit_answers", "record_time") and cell == "yes":
        return "not_started"
    # H1: the timer exists in automatic mode only
    if action in ("pause", "resume") and mode != "automatic" and cell in ("yes", "already", "timer"):
        return "timer"
    # H1: the technician types the times in manual mode only
    if action == "record_time" and who == "technician" and mode != "manual" and cell == "yes":
        return "mode"
    return cell


# --- the rows ------------------------------------------------------------------------------------


def _event_type_id(mode: str, mandatory: bool) -> str:
    return f"tt-{mode}" + ("-mandatory" if mandatory else "")


@pytest.fixture
def event_types(app):
    """One event type per time tracking mode, with and without mandatory time tracking; the
    report is sent from the device once done."""
    reg = get_registry(app)
    reg.event_types = {
        **reg.event_types,
        **{_event_type_id(m, k): EventType(id=_event_type_id(m, k), title=_event_type_id(m, k), forms=[], time_tracking=m, mandatory_time_tracking=k,
                                           travel_time=True, report_sending="device_when_done") for m, k in MODES},
    }


def _make(app, factory, users, state: str, closed: bool, started: bool, mode: str, mandatory: bool) -> int:
    iv = factory.intervention([users["tech1"]], start=T0, status=state, event_type_id=_event_type_id(mode, mandatory), closed=closed)
    if started:
        with app.app_context():
            w = db.session.get(InterventionWork, iv) or InterventionWork(intervention_id=iv)
            w.started_at = T0
            db.session.add(w)
            if mode == "automatic" and state == "in_progress":  # started: its timer runs
                db.session.add(TimeSegment(intervention_id=iv, started_at=T0))
            db.session.commit()
    return iv


ROLES = {"manager": "manager", "office": "office", "technician": "tech1", "stranger": "tech2"}
SOURCE = {"manager": "web", "office": "web", "technician": "device", "stranger": "device"}


def test_every_role_state_lock_start_and_time_mode(app, users, factory, event_types):
    cases = []
    for state in STATES:
        for closed in (False, True):
            for started in (False, True):
                for mode, mandatory in MODES:
                    cases.append(((state, closed, started, mode, mandatory), _make(app, factory, users, state, closed, started, mode, mandatory)))
    failures, refusals = [], 0
    for role, username in ROLES.items():
        with acting(app, users[username]) as user:
            rows = {iv.id: iv for iv in db.session.scalars(sa.select(Intervention).options(selectinload(Intervention.technicians)))}
            for (state, closed, started, mode, mandatory), iv_id in cases:
                got = policy.decisions_for(user, rows[iv_id], source=SOURCE[role])
                for action in ACTIONS:
                    want = expected(action, role, state, closed, started, mode, mandatory)
                    d = got[action]
                    have = "yes" if d.allowed else d.code
                    if have != want:
                        failures.append(f"{action:<18} {role:<10} {state:<11} {'closed' if closed else 'open':<6} {'started' if started else '-':<7} {mode}{'+mandatory' if mandatory else ''}: {have}, expected {want}")
                    if d.allowed:
                        assert d.code is None and d.message is None
                    else:
                        refusals += 1
                        assert d.message, (action, role, state, d)  # every refusal says why
    assert not failures, f"{len(failures)} decisions differ from the table:\n" + "\n".join(failures[:40])
    assert len(cases) == 120 and refusals > 1000


# --- how the services enforce the answers ----------------------------------------------------------


@pytest.mark.parametrize("code, error, status", [
    ("closed", Locked, 423), ("not_started", NotStarted, 409), ("transition", TransitionRefused, 403), ("not_assigned", NotFound, 404),
    ("timer", InvalidInput, 422), ("role", Forbidden, 403), ("cancelled", Forbidden, 403), ("done", Forbidden, 403), ("mode", Forbidden, 403),
    ("not_done", Forbidden, 403),
])
def test_each_refusal_is_the_error_the_api_always_returned(app, code, error, status):
    facts = policy.Facts(role="technician", assigned=True, source="device", status=get_registry(app).workflow.status("planned"), closed=True,
                         closed_reason="Facturé", start_pressed=False, timer_running=False, event_type=None, workflow=get_registry(app).workflow)
    with app.test_request_context():
        exc = policy.error_for(policy.Decision(False, code, "why"), facts)
    assert type(exc) is error and exc.status_code == status
    if code == "closed":
        assert exc.code == "closed" and exc.reason == "Facturé"


def test_a_refusal_reads_in_the_users_language(app, users, factory, event_types):
    iv = _make(app, factory, users, "confirmed", False, False, "automatic", True)
    with acting(app, users["tech1"]) as user:
        fr = policy.decision(user, load_intervention(iv, user), "edit_answers", source="device")
    with app.test_request_context(headers={"Accept-Language": "en"}, path="/api/v1/sync/pull"):
        user = db.session.get(User, users["tech1"])
        login_user(user)
        en = policy.decision(user, load_intervention(iv, user), "edit_answers", source="device")
        db.session.remove()
    assert (fr.code, en.code) == ("not_started", "not_started")
    assert "Appuyez sur Démarrer" in fr.message and "Press Start" in en.message


def test_the_office_on_a_device_obeys_the_lock_too(app, users, factory, event_types):
    """S3 is about devices: the office's own phone may not change a closed intervention, its
    back office may."""
    iv = _make(app, factory, users, "in_progress", True, True, "manual", False)
    with acting(app, users["office"]) as user:
        loaded = load_intervention(iv, user)
        assert policy.decision(user, loaded, "edit_answers", source="device").code == "closed"
        assert policy.decision(user, loaded, "edit_answers", source="web").allowed


# --- what the phone is told, offline included --------------------------------------------------------


def test_the_phone_is_told_what_holds_after_each_action_it_may_take_offline(app, users, factory, event_types):
    """Start pressed offline under mandatory time tracking: the phone must unlock the forms
    the server will accept once Start arrives, and offer Pause, then Resume and Finish —
    what the server says in ``after``, for each action reachable from here."""
    iv = _make(app, factory, users, "confirmed", False, False, "automatic", True)
    with acting(app, users["tech1"]) as user:
        sent = policy.phone_rights(policy.facts_of(user, load_intervention(iv, user), source="device"))
    now, after = sent["rights"], sent["after"]
    assert now["edit_answers"]["code"] == "not_started" and now["start"]["allowed"] and not now["pause"]["allowed"]
    assert set(after) == {"start", "pause", "resume", "finish", "back_to_confirmed"}
    assert after["start"]["status"] == "in_progress"
    started = after["start"]["rights"]
    assert started["edit_answers"]["allowed"] and started["pause"]["allowed"] and started["finish"]["allowed"]
    assert started["start"]["code"] == "already" and not started["resume"]["allowed"]
    paused = after["pause"]["rights"]
    assert paused["resume"]["allowed"] and paused["pause"]["code"] == "already" and paused["edit_answers"]["allowed"]
    assert after["finish"]["status"] == "done"
    done = after["finish"]["rights"]
    assert done["edit_answers"]["code"] == "done" and done["back_to_confirmed"]["allowed"] and done["send_report"]["allowed"]
    assert after["back_to_confirmed"]["status"] == "confirmed"
    back = after["back_to_confirmed"]["rights"]
    assert back["edit_answers"]["allowed"] and back["start"]["allowed"]  # S4: changed again, no second Start needed (H3)


def test_nothing_is_offered_offline_on_a_closed_intervention(app, users, factory, event_types):
    iv = _make(app, factory, users, "confirmed", True, False, "automatic", False)
    with acting(app, users["tech1"]) as user:
        sent = policy.phone_rights(policy.facts_of(user, load_intervention(iv, user), source="device"))
    assert sent["after"] == {}
    assert {d["code"] for d in sent["rights"].values()} == {"closed"}
