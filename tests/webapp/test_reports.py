"""Report delivery (R3) against a real SMTP server (aiosmtpd on loopback): the three
sending modes, the attached PDF (its text and its sha256 as logged), failures retried
then shown, no mail configuration said clearly, and the same through RQ on Redis with a
real worker in burst mode."""

from __future__ import annotations

import hashlib
import io
import os
import uuid

import pytest
import sqlalchemy as sa

from webapp.extensions import db
from webapp.models import ReportSending
from webapp.services import reports, workflow
from webapp.services.errors import Forbidden, MailNotConfigured

from tests.workflow_helpers import call, complete_answers, fill, smtp_server

FORMS = {"entretien-poele": ["entretien-poele", "photos-signatures"], "sav": ["sav-depannage", "photos-signatures"],
         "entretien-chaudiere": ["entretien-chaudiere", "photos-signatures"], "installation": ["installation", "photos-signatures"]}


@pytest.fixture
def smtp(app):
    with smtp_server() as (store, port):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_DEFAULT_SENDER="Un poêle à l'heure <rapports@poele-a-lheure.fr>",
                          MAIL_TIMEOUT=5, REDIS_URL=None, REPORT_RETRY_INTERVALS=[0, 0], INLINE_RETRY_MAX_WAIT=1)
        yield store


@pytest.fixture
def no_mail(app):
    app.config.update(MAIL_SERVER=None, REDIS_URL=None)


def _ready(app, factory, users, event_type, *, status="in_progress"):
    """An intervention of ``event_type`` with every form answered and its photos stored."""
    cid = factory.client("Cotillon Marie", email="marie.cotillon@example.fr", postcode="35510", city="Cesson-Sévigné")
    iv = factory.intervention([users["tech1"]], cid, event_type_id=event_type, status=status)
    fill(app, users["office"], iv, complete_answers(app, iv, FORMS[event_type]))
    return iv


def _finish(app, users, iv, **kw):
    call(app, users["tech1"], workflow.start_intervention, iv, source="device")
    call(app, users["tech1"], workflow.finish_intervention, iv, source="device", **kw)


def _sendings(app, iv):
    with app.app_context():
        return [(s.status, s.attempts, s.trigger, list(s.recipients), s.pdf_sha256, s.last_error) for s in db.session.scalars(sa.select(ReportSending).where(ReportSending.intervention_id == iv).order_by(ReportSending.id))]


def _pdf_of(message) -> bytes:
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(parts) == 1
    return parts[0].get_content()


def _pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_back_office_sends_with_an_edited_recipient_list(app, client, auth, smtp, users, factory):
    iv = _ready(app, factory, users, "entretien-poele")
    _finish(app, users, iv)
    assert _sendings(app, iv) == []  # back_office mode: nothing automatic
    with pytest.raises(Forbidden):  # and not from the device
        call(app, users["tech1"], reports.request_report_sending, iv, source="device")
    auth.login("office")
    page = client.get(f"/interventions/{iv}").get_data(as_text=True)
    assert "Envoyer le rapport" in page and 'name="csrf_token"' in page
    response = client.post(f"/interventions/{iv}/report/send", data={"recipients": "marie.cotillon@example.fr, gendre@example.fr"})
    assert response.status_code == 302
    [message] = smtp.parsed()
    assert message["To"] == "marie.cotillon@example.fr, gendre@example.fr"
    assert message["Subject"].startswith("Rapport d'intervention du")
    pdf = _pdf_of(message)
    [(status, attempts, trigger, rcpts, sha, error)] = _sendings(app, iv)
    assert (status, attempts, trigger, error) == ("sent", 1, "manual", None)
    assert sha == hashlib.sha256(pdf).hexdigest()
    text = _pdf_text(pdf)
    assert "Cotillon Marie" in text and "Un poêle à l'heure" in text
    assert "MCZ" in text  # an answer of entretien-poele
    assert "Pierre Paul Jacques" in text  # the technician's signature
    assert "Temps passé (chronomètre)" in text  # the timer segments (automatic mode)
    page = client.get(f"/interventions/{iv}").get_data(as_text=True)
    assert "envoyé" in page and sha[:12] in page


