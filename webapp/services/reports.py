"""Report PDFs and their delivery to the client by e-mail (R1–R3).

The PDF is rendered from the FormVersions the answers were filled with (never the current
files), with the whole intervention (client, technicians, statuses, times, timer segments,
signatures and whether they are still valid) and the photos and signatures from the storage
(:mod:`webapp.storage`), each fetched only when the report renderer has no small copy of it.

The PDF sent to a client is kept in the storage too, under its sha256 (the sending's
``pdf_sha256``; :func:`sent_pdf` gives it back): what the client received, as it was, even
after the answers change. The PDF of the detail page's "See the PDF" is rendered afresh
each time (:func:`render_report_pdf`): it shows what would be sent now.

Per event type, ``report_sending`` says who sends: ``back_office`` (the Send button of the
detail page), ``device_when_done`` (the technician's Send report, once done; the back
office can always send too), ``auto_when_done`` (queued when the intervention becomes done).
Each sending is a :class:`ReportSending` row: recipients, attempts, result, last error,
the sha256 of the PDF sent. Rendering and sending run outside the request (:mod:`webapp.tasks`);
who may send is :mod:`.policy`'s ``send_report``.
Without a mail configuration, the buttons refuse with a clear message and automatic
sendings are kept as ``pending`` (sent by ``fieldforms send-pending`` once configured).
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy.orm import joinedload, selectinload

from engine import display, walk
from engine.facts import attachment_ids

from .. import metrics, tasks
from ..extensions import db
from ..models import Attachment, Intervention, ReportSending, User, utcnow
from ..registry import definition_of, get_registry
from ..storage import MissingObject, attachment_key, get_storage, report_key
from . import policy, unit
from .audit import audit, origin
from .errors import InvalidInput, MailNotConfigured, NotFound, ReportFailed, ServiceError
from .interventions import load_intervention
from .mail import build_message, mail_configured, send_message, valid_address
from .signatures import signature_states
from .submissions import form_ids_of, load_submissions
from .work import segments_of, work_of

ACTIVE = ("pending", "queued", "sending", "retrying")


def not_configured_message() -> str:
    return _("Reports cannot be sent by e-mail: the mail server is not configured (MAIL_SERVER and MAIL_DEFAULT_SENDER settings).")


# --- the PDF ---------------------------------------------------------------------------------


def _load_full(intervention_id: int) -> Intervention:
    iv = db.session.scalar(
        sa.select(Intervention)
        .where(Intervention.id == intervention_id)
        .options(joinedload(Intervention.client), joinedload(Intervention.store), selectinload(Intervention.technicians))
    )
    if iv is None:
        raise NotFound(_("No such intervention."))
    return iv


def report_context(iv: Intervention, lang: str = "fr") -> dict:
    """What the report template sees of the intervention and the company."""
    reg = get_registry()
    cfg = current_app.config
    w = work_of(iv)
    c = iv.client
    address = "\n".join(x for x in [c.address or "", " ".join(x for x in [c.postcode or "", c.city or ""] if x)] if x)
    segments = [
        {"start": s.started_at, "end": s.ended_at, "minutes": s.minutes}
        for s in segments_of(iv.id)
    ]
    sigs = [
        {"form": s.form_id, "pointer": s.pointer, "signer": s.signer, "name": s.signer_name, "signed_at": s.signed_at, "valid": s.valid}
        for s in signature_states(iv.id)
    ]
    logo = cfg.get("COMPANY_LOGO")
    return {
        "company": {
            "name": cfg.get("COMPANY_NAME", ""), "address": cfg.get("COMPANY_ADDRESS", ""),
            "phone": cfg.get("COMPANY_PHONE", ""), "email": cfg.get("COMPANY_EMAIL", ""),
            "logo": logo if logo and Path(logo).is_file() else None,
        },
        "intervention": {
            "reference": f"{iv.id:06d}", "title": iv.title,
            "client": {"name": c.name, "address": address, "phone": c.phone or "", "email": c.email or ""},
            "start": iv.start_at, "end": iv.end_at,
            "technicians": [t.display_name for t in iv.technicians],
            "type": reg.event_type_title(iv.event_type_id, lang),
            "status": reg.status(iv.status).label_in(lang),
            "planned_minutes": iv.duration_minutes,
            "actual_minutes": w.actual_minutes if w else None,
            "travel_minutes": w.travel_minutes if w else None,
            "segments": segments,
            "signatures": sigs,
        },
    }


def render_report_pdf(intervention: Intervention, lang: str | None = None) -> bytes:
    """The report of ``intervention``: every submitted form, with the version it was filled
    with, through the event type's template (or the default one)."""
    from renderers.pdf import ReportError, render_intervention_report

    lang = lang or current_app.config.get("REPORT_LANGUAGE", "fr")
    iv = _load_full(intervention.id)  # client, store and technicians loaded
    subs = load_submissions(iv.id)
    by_form = {s.form_id: s for s in subs}
    forms = []
    wanted: set[str] = set()
    for fid in form_ids_of(iv, subs):
        s = by_form.get(fid)
        if s is None:
            continue
        d = definition_of(s.form_version)
        forms.append((d, s.data))
        wanted |= set(attachment_ids(walk(d, s.data)))
    attachments = {}
    if wanted:
        for a in db.session.scalars(sa.select(Attachment).where(Attachment.id.in_(sorted(wanted)), Attachment.intervention_id == iv.id)):
            attachments[a.id] = _stored_image(a)
    et = get_registry().event_types.get(iv.event_type_id)
    template = None
    definitions = Path(current_app.config["FORM_DEFINITIONS"])
    if et is not None and et.report_template:
        template = definitions / "reports" / et.report_template
    try:
        return render_intervention_report(forms, report_context(iv, lang), template, lang=lang, attachments=attachments)
    except ReportError as exc:
        raise ReportFailed(_("The report cannot be made: %(problem)s", problem=_readable(str(exc), definitions))) from None


