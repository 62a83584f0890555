"""The detail page's workflow actions (issue 6): Start / Pause / Resume / Finish, back to
Confirmed, Close / Reopen, times (the report tab), the report PDF and its sendings, and the
technicians' private calendar feeds. Each POST calls one service verb and comes back to
the detail page with a message."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import services
from ..bounds import bounded_int
from ..extensions import db
from ..i18n import current_lang
from ..models import User
from ..services import access, calendar, policy, reports, workflow
from ..services.errors import Incomplete, InvalidInput, NotFound, ServiceError
from ..services.mail import mail_configured
from ..services.signatures import signature_states
from ..services.work import event_type_of, segments_of, work_of
from ..storage import MissingObject, get_storage, report_key
from ..storage.http import stored_response

bp = Blueprint("workflow", __name__)


@bp.record_once
def _public_feed(state) -> None:
    """Calendar apps fetch the feed without a session: its token is the credential."""
    from ..auth import PUBLIC_ENDPOINTS

    PUBLIC_ENDPOINTS.add("workflow.calendar_feed")


def _minutes(form, name):
    """A duration typed as minutes, or as h and min fields (``name_h``, ``name_m``)."""
    raw = (form.get(name) or "").strip()
    h, m = (form.get(f"{name}_h") or "").strip(), (form.get(f"{name}_m") or "").strip()
    if not raw and not h and not m:
        return None
    if raw:
        return raw
    try:
        return int(h or 0) * 60 + int(m or 0)
    except ValueError:
        raise InvalidInput({name: [_("A number of minutes is expected.")]}) from None


def _back(intervention_id: int, anchor: str = ""):
    return redirect(url_for("interventions.show", intervention_id=intervention_id) + anchor)


def _run(intervention_id: int, fn, ok: str, anchor: str = ""):
    try:
        fn()
    except Incomplete as exc:
        flash(_("The intervention cannot be finished yet:"), "error")
        for m in exc.missing:
            flash("• " + m["message"], "error")
    except InvalidInput as exc:
        flash(" ".join(" ".join(v) for v in exc.errors.values()), "error")
    except NotFound:
        raise
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash(ok, "success")
    return _back(intervention_id, anchor)


def _kw():
    return {"expected_version": bounded_int(request.form.get("version")), "source": "web"}


@bp.route("/interventions/<int:intervention_id>/start", methods=["POST"])
@login_required
def start(intervention_id: int):
    return _run(intervention_id, lambda: workflow.start_intervention(current_user, intervention_id, **_kw()), _("Intervention started."))


@bp.route("/interventions/<int:intervention_id>/pause", methods=["POST"])
@login_required
def pause(intervention_id: int):
    return _run(intervention_id, lambda: workflow.pause_intervention(current_user, intervention_id, **_kw()), _("Timer paused."), "#time")


@bp.route("/interventions/<int:intervention_id>/resume", methods=["POST"])
@login_required
def resume(intervention_id: int):
    return _run(intervention_id, lambda: workflow.resume_intervention(current_user, intervention_id, **_kw()), _("Timer resumed."), "#time")


@bp.route("/interventions/<int:intervention_id>/finish", methods=["POST"])
@login_required
def finish(intervention_id: int):
    def do():
        workflow.finish_intervention(current_user, intervention_id, duration_minutes=_minutes(request.form, "duration_minutes"),
                                     travel_minutes=_minutes(request.form, "travel_minutes"), **_kw())

    return _run(intervention_id, do, _("Intervention done."))


@bp.route("/interventions/<int:intervention_id>/back-to-confirmed", methods=["POST"])
@login_required
def back_to_confirmed(intervention_id: int):
    return _run(intervention_id, lambda: workflow.back_to_confirmed(current_user, intervention_id, **_kw()), _("Intervention set back to Confirmed."))


@bp.route("/interventions/<int:intervention_id>/close", methods=["POST"])
@login_required
def close(intervention_id: int):
    return _run(intervention_id, lambda: workflow.close_intervention(current_user, intervention_id, reason=request.form.get("reason"), **_kw()), _("Intervention closed: devices can no longer change it."))


@bp.route("/interventions/<int:intervention_id>/reopen", methods=["POST"])
@login_required
def reopen(intervention_id: int):
    return _run(intervention_id, lambda: workflow.reopen_intervention(current_user, intervention_id, **_kw()), _("Intervention reopened."))


@bp.route("/interventions/<int:intervention_id>/time", methods=["POST"])
@login_required
def record_time(intervention_id: int):
    def do():
        workflow.record_time(current_user, intervention_id, actual_minutes=_minutes(request.form, "actual_minutes"),
                             travel_minutes=_minutes(request.form, "travel_minutes"), **_kw())

    return _run(intervention_id, do, _("Times saved."), "#time")


@bp.route("/interventions/<int:intervention_id>/report.pdf")
@login_required
def report_pdf(intervention_id: int):
    iv = services.load_intervention(intervention_id, current_user)
    pdf = reports.render_report_pdf(iv, current_lang())
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="rapport-intervention-{iv.id}.pdf"'})


@bp.route("/interventions/<int:intervention_id>/sendings/<int:sending_id>/report.pdf")
@login_required
def sent_report_pdf(intervention_id: int, sending_id: int):
    """The PDF a sending sent, as it was (kept in the storage), for who may see the
    intervention."""
    s = reports.sent_pdf(current_user, intervention_id, sending_id)
    try:
        return stored_response(get_storage(), report_key(s.pdf_sha256), content_type="application/pdf", etag=s.pdf_sha256,
                               download_name=f"rapport-intervention-{intervention_id}-envoi-{s.id}.pdf")
    except MissingObject:
        raise NotFound(reports.not_kept_message()) from None


def _recipients(form) -> list[str] | None:
    raw = form.get("recipients")
    if raw is None:
        return None
    return [r.strip() for r in raw.replace(";", ",").replace("\n", ",").split(",") if r.strip()]


@bp.route("/interventions/<int:intervention_id>/report/send", methods=["POST"])
@login_required
def send_report(intervention_id: int):
    def do():
        s = reports.request_report_sending(current_user, intervention_id, recipients=_recipients(request.form), source="web")
        if s.status == "failed":
            raise ServiceError(_("The report could not be sent: %(error)s", error=s.last_error or ""))

    return _run(intervention_id, do, _("Report sending requested."), "#report")


@bp.route("/interventions/<int:intervention_id>/report/sendings/<int:sending_id>/retry", methods=["POST"])
@login_required
def retry_sending(intervention_id: int, sending_id: int):
    return _run(intervention_id, lambda: reports.retry_sending(current_user, sending_id), _("Report sending requested."), "#report")


def detail_context(iv, user) -> dict:
    """What the detail page shows of statuses, rights, time and reports: every right is
    the policy's answer (``may``), read once."""
    et = event_type_of(iv)
    w = work_of(iv)
    segs = segments_of(iv.id)
    facts = policy.facts_of(user, iv, work=w, timer_running=any(s.ended_at is None for s in segs))
    closed_by = db.session.get(User, w.closed_by_id) if (w and w.closed_by_id) else None
    may = policy.decisions(facts)
    return {
        "may": may,
        "transitions": policy.allowed_transitions(facts),
        "work": w,
        "closed_by": closed_by,
        "segments": segs,
        "segments_total": sum(s.minutes or 0 for s in segs),
        "timer_running": facts.timer_running,
        "missing": workflow.completion_missing(iv, current_lang()) if may["finish"].allowed else [],
        "mail_ok": mail_configured(),
        "sendings": reports.sendings_of(iv.id),
        "signature_states": signature_states(iv.id),
        "report_mode": et.report_sending if et else "back_office",
    }