def test_device_sends_once_done(app, smtp, users, factory):
    iv = _ready(app, factory, users, "sav")
    call(app, users["tech1"], workflow.start_intervention, iv, source="device")
    with pytest.raises(Forbidden) as exc:
        call(app, users["tech1"], reports.request_report_sending, iv, source="device")
    assert "réalisée" in exc.value.message
    call(app, users["tech1"], workflow.finish_intervention, iv, source="device")
    assert _sendings(app, iv) == []
    call(app, users["tech1"], reports.request_report_sending, iv, source="device")
    [message] = smtp.parsed()
    assert message["To"] == "marie.cotillon@example.fr"
    assert _sendings(app, iv)[0][0] == "sent"


def test_automatic_when_done(app, smtp, users, factory):
    iv = _ready(app, factory, users, "entretien-chaudiere")
    _finish(app, users, iv, duration_minutes=60)
    [message] = smtp.parsed()
    [(status, attempts, trigger, rcpts, sha, error)] = _sendings(app, iv)
    assert (status, trigger, rcpts) == ("sent", "auto", ["marie.cotillon@example.fr"])
    assert sha == hashlib.sha256(_pdf_of(message)).hexdigest()


@pytest.mark.parametrize("answer", ["451 4.3.0 Try again later", "554 5.7.1 Rejected"])
def test_failing_server_retries_then_shows_the_failure(app, client, auth, smtp, users, factory, answer):
    iv = _ready(app, factory, users, "installation", status="done")
    smtp.fail = answer
    call(app, users["office"], reports.request_report_sending, iv)
    assert smtp.tries == 3  # the first attempt and two retries (REPORT_RETRY_INTERVALS)
    [(status, attempts, _t, _r, sha, error)] = _sendings(app, iv)
    assert (status, attempts) == ("failed", 3) and answer.split()[0] in error and sha
    auth.login("office")
    page = client.get(f"/interventions/{iv}").get_data(as_text=True)
    assert "échec" in page and answer.split()[0] in page and "Réessayer" in page
    # the server is back: Retry sends it
    smtp.fail = None
    sid = _sendings_ids(app, iv)[0]
    client.post(f"/interventions/{iv}/report/sendings/{sid}/retry")
    assert _sendings(app, iv)[0][:2] == ("sent", 1) and len(smtp.messages) == 1


def _sendings_ids(app, iv):
    with app.app_context():
        return list(db.session.scalars(sa.select(ReportSending.id).where(ReportSending.intervention_id == iv).order_by(ReportSending.id)))


def test_no_mail_configuration_is_said_clearly(app, client, auth, no_mail, users, factory):
    iv = _ready(app, factory, users, "installation", status="done")
    with pytest.raises(MailNotConfigured) as exc:
        call(app, users["office"], reports.request_report_sending, iv)
    assert "serveur de messagerie n'est pas configuré" in exc.value.message
    auth.login("office")
    page = client.get(f"/interventions/{iv}").get_data(as_text=True)
    assert "serveur de messagerie n'est pas configuré" in page and "Envoyer le rapport" not in page
    # automatic sending is kept as pending, not dropped
    auto = _ready(app, factory, users, "entretien-chaudiere")
    _finish(app, users, auto, duration_minutes=45)
    [(status, attempts, trigger, rcpts, _sha, error)] = _sendings(app, auto)
    assert (status, attempts, trigger) == ("pending", 0, "auto") and "pas configuré" in error
    assert "en attente" in client.get(f"/interventions/{auto}").get_data(as_text=True)


def test_report_pdf_uses_the_version_the_answers_were_filled_with(app, client, auth, no_mail, users, factory):
    from webapp.models import FormVersion, Submission

    iv = _ready(app, factory, users, "installation", status="done")
    with app.app_context():
        sub = db.session.scalar(sa.select(Submission).where(Submission.intervention_id == iv, Submission.form_id == "installation"))
        old = db.session.get(FormVersion, sub.form_version_id)
        d = dict(old.definition)
        d["title"] = {"fr": "Installation (version signée par le client)", "en": "Installation (signed version)"}
        d["version"] = 99
        fv = FormVersion(form_id="installation", version=99, content_hash=uuid.uuid4().hex * 2, definition=d)
        db.session.add(fv)
        db.session.flush()
        sub.form_version_id = fv.id
        db.session.commit()
    auth.login("office")
    response = client.get(f"/interventions/{iv}/report.pdf")
    assert response.mimetype == "application/pdf"
    assert "Installation (version signée par le client)" in _pdf_text(response.data)


# -- on Redis, with a real RQ worker ---------------------------------------------------------------