def _stored_image(att: Attachment):
    """A photo or signature for the renderer: fetched from the storage only when the
    renderer has no small copy of it (a key's bytes never change: its size tells an object
    stored before issue 11's re-encoding from one stored after)."""
    from renderers.pdf.images import StoredImage

    key = attachment_key(att.sha256)

    def read() -> bytes | None:
        try:
            return get_storage().read(key)
        except MissingObject:
            return None

    return StoredImage(f"attachment:{key}:{att.size}", read)


def keep_pdf(pdf: bytes) -> str:
    """Store a report PDF as sent, under its sha256 (kept once however often it is sent)."""
    sha = hashlib.sha256(pdf).hexdigest()
    storage, key = get_storage(), report_key(sha)
    if not storage.exists(key):
        storage.put(key, pdf, "application/pdf", sha256=sha)
    return sha


def sent_pdf(actor: User, intervention_id: int, sending_id: int) -> ReportSending:
    """A sending that made a PDF (its ``pdf_sha256``: :func:`report_key`), for someone who
    may see its intervention; NotFound otherwise."""
    iv = load_intervention(intervention_id, actor)
    s = db.session.get(ReportSending, sending_id)
    if s is None or s.intervention_id != iv.id or not s.pdf_sha256:
        raise NotFound(not_kept_message())
    return s


def not_kept_message() -> str:
    return _("This report PDF is not kept.")


def _readable(problem: str, definitions: Path) -> str:
    """A report's problem as the office reads it: the template named as in the account
    manager's folder (``reports/x.html:3``), not by the server's paths."""
    for folder in (definitions.resolve(), definitions):
        problem = problem.replace(f"{folder}{os.sep}", "")
    return problem


# --- sendings ----------------------------------------------------------------------------------


def sendings_of(intervention_id: int) -> list[ReportSending]:
    return list(db.session.scalars(
        sa.select(ReportSending).where(ReportSending.intervention_id == intervention_id)
        .options(joinedload(ReportSending.requested_by)).order_by(ReportSending.requested_at.desc(), ReportSending.id.desc())
    ))


def _recipients(iv: Intervention, recipients: list[str] | None) -> list[str]:
    if recipients is None:
        recipients = [iv.client.email] if iv.client.email else []
    out = list(dict.fromkeys(r.strip() for r in recipients if r and r.strip()))
    if not out:
        raise InvalidInput({"recipients": [_("The client has no e-mail address: type at least one recipient.")]})
    bad = [r for r in out if not valid_address(r)]
    if bad:
        raise InvalidInput({"recipients": [_("Not an e-mail address: %(addresses)s", addresses=", ".join(bad))]})
    return out


