"""``fieldforms intervention …``: the command line obeys the same rules as the back office
and the devices (issue 6), because it calls the same services with a named actor. A
refusal prints the service's message (French by default, ``--lang en``) and exits 1,
never with a traceback; what it does is audited with the source "cli"."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from cli import main
from webapp.extensions import db
from webapp.models import AuditLog, Intervention, InterventionWork, ReportSending, TimeSegment

from tests.workflow_helpers import complete_answers, fill, smtp_server


@pytest.fixture
def ff(app):
    """``ff("intervention", "start", "3", "--as", "tech1")`` on the test app's database."""
    runner = app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in args])

    return invoke


def _refused(result) -> str:
    """A refusal: exit 1, no traceback, the message on stderr."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.stderr


def _iv(app, iv):
    with app.app_context():
        i = db.session.get(Intervention, iv)
        w = db.session.get(InterventionWork, iv)
        return i.status, i.closed, (w.closed_reason if w else None)


def _audit(app, iv):
    with app.app_context():
        q = sa.select(AuditLog).where(AuditLog.entity == "intervention", AuditLog.entity_id == str(iv)).order_by(AuditLog.id)
        return [(a.action, a.from_value, a.to_value, (a.details or {}).get("source")) for a in db.session.scalars(q)]


def test_a_technician_may_not_close(app, users, factory, ff):
    iv = factory.intervention([users["tech1"]], event_type_id="entretien-chaudiere", status="in_progress")
    err = _refused(ff("intervention", "close", iv, "--as", "tech1", "--reason", "fini"))
    assert "Vous ne pouvez pas clôturer ni ré-ouvrir les interventions." in err
    err = _refused(ff("intervention", "close", iv, "--as", "tech1", "--lang", "en"))
    assert "You may not close or reopen interventions." in err
    assert _iv(app, iv) == ("in_progress", False, None) and _audit(app, iv) == []


def test_office_closes_then_a_technician_is_refused_any_change(app, users, factory, ff):
    iv = factory.intervention([users["tech1"]], event_type_id="entretien-chaudiere", status="confirmed")
    ok = ff("intervention", "close", iv, "--as", "office", "--reason", "Attente de la pièce")
    assert ok.exit_code == 0, ok.output
    assert "Intervention clôturée" in ok.stdout and "[clôturée]" in ok.stdout
    assert _iv(app, iv) == ("confirmed", True, "Attente de la pièce")
    assert _audit(app, iv) == [("close", None, "Attente de la pièce", "cli")]
    for verb, *more in (("start",), ("status", "in_progress"), ("finish", "--duration", "30"), ("send-report",)):
        err = _refused(ff("intervention", verb, iv, *more, "--as", "tech1"))
        assert "Le bureau a clôturé cette intervention" in err, (verb, err)
    err = _refused(ff("intervention", "reopen", iv, "--as", "tech1", "--lang", "en"))
    assert "You may not close or reopen" in err
    assert _iv(app, iv) == ("confirmed", True, "Attente de la pièce")
    # what the technician sees of it
    shown = ff("intervention", "show", iv, "--as", "tech1")
    assert shown.exit_code == 0 and "« Attente de la pièce »" in shown.stdout and "aucun" in shown.stdout
    # reopened by the office: the technician may start again
    assert ff("intervention", "reopen", iv, "--as", "office").exit_code == 0
    started = ff("intervention", "start", iv, "--as", "tech1")
    assert started.exit_code == 0, started.output
    assert _iv(app, iv)[:2] == ("in_progress", False)


def test_show_says_what_the_account_may_run_and_why_not(app, users, factory, ff):
    """``intervention show --as`` reads the policy: the commands the account may run now,
    and each one refused with the reason the command itself would print."""
    iv = factory.intervention([users["tech1"]], event_type_id="entretien-poele", status="confirmed", closed=True)
    shown = ff("intervention", "show", iv, "--as", "tech1")
    assert shown.exit_code == 0, shown.output
    assert "Commandes possibles pour tech1 : aucun" in shown.stdout
    assert "Refusé à tech1 :" in shown.stdout and "  - start : Le bureau a clôturé cette intervention" in shown.stdout
    assert "  - close : Vous ne pouvez pas clôturer ni ré-ouvrir les interventions." in shown.stdout
    office = ff("intervention", "show", iv, "--as", "office", "--lang", "en")
    assert "Commands office may run: start, reopen, send-report" in office.stdout, office.stdout
    assert "  - pause: The timer runs only while the intervention is in progress." in office.stdout


def test_finish_refused_with_the_list_of_what_is_missing(app, users, factory, ff):
    iv = factory.intervention([users["tech1"]], event_type_id="entretien-poele", status="in_progress")  # Start never pressed
    err = _refused(ff("intervention", "finish", iv, "--as", "tech1"))
    lines = err.splitlines()
    assert lines[0] == "L'intervention ne peut pas encore être terminée :"
    items = [l for l in lines[1:] if l.startswith("  - ")]
    assert len(items) == 6, err  # two forms, photos, two signatures, the timer
    assert any("Au moins 2 photo(s)" in l for l in items) and any("signature du client" in l for l in items)
    err = _refused(ff("intervention", "finish", iv, "--as", "tech1", "--lang", "en"))
    assert "The intervention cannot be finished yet:" in err and "At least 2 photo(s)" in err
    assert _iv(app, iv)[0] == "in_progress"
    # a wrong duration is said with the option's name
    err = _refused(ff("intervention", "finish", iv, "--as", "office", "--duration", "-5"))
    assert err.startswith("--duration:")


def test_a_transition_not_allowed_for_the_role(app, users, factory, ff):
    iv = factory.intervention([users["tech1"]], event_type_id="entretien-chaudiere", status="confirmed")
    err = _refused(ff("intervention", "status", iv, "cancelled", "--as", "tech1"))
    assert "Vous ne pouvez pas" in err and "« Confirmé »" in err and "« Annulé »" in err
    err = _refused(ff("intervention", "status", iv, "done", "--as", "office"))  # not a transition, for anyone
    assert "Confirmé" in err
    err = _refused(ff("intervention", "status", iv, "nowhere", "--as", "office"))
    assert "nowhere" in err
    assert _iv(app, iv)[0] == "confirmed" and _audit(app, iv) == []
    # the office may; a status can be named by its label too
    ok = ff("intervention", "status", iv, "Annulé", "--as", "office")
    assert ok.exit_code == 0, ok.output
    assert "Statut modifié" in ok.stdout or "Annulé" in ok.stdout
    assert _iv(app, iv)[0] == "cancelled"
    assert _audit(app, iv) == [("status", "confirmed", "cancelled", "cli")]


def test_unknown_account_or_intervention(app, users, factory, ff):
    iv = factory.intervention([users["tech1"]], event_type_id="entretien-chaudiere")
    assert "Aucun compte actif « nobody »" in _refused(ff("intervention", "start", iv, "--as", "nobody"))
    assert "No such intervention" in _refused(ff("intervention", "start", 99999, "--as", "office", "--lang", "en"))
    # a technician does not reach others' interventions
    other = factory.intervention([users["tech2"]], event_type_id="entretien-chaudiere")
    _refused(ff("intervention", "show", other, "--as", "tech1"))


def test_start_to_finish_by_a_technician_with_the_timer(app, users, factory, ff):
    iv = factory.intervention([users["tech1"]], event_type_id="entretien-poele", status="planned")  # automatic, mandatory Start
    r = ff("intervention", "start", iv, "--as", "tech1")
    assert r.exit_code == 0, r.output
    assert "Intervention démarrée." in r.stdout and "En cours" in r.stdout
    fill(app, users["tech1"], iv, complete_answers(app, iv, ["entretien-poele", "photos-signatures"], with_files=False))
    for verb in ("pause", "resume"):
        r = ff("intervention", verb, iv, "--as", "tech1")
        assert r.exit_code == 0, r.output
    shown = ff("intervention", "show", iv, "--as", "tech1")
    assert "Chronomètre :" in shown.stdout and "en cours" in shown.stdout
    r = ff("intervention", "finish", iv, "--as", "tech1", "--travel", 25)
    assert r.exit_code == 0, r.output
    assert "Intervention réalisée." in r.stdout and " : Réalisé" in r.stdout
    with app.app_context():
        w = db.session.get(InterventionWork, iv)
        segs = list(db.session.scalars(sa.select(TimeSegment).where(TimeSegment.intervention_id == iv)))
        assert w.travel_minutes == 25 and w.actual_minutes == 0 and w.done_at is not None
        assert len(segs) == 2 and all(s.ended_at is not None and s.source == "cli" for s in segs)
    rows = [r for r in _audit(app, iv) if r[0] != "answers_create" and not r[0].startswith("answers")]
    assert [r[:3] for r in rows] == [
        ("status", "planned", "confirmed"), ("status", "confirmed", "in_progress"), ("start", None, None),
        ("pause", None, None), ("resume", None, None), ("status", "in_progress", "done"), ("finish", None, None),
    ]
    assert {r[3] for r in rows} == {"cli"}
    # done: a technician may not change it, but may set it back to Confirmed (S4)
    err = _refused(ff("intervention", "pause", iv, "--as", "tech1"))
    assert err.strip()
    assert ff("intervention", "status", iv, "confirmed", "--as", "tech1").exit_code == 0


def test_send_report_from_the_command_line(app, users, factory, ff):
    cid = factory.client("Cotillon Marie", email="marie.cotillon@example.fr")
    iv = factory.intervention([users["tech1"]], cid, event_type_id="installation", status="done")  # back_office mode
    app.config.update(MAIL_SERVER=None, REDIS_URL=None)
    err = _refused(ff("intervention", "send-report", iv, "--as", "office"))
    assert "MAIL_SERVER" in err and "ne peuvent pas être envoyés" in err
    fill(app, users["office"], iv, complete_answers(app, iv, ["installation", "photos-signatures"]))
    with smtp_server() as (store, port):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_DEFAULT_SENDER="rapports@poele-a-lheure.fr", MAIL_TIMEOUT=5,
                          REPORT_RETRY_INTERVALS=[0], INLINE_RETRY_MAX_WAIT=1)
        err = _refused(ff("intervention", "send-report", iv, "--as", "tech1"))
        assert "envoyé par le bureau" in err
        err = _refused(ff("intervention", "send-report", iv, "--as", "office", "--to", "pas-une-adresse"))
        assert err.startswith("--to:") and "pas-une-adresse" in err
        r = ff("intervention", "send-report", iv, "--as", "office", "--to", "a@example.fr", "--to", "b@example.fr")
        assert r.exit_code == 0, r.output
        assert "Rapport envoyé à a@example.fr, b@example.fr." in r.stdout
        assert len(store.messages) == 1 and sorted(store.messages[0].rcpt_tos) == ["a@example.fr", "b@example.fr"]
        store.fail = "554 5.7.1 Message refused"
        err = _refused(ff("intervention", "send-report", iv, "--as", "office", "--lang", "en"))
        assert "could not be sent (failed)" in err and "554" in err
    with app.app_context():
        rows = list(db.session.scalars(sa.select(ReportSending).where(ReportSending.intervention_id == iv).order_by(ReportSending.id)))
        assert [(s.status, s.source) for s in rows] == [("sent", "cli"), ("failed", "cli")]
    shown = ff("intervention", "show", iv)
    assert shown.exit_code == 0 and "envoyé" in shown.stdout and "échec" in shown.stdout and "554 5.7.1" in shown.stdout