# --- calendar feeds ----------------------------------------------------------------------------


@bp.route("/calendar/<token>.ics")
def calendar_feed(token: str):
    """A technician's interventions as iCalendar (RFC 5545); the token is the credential."""
    body = calendar.feed_for_token(token)
    if body is None:
        abort(404)
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300", "Content-Disposition": 'inline; filename="interventions.ics"'})


@bp.route("/account/calendar", methods=["GET", "POST"])
@login_required
def calendar_page():
    """Your private calendar address: make one, replace it, revoke it. The back office can
    manage the technicians' from here too (``?user=ID``); the account manager does it from
    the user's page, which the forms come back to (``back=user``)."""
    target = current_user
    uid = bounded_int(request.values.get("user"))
    if uid is not None and uid != current_user.id:
        if not access.is_back_office(current_user):
            abort(403)
        target = db.session.get(User, uid) or abort(404)
    if request.method == "POST":
        action = request.form.get("action")
        try:
            if action == "revoke":
                calendar.revoke_feed(current_user, target.id)
                flash(_("The calendar address was revoked: it no longer works."), "success")
            else:
                replaced = calendar.active_feed(target.id) is not None
                calendar.create_feed(current_user, target.id)
                flash(_("A new calendar address was made; the previous one no longer works.") if replaced else _("A calendar address was made."), "success")
        except ServiceError as exc:
            flash(exc.message, "error")
        if request.form.get("back") == "user" and access.can_manage_users(current_user):
            return redirect(url_for("admin.edit_user", user_id=target.id) + "#calendar-feed")
        return redirect(url_for("workflow.calendar_page", user=target.id if target.id != current_user.id else None))
    feed, feed_url = calendar.feed_address(target.id)
    return render_template("account/calendar.html", target=target, feed=feed, feed_url=feed_url)