def request_report_sending(actor: User, intervention_id: int, *, recipients: list[str] | None = None, at: datetime | None = None,
                           source: str = "web") -> ReportSending:
    """Send the report PDF to ``recipients`` (default: the client's e-mail), outside the
    request. Refused with a clear message when mail is not configured. ``at``: when it was
    asked (a device's clock), for the audit row."""
    iv = load_intervention(intervention_id, actor)
    policy.enforce(actor, iv, "send_report", source=source)
    if not mail_configured():
        raise MailNotConfigured(not_configured_message())
    rcpts = _recipients(iv, recipients)
    sending = _new_sending(actor, iv, rcpts, trigger="manual", source=source, status="queued", at=at)
    unit.commit()
    unit.after_commit(_enqueue, sending.id)
    return db.session.get(ReportSending, sending.id)


def _new_sending(actor: User | None, iv: Intervention, recipients: list[str], *, trigger: str, source: str, status: str, error: str | None = None,
                 at: datetime | None = None) -> ReportSending:
    s = ReportSending(
        intervention_id=iv.id, requested_by_id=actor.id if actor else None, requested_at=utcnow(), trigger=trigger, source=source,
        recipients=recipients, status=status, attempts=0, max_attempts=len(tasks.retry_intervals()) + 1, last_error=error,
    )
    db.session.add(s)
    db.session.flush()
    audit(actor, "intervention", iv.id, "report_request", None, ", ".join(recipients) or None, {"sending": s.id, "trigger": trigger, "status": status, **origin(source, at)})
    return s


def send_report_job(sending_id: int) -> str:
    """The RQ job of a sending: one attempt of :func:`deliver_sending`."""
    return tasks.run_attempt(deliver_sending, sending_id)


def _enqueue(sending_id: int) -> None:
    job_id = tasks.enqueue(send_report_job, deliver_sending, sending_id, description=f"report sending {sending_id}")
    if job_id:
        s = db.session.get(ReportSending, sending_id)
        s.job_id = job_id
        db.session.commit()


def queue_automatic_sending(actor: User | None, intervention_id: int) -> ReportSending:
    """auto_when_done: the intervention just became done. Without mail configuration or a
    client address the sending is kept as pending, with the reason, for the back office."""
    iv = _load_full(intervention_id)
    rcpts = [iv.client.email] if iv.client.email and valid_address(iv.client.email) else []
    if not mail_configured():
        s = _new_sending(actor, iv, rcpts, trigger="auto", source="auto", status="pending", error=not_configured_message())
        unit.commit()
        return s
    if not rcpts:
        s = _new_sending(actor, iv, rcpts, trigger="auto", source="auto", status="pending", error=_("The client has no e-mail address: type a recipient and send it from the back office."))
        unit.commit()
        return s
    s = _new_sending(actor, iv, rcpts, trigger="auto", source="auto", status="queued")
    unit.commit()
    unit.after_commit(_enqueue, s.id)
    return db.session.get(ReportSending, s.id)


def retry_sending(actor: User, sending_id: int, *, recipients: list[str] | None = None) -> ReportSending:
    """Try a failed or pending sending again (the back office's Retry button)."""
    s = db.session.get(ReportSending, sending_id)
    if s is None:
        raise NotFound(_("No such sending."))
    iv = load_intervention(s.intervention_id, actor)
    policy.enforce(actor, iv, "send_report")
    if s.status not in ("failed", "pending", "retrying"):
        raise ServiceError(_("This sending is not waiting for a retry."))
    if not mail_configured():
        raise MailNotConfigured(not_configured_message())
    if recipients is not None or not s.recipients:
        s.recipients = _recipients(iv, recipients)
    s.status, s.next_attempt_at, s.attempts, s.max_attempts = "queued", None, 0, len(tasks.retry_intervals()) + 1
    audit(actor, "intervention", iv.id, "report_retry", None, ", ".join(s.recipients), {"sending": s.id})
    db.session.commit()
    _enqueue(s.id)
    return db.session.get(ReportSending, s.id)


