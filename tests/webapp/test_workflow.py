"""Statuses (S1–S3), time (H1–H3) and completion guards, through the services every
caller uses: every transition of workflow.json for every role, Start/Pause/Resume/Finish
with the device's instants, mandatory Start, the guards' full list, close/reopen against
device edits, signatures bound to the answers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from webapp.extensions import db
from webapp.models import AuditLog, Intervention, InterventionWork, TimeSegment
from webapp.services import save_submission, workflow
from webapp.services.errors import Conflict, Forbidden, Incomplete, Locked, NotStarted, TransitionRefused

from tests.workflow_helpers import acting, call, complete_answers, example, fill

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = json.loads((ROOT / "form_definitions/workflow.json").read_text(encoding="utf-8"))
STATES = {s["key"]: s["state"] for s in WORKFLOW["statuses"]}
ROLE_USERS = {"manager": "manager", "office": "office", "technician": "tech1"}
T0 = datetime(2030, 3, 4, 8, 0, tzinfo=timezone.utc)


def _status(app, iv):
    with app.app_context():
        return db.session.get(Intervention, iv).status


def _audit(app, iv, action=None):
    with app.app_context():
        q = sa.select(AuditLog).where(AuditLog.entity == "intervention", AuditLog.entity_id == str(iv)).order_by(AuditLog.id)
        if action:
            q = q.where(AuditLog.action == action)
        return [(a.action, a.from_value, a.to_value, a.details) for a in db.session.scalars(q)]


# -- every transition for every role --------------------------------------------------------

TRANSITION_CASES = [(t["from"], t["to"], role, role in t["roles"]) for t in WORKFLOW["transitions"] for role in ROLE_USERS]
#: pairs that are not transitions: refused for everyone
NOT_TRANSITIONS = [("planned", "done"), ("planned", "in_progress"), ("confirmed", "done"), ("done", "cancelled"), ("cancelled", "done"), ("planned", "nowhere")]


@pytest.mark.parametrize("from_key, to_key, role, allowed", TRANSITION_CASES, ids=[f"{a}->{b}-{r}" for a, b, r, _ in TRANSITION_CASES])
def test_every_transition_for_every_role(app, users, factory, from_key, to_key, role, allowed):
    # installation: no time typed on the device, guards on forms, photos and signatures
    iv = factory.intervention([users["tech1"]], event_type_id="installation", status=from_key)
    uid = users[ROLE_USERS[role]]
    if not allowed:
        with pytest.raises(TransitionRefused) as exc:
            call(app, uid, workflow.transition, iv, to_key)
        assert exc.value.code == "transition" and exc.value.status_code == 403
        assert _status(app, iv) == from_key
        return
    if STATES[to_key] == "done":
        # Done goes through the completion guards: permitted by the workflow, refused by them
        with pytest.raises(Incomplete):
            call(app, uid, workflow.transition, iv, to_key)
        fill(app, users["office"], iv, complete_answers(app, iv, ["installation", "photos-signatures"], with_files=False))
    call(app, uid, workflow.transition, iv, to_key)
    assert _status(app, iv) == to_key
    rows = _audit(app, iv, "status")
    assert rows[-1][1:3] == (from_key, to_key) and rows[-1][3]["source"] == "web"


@pytest.mark.parametrize("from_key, to_key", NOT_TRANSITIONS)
@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_what_is_not_a_transition_is_refused(app, users, factory, from_key, to_key, role):
    iv = factory.intervention([users["tech1"]], event_type_id="entretien-chaudiere", status=from_key)
    with pytest.raises(TransitionRefused):
        call(app, users[ROLE_USERS[role]], workflow.transition, iv, to_key)
    assert _status(app, iv) == from_key and _audit(app, iv) == []


def test_transition_checks_the_version(app, users, factory):
    iv = factory.intervention([users["tech1"]], event_type_id="entretien-chaudiere")
    call(app, users["office"], workflow.transition, iv, "confirmed", expected_version=1)
    with pytest.raises(Conflict):
        call(app, users["office"], workflow.transition, iv, "in_progress", expected_version=1)
    assert _status(app, iv) == "confirmed"


# -- Start / Pause / Resume / Finish (automatic time tracking) ------------------------------------


def test_timer_segments_and_finish_from_device_instants(app, users, factory):
    iv = factory.intervention([users["tech1"]], event_type_id="entretien-poele", status="planned")
    tech = users["tech1"]
    call(app, tech, workflow.start_intervention, iv, at=T0, source="device")
    assert _status(app, iv) == "in_progress"  # through Confirmed: Planned -> Confirmed -> In progress
    assert [r[1:3] for r in _audit(app, iv, "status")] == [("planned", "confirmed"), ("confirmed", "in_progress")]
    fill(app, tech, iv, complete_answers(app, iv, ["entretien-poele", "photos-signatures"], with_files=False))
    call(app, tech, workflow.pause_intervention, iv, at=T0 + timedelta(minutes=30), source="device")
    call(app, tech, workflow.pause_intervention, iv, at=T0 + timedelta(minutes=35), source="device")  # idempotent
    call(app, tech, workflow.resume_intervention, iv, at=T0 + timedelta(minutes=40), source="device")
    call(app, tech, workflow.finish_intervention, iv, travel_minutes=25, at=T0 + timedelta(minutes=70), source="device")
    with app.app_context():
        segs = [(s.started_at, s.ended_at) for s in db.session.scalars(sa.select(TimeSegment).order_by(TimeSegment.id))]
        w = db.session.get(InterventionWork, iv)
        assert segs == [(T0, T0 + timedelta(minutes=30)), (T0 + timedelta(minutes=40), T0 + timedelta(minutes=70))]
        assert (w.actual_minutes, w.travel_minutes, w.started_at, w.done_at) == (60, 25, T0, T0 + timedelta(minutes=70))
    assert _status(app, iv) == "done"
    finish = _audit(app, iv, "finish")[0]
    assert finish[3]["source"] == "device" and finish[3]["at"] == (T0 + timedelta(minutes=70)).isoformat()
    # finishing again (a replayed device action) changes nothing
    call(app, tech, workflow.finish_intervention, iv, source="device")
    assert len(_audit(app, iv, "finish")) == 1


def test_pause_needs_the_automatic_mode(app, users, factory):
    iv = factory.intervention([users["tech1"]], event_type_id="entretien-chaudiere", status="in_progress")
    from webapp.services.errors import InvalidInput

    with pytest.raises(InvalidInput):
        call(app, users["tech1"], workflow.pause_intervention, iv)


def test_stale_version_is_a_conflict(app, users, factory):
    iv = factory.intervention([users["tech1"]], event_type_id="entretien-poele", status="confirmed")
    call(app, users["tech1"], workflow.start_intervention, iv, expected_version=1)
    with pytest.raises(Conflict) as exc:
        call(app, users["tech1"], workflow.pause_intervention, iv, expected_version=1)
    assert exc.value.code == "conflict"


# -- completion guards ----------------------------------------------------------------------------


def test_finish_refused_with_the_whole_list(app, users, factory):
    iv = factory.intervention([users["tech1"]], event_type_id="entretien-poele", status="in_progress")  # no Start pressed
    with pytest.raises(Incomplete) as exc:
        call(app, users["tech1"], workflow.finish_intervention, iv)
    codes = [m["code"] for m in exc.value.missing]
    assert codes == ["form_missing", "form_missing", "photos", "signature_technician", "signature_client", "timer"]
    assert exc.value.code == "incomplete" and exc.value.status_code == 422
    assert "Au moins 2 photo(s)" in " ".join(m["message"] for m in exc.value.missing)  # French first
    assert _status(app, iv) == "in_progress"


def test_guards_one_by_one(app, users, factory):
    iv = factory.intervention([users["tech1"]], event_type_id="entretien-poele", status="confirmed")
    tech = users["tech1"]
    call(app, tech, workflow.start_intervention, iv)
    answers = complete_answers(app, iv, ["entretien-poele", "photos-signatures"], with_files=False)
    sig = answers["photos-signatures"]
    sig["photos_apres"] = []
    sig["photos_avant"] = sig["photos_avant"][:1]
    sig.pop("photo_document")
    del sig["signature_client"]
    sig["client_absent"] = True
    sig["motif_absence_signature"] = "Client parti avant la fin"
    sig.pop("qualite_signataire", None)
    sig["photos_apres"] = sig["photos_avant"]  # the same photo twice counts once
    answers["entretien-poele"]["appareil"].pop("photo_plaque", None)
    fill(app, tech, iv, answers)
    with acting(app, tech):
        with app.test_request_context():
            missing = workflow.completion_missing(db.session.get(Intervention, iv), "en")
    assert [m["code"] for m in missing] == ["photos", "signature_client"]
    assert missing[0]["message"].startswith("At least 2 photo")


def test_manual_mode_asks_the_duration_on_the_device(app, users, factory):
    iv = factory.intervention([users["tech1"]], event_type_id="entretien-chaudiere", status="in_progress")
    fill(app, users["tech1"], iv, complete_answers(app, iv, ["entretien-chaudiere", "photos-signatures"], with_files=False))
    with pytest.raises(Incomplete) as exc:
        call(app, users["tech1"], workflow.finish_intervention, iv, source="device")
    assert [m["code"] for m in exc.value.missing] == ["duration"]
    call(app, users["tech1"], workflow.finish_intervention, iv, duration_minutes=75, travel_minutes=20, source="device")
    with app.app_context():
        w = db.session.get(InterventionWork, iv)
        assert (w.actual_minutes, w.travel_minutes) == (75, 20)


# -- mandatory time tracking (H3) ---------------------------------------------------------------


def _stored(app, iv, form_id):
    """(answers, version, who last saved them) of the intervention's form, as stored."""
    from webapp.extensions import db
    from webapp.models import Submission

    with app.app_context():
        sub = db.session.scalar(sa.select(Submission).where(Submission.intervention_id == iv, Submission.form_id == form_id))
        return None if sub is None else (sub.data, sub.version, sub.updated_by_id)