REDIS = os.environ.get("TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS, reason="TEST_REDIS_URL is not set (.ci/run sets it when Redis answers on 127.0.0.1:6379)")


@pytest.fixture
def rq_app(app, smtp):
    from redis import Redis

    name = f"fieldforms-test-{uuid.uuid4().hex[:8]}"
    app.config.update(REDIS_URL=REDIS, RQ_QUEUE=name)
    conn = Redis.from_url(REDIS)
    yield app
    for key in conn.scan_iter(f"rq:*{name}*"):
        conn.delete(key)
    conn.close()


def _work(app):
    from rq import Worker

    from webapp.tasks import queue

    with app.app_context():
        q = queue(app)
        Worker([q], connection=q.connection).work(burst=True)
        q.connection.close()


@needs_redis
@pytest.mark.committed
def test_redis_queue_and_worker(rq_app, smtp, users, factory):
    app = rq_app
    iv = _ready(app, factory, users, "entretien-chaudiere")
    _finish(app, users, iv, duration_minutes=60)  # auto_when_done: queued, not sent in the request
    assert smtp.messages == [] and _sendings(app, iv)[0][0] == "queued"
    with app.app_context():
        assert db.session.scalar(sa.select(ReportSending.job_id))
    _work(app)
    [message] = smtp.parsed()
    [(status, attempts, trigger, _r, sha, error)] = _sendings(app, iv)
    assert (status, attempts, trigger, error) == ("sent", 1, "auto", None)
    assert sha == hashlib.sha256(_pdf_of(message)).hexdigest()


@needs_redis
@pytest.mark.committed
def test_redis_retries_with_back_off_then_fails(rq_app, smtp, users, factory):
    app = rq_app
    iv = _ready(app, factory, users, "installation", status="done")
    smtp.fail = "451 4.3.0 Try again later"
    call(app, users["office"], reports.request_report_sending, iv)
    _work(app)
    assert smtp.tries == 3
    [(status, attempts, _t, _r, _sha, error)] = _sendings(app, iv)
    assert (status, attempts) == ("failed", 3) and "451" in error


def test_send_pending_sends_what_waited_for_the_mail_server_and_says_how_it_went(app, no_mail, users, factory):
    """Done without mail configuration: the automatic sendings wait. Once a server is
    configured, ``fieldforms send-pending`` sends them, one message each, and says so;
    a client without address stays pending, named; a refused one fails, exit 1."""
    from cli import main

    ok = _ready(app, factory, users, "entretien-chaudiere")
    _finish(app, users, ok, duration_minutes=45)
    cid = factory.client("Sans Adresse", postcode="35000", city="Rennes")
    nobody = factory.intervention([users["tech1"]], cid, event_type_id="entretien-chaudiere", status="in_progress")
    fill(app, users["office"], nobody, complete_answers(app, nobody, FORMS["entretien-chaudiere"]))
    _finish(app, users, nobody, duration_minutes=30)
    assert [row[0] for row in _sendings(app, ok) + _sendings(app, nobody)] == ["pending", "pending"]

    runner = app.test_cli_runner()
    with smtp_server() as (store, port):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_DEFAULT_SENDER="Un poêle à l'heure <rapports@poele-a-lheure.fr>",
                          MAIL_TIMEOUT=5, REPORT_RETRY_INTERVALS=[0], INLINE_RETRY_MAX_WAIT=1)
        result = runner.invoke(main, ["send-pending"])
        assert result.exit_code == 0, result.output
        assert "1 sent, 0 failed, 0 queued for the worker, 1 left pending (no recipient)" in result.stdout
        assert f"intervention {nobody}: no e-mail address" in result.stderr
        [message] = store.parsed()
        assert message["To"] == "marie.cotillon@example.fr"
        assert _sendings(app, ok)[0][0] == "sent" and _sendings(app, nobody)[0][0] == "pending"

        again = _ready(app, factory, users, "installation", status="done")
        with app.app_context():
            db.session.add(ReportSending(intervention_id=again, trigger="auto", source="auto", status="pending", recipients=["x@example.fr"]))
            db.session.commit()
        store.fail = "554 5.7.1 Rejected"
        result = runner.invoke(main, ["send-pending"])
        assert result.exit_code == 1
        assert "0 sent, 1 failed" in result.stdout and f"intervention {again}: " in result.stderr and "554" in result.stderr