def send_pending() -> tuple[list[ReportSending], list[ReportSending]]:
    """Take up every pending or due sending (``fieldforms send-pending``): the sendings
    taken up, as they are now (sent, failed, or queued for the worker), and those left
    pending because nobody has an address to send them to."""
    if not mail_configured():
        raise MailNotConfigured(not_configured_message())
    now = utcnow()
    rows = list(db.session.scalars(sa.select(ReportSending).where(
        sa.or_(ReportSending.status == "pending", sa.and_(ReportSending.status == "retrying", ReportSending.next_attempt_at <= now)))
        .order_by(ReportSending.id)))
    taken, left = [], []
    for s in rows:
        if not s.recipients:
            iv = _load_full(s.intervention_id)
            if not (iv.client.email and valid_address(iv.client.email)):
                left.append(s)
                continue
            s.recipients = [iv.client.email]
        s.status, s.next_attempt_at = "queued", None
        db.session.commit()
        _enqueue(s.id)
        taken.append(s)  # reloaded from the database when read: as the attempt left it
    return taken, left


def _subject_and_body(iv: Intervention, lang: str) -> tuple[str, str]:
    company = current_app.config.get("COMPANY_NAME", "")
    day = display.date(iv.start_at, lang)
    with force_locale(lang):
        subject = _("Intervention report of %(day)s — %(title)s", day=day, title=iv.title)
        body = _("Hello,\n\nPlease find attached the report of our intervention of %(day)s.\n\nBest regards,\n%(company)s", day=day, company=company)
    return subject, body


def deliver_sending(sending_id: int, *, last_attempt: bool = True, retry_in: float | None = None) -> bool:
    """One attempt: render the PDF, send it, log the result. True when sent (or nothing is
    left to do), False when the attempt failed."""
    s = db.session.get(ReportSending, sending_id)
    if s is None or s.status == "sent":
        return True
    if not current_app.config.get("MAIL_SERVER"):
        s.status, s.last_error = "pending", not_configured_message()
        db.session.commit()
        metrics.report_sending(s.status)
        return True
    now = utcnow()
    s.status, s.attempts, s.last_attempt_at, s.next_attempt_at = "sending", (s.attempts or 0) + 1, now, None
    db.session.commit()
    lang = current_app.config.get("REPORT_LANGUAGE", "fr")
    pdf = None
    try:
        iv = _load_full(s.intervention_id)
        pdf = render_report_pdf(iv, lang)
        keep_pdf(pdf)  # before it is sent: what the client receives is always kept
        subject, body = _subject_and_body(iv, lang)
        msg = build_message(
            sender=current_app.config["MAIL_DEFAULT_SENDER"], recipients=list(s.recipients), subject=subject, body=body,
            attachments=[(f"rapport-intervention-{iv.id}.pdf", "application/pdf", pdf)],
        )
        send_message(msg)
    except Exception as exc:  # noqa: BLE001 - every failure (SMTP, rendering) is logged on the sending
        db.session.rollback()
        s = db.session.get(ReportSending, sending_id)
        s.last_error = str(exc)[:2000] or type(exc).__name__
        if pdf is not None:
            s.pdf_sha256, s.pdf_size = hashlib.sha256(pdf).hexdigest(), len(pdf)
        if last_attempt or retry_in is None:
            s.status = "failed"
        else:
            s.status, s.next_attempt_at = "retrying", utcnow() + timedelta(seconds=retry_in)
        audit(None, "intervention", s.intervention_id, "report_failed", None, s.status, {"sending": s.id, "attempt": s.attempts, "error": s.last_error[:300]})
        db.session.commit()
        metrics.report_sending(s.status)
        current_app.logger.warning("report sending %s attempt %s failed: %s", s.id, s.attempts, s.last_error)
        return False
    s.status, s.sent_at, s.last_error = "sent", utcnow(), None
    s.pdf_sha256, s.pdf_size = hashlib.sha256(pdf).hexdigest(), len(pdf)
    s.message_id = str(msg["Message-ID"])[:250]
    audit(None, "intervention", s.intervention_id, "report_sent", None, ", ".join(s.recipients), {"sending": s.id, "sha256": s.pdf_sha256})
    db.session.commit()
    metrics.report_sending(s.status)
    return True