def test_mandatory_start_before_any_answer(app, users, factory):
    iv = factory.intervention([users["tech1"]], event_type_id="entretien-poele", status="confirmed")
    data = example("entretien-poele")
    with pytest.raises(NotStarted) as exc:
        call(app, users["tech1"], save_submission, iv, "entretien-poele", data)
    assert exc.value.code == "not_started" and exc.value.status_code == 409
    assert "Démarrer" in exc.value.message
    assert _stored(app, iv, "entretien-poele") is None  # refused: nothing written
    corrected = {**data, "observations": "Saisi par le bureau."}
    call(app, users["office"], save_submission, iv, "entretien-poele", corrected)  # the back office corrects any time
    assert _stored(app, iv, "entretien-poele") == (corrected, 1, users["office"])
    call(app, users["tech1"], workflow.start_intervention, iv)
    call(app, users["tech1"], save_submission, iv, "entretien-poele", data)
    assert _stored(app, iv, "entretien-poele") == (data, 2, users["tech1"])


def test_no_mandatory_start_without_the_option(app, users, factory):
    """Without mandatory time tracking a technician fills the forms before Start, and the
    intervention stays as it was (not started, same status)."""
    iv = factory.intervention([users["tech1"]], event_type_id="entretien-chaudiere", status="confirmed")
    data = example("entretien-chaudiere")
    call(app, users["tech1"], save_submission, iv, "entretien-chaudiere", data)
    assert _stored(app, iv, "entretien-chaudiere") == (data, 1, users["tech1"])
    with app.app_context():
        from webapp.extensions import db
        from webapp.models import Intervention, InterventionWork

        assert db.session.get(Intervention, iv).status == "confirmed"
        work = db.session.get(InterventionWork, iv)
        assert work is None or work.started_at is None


# -- close / reopen (S3) ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["planned", "confirmed", "in_progress", "done"])
def test_closed_refuses_every_change_from_devices(app, users, factory, status):
    iv = factory.intervention([users["tech1"]], event_type_id="entretien-chaudiere", status=status)
    call(app, users["office"], workflow.close_intervention, iv, reason="Facturé, dossier clos")
    tech = users["tech1"]
    attempts = [
        lambda u: save_submission(u, iv, "entretien-chaudiere", example("entretien-chaudiere")),
        lambda u: workflow.start_intervention(u, iv, source="device"),
        lambda u: workflow.finish_intervention(u, iv, duration_minutes=30, source="device"),
        lambda u: workflow.back_to_confirmed(u, iv, source="device"),
        lambda u: workflow.record_time(u, iv, actual_minutes=30, source="device"),
        lambda u: workflow.transition(u, iv, "cancelled", source="device"),
    ]
    for attempt in attempts:
        with acting(app, tech) as u, pytest.raises(Locked) as exc:
            attempt(u)
        assert exc.value.code == "closed" and exc.value.reason == "Facturé, dossier clos"
    # even the office's own device actions are refused; its back office is not
    with pytest.raises(Locked):
        call(app, users["office"], workflow.record_time, iv, actual_minutes=30, source="device")
    call(app, users["office"], workflow.record_time, iv, actual_minutes=30)
    # the technician cannot reopen; the office can, and the device may change it again
    with pytest.raises(Forbidden):
        call(app, tech, workflow.reopen_intervention, iv)
    call(app, users["office"], workflow.reopen_intervention, iv)
    if status != "done":
        call(app, tech, save_submission, iv, "entretien-chaudiere", example("entretien-chaudiere"))
    assert [r[0] for r in _audit(app, iv) if r[0] in ("close", "reopen")] == ["close", "reopen"]


def test_close_and_reopen_on_the_detail_page(app, client, auth, users, factory):
    iv = factory.intervention([users["tech1"]], event_type_id="entretien-chaudiere", status="in_progress")
    auth.login("office")
    page = client.get(f"/interventions/{iv}").get_data(as_text=True)
    assert "Clôturer" in page and "Ré-ouvrir" not in page
    client.post(f"/interventions/{iv}/close", data={"reason": "Attente facture"})
    page = client.get(f"/interventions/{iv}").get_data(as_text=True)
    assert "Ré-ouvrir" in page and "Attente facture" in page and "Clôturé" in page
    auth.logout()
    auth.login("tech1")
    page = client.get(f"/interventions/{iv}").get_data(as_text=True)
    assert "Attente facture" in page and "Ré-ouvrir" not in page and "Terminer" not in page
    response = client.post(f"/interventions/{iv}/finish", data={"duration_minutes": "30"}, follow_redirects=True)
    assert "Attente facture" in response.get_data(as_text=True)
    assert _status(app, iv) == "in_progress"


# -- back to confirmed (S4) ------------------------------------------------------------------------


def test_technician_sets_done_back_to_confirmed_then_edits(app, users, factory):
    iv = factory.intervention([users["tech1"]], event_type_id="entretien-chaudiere", status="done")
    data = example("entretien-chaudiere")
    with pytest.raises(Forbidden):
        call(app, users["tech1"], save_submission, iv, "entretien-chaudiere", data)  # edit_after_done: back office only
    call(app, users["tech1"], workflow.back_to_confirmed, iv, source="device")
    assert _status(app, iv) == "confirmed"
    call(app, users["tech1"], save_submission, iv, "entretien-chaudiere", data)


def test_back_to_confirmed_needs_the_right(app, users, factory):
    from dataclasses import replace

    from webapp.registry import get_registry

    reg = get_registry(app)
    reg.workflow = replace(reg.workflow, rights={**reg.workflow.rights, "back_to_confirmed": ["manager", "office"]})
    iv = factory.intervention([users["tech1"]], event_type_id="entretien-chaudiere", status="done")
    with pytest.raises(TransitionRefused):
        call(app, users["tech1"], workflow.back_to_confirmed, iv)
    with pytest.raises(TransitionRefused):
        call(app, users["tech1"], workflow.transition, iv, "confirmed")
    call(app, users["office"], workflow.back_to_confirmed, iv)
    assert _status(app, iv) == "confirmed"


# -- time typed in the back office or on the device (H1, H2) ---------------------------------------


def test_times_by_mode(app, client, auth, users, factory):
    from webapp.services.errors import InvalidInput

    none_mode = factory.intervention([users["tech1"]], event_type_id="installation", status="done")
    manual = factory.intervention([users["tech1"]], event_type_id="entretien-chaudiere", status="in_progress")
    with pytest.raises(Forbidden):
        call(app, users["tech1"], workflow.record_time, none_mode, actual_minutes=400)
    with pytest.raises(InvalidInput):
        call(app, users["office"], workflow.record_time, none_mode, travel_minutes=10)  # installation has no travel time
    auth.login("office")
    client.post(f"/interventions/{none_mode}/time", data={"actual_minutes": "405"})
    page = client.get(f"/interventions/{none_mode}").get_data(as_text=True)
    assert "6 h 45" in page
    call(app, users["tech1"], workflow.record_time, manual, actual_minutes=50, travel_minutes=15, source="device")
    page = client.get(f"/interventions/{manual}").get_data(as_text=True)
    assert "50 min" in page and "15 min" in page
    assert _audit(app, manual, "time")[0][3]["actual"] == [None, 50]


# -- signatures bound to the answers -----------------------------------------------------------------


def test_signature_no_longer_valid_after_a_change(app, client, auth, users, factory):
    from webapp.services.signatures import signature_states

    iv = factory.intervention([users["tech1"]], event_type_id="entretien-chaudiere", status="in_progress")
    answers = complete_answers(app, iv, ["photos-signatures"], with_files=False)
    fill(app, users["tech1"], iv, answers)
    with app.app_context():
        states = signature_states(iv)
    assert [(s.signer, s.signer_name, s.valid) for s in states] == [("client", "Marie Cotillon", True), ("technician", "Pierre Paul Jacques", True)]
    assert states[1].signed_at == datetime(2026, 11, 24, 15, 18, tzinfo=timezone.utc)
    changed = json.loads(json.dumps(answers["photos-signatures"]))
    changed["remarques_client"] = "Finalement, il reste de la suie."
    call(app, users["office"], save_submission, iv, "photos-signatures", changed)
    with app.app_context():
        assert [s.valid for s in signature_states(iv)] == [False, False]
    auth.login("office")
    page = client.get(f"/interventions/{iv}").get_data(as_text=True)
    assert "n'est plus valide" in page
    # the client signs again (a new signature image): valid for the answers as they are now
    changed["signature_client"] = {**changed["signature_client"], "attachment": "6c1d3f1e-9a0b-4c5d-8e7f-0a1b2c3d4e5f"}
    call(app, users["office"], save_submission, iv, "photos-signatures", changed)
    with app.app_context():
        assert [(s.signer, s.valid) for s in signature_states(iv)] == [("client", True), ("technician", False)]


# -- the detail page reads the policy -----------------------------------------------------------


def test_the_detail_page_shows_what_the_policy_allows_and_why_not(app, client, auth, users, factory):
    """A technician on a stove maintenance (mandatory time tracking) before Start: Start is
    offered, the forms are not, and the page says why; once started: Pause and Finish, and
    the forms open."""
    iv = factory.intervention([users["tech1"]], event_type_id="entretien-poele", status="confirmed")
    auth.login("tech1")
    page = client.get(f"/interventions/{iv}").get_data(as_text=True)
    assert f"/interventions/{iv}/start" in page and f"/interventions/{iv}/finish" not in page and f"/interventions/{iv}/pause" not in page
    assert 'data-code="not_started"' in page and "Appuyez sur Démarrer" in page
    assert "▶ Démarrer" in page  # the button the message names ("Début" is the start of a time range)
    assert f"/interventions/{iv}/forms/entretien-poele/edit" not in page
    assert client.get(f"/interventions/{iv}/forms/entretien-poele/edit").status_code == 409  # the direct address says the same
    call(app, users["tech1"], workflow.start_intervention, iv)
    page = client.get(f"/interventions/{iv}").get_data(as_text=True)
    assert f"/interventions/{iv}/start" not in page and f"/interventions/{iv}/pause" in page and f"/interventions/{iv}/finish" in page
    assert "edit-refused" not in page and f"/interventions/{iv}/forms/entretien-poele/edit" in page
    assert f"/interventions/{iv}/close" not in page  # close_reopen is the back office's
