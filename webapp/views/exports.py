"""The back office's Exports page (issue 15): the dialog, the download of a small export,
and the progress page, status and download of a large one."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, send_file, stream_with_context, url_for
from flask_login import current_user, login_required

from engine import clock

from ..exports.request import ExportRequest, parse_request
from ..extensions import db
from ..i18n import current_lang
from ..models import Client, User
from ..registry import get_registry
from ..schemas import form_to_dict
from ..services import access, exports
from ..services.errors import InvalidInput

bp = Blueprint("exports", __name__, url_prefix="/exports")
CLIENT_SELECT_LIMIT = 300  # above this, the client is typed as its number


@bp.before_request
@login_required
def _back_office_only():
    if not access.can_export(current_user):
        abort(403)


def _choices() -> dict:
    reg = get_registry()
    lang = current_lang()
    n_clients = db.session.scalar(sa.select(sa.func.count(Client.id)))
    return {
        "forms": sorted(((fid, d.title_in(lang)) for fid, d in reg.forms.items()), key=lambda x: x[1].casefold()),
        "types": sorted(((tid, et.title_in(lang)) for tid, et in reg.event_types.items()), key=lambda x: x[1].casefold()),
        "statuses": [(s.key, s.label_in(lang)) for s in reg.workflow.statuses],
        "techs": [u for u in db.session.scalars(sa.select(User).order_by(User.display_name)) if access.is_assignable(u)],
        "clients": list(db.session.scalars(sa.select(Client).order_by(Client.name))) if n_clients <= CLIENT_SELECT_LIMIT else None,
        "jobs": exports.recent_jobs(current_user),
    }


def _defaults() -> dict:
    today = clock.today()
    return {"subject": "", "date_from": date(today.year, 1, 1).isoformat(), "date_to": today.isoformat(), "format": "xlsx"}


@bp.route("/", methods=["GET", "POST"])
def index():
    values, errors = _defaults(), {}
    if request.method == "POST":
        values = form_to_dict(request.form)
        try:
            req = parse_request(values, lang=current_lang(), base_url=request.url_root)
            plan, forms, total = exports.prepare(current_user, req)
        except InvalidInput as exc:
            errors = exc.errors
        else:
            if exports.is_large(total):
                job = exports.start_export(current_user, req, total)
                return redirect(url_for("exports.job", job_id=job.id))
            return _download_now(req, plan, forms)
    return render_template("exports/index.html", values=values, errors=errors, **_choices()), 422 if errors else 200


def _download_now(req: ExportRequest, plan, forms) -> Response:
    name = exports.file_name(req, plan)
    if req.format == "csv":
        response = Response(stream_with_context(exports.csv_stream(plan, forms)), mimetype=exports.mimetype(name))
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return send_file(exports.xlsx_tempfile(plan, forms), mimetype=exports.mimetype(name), as_attachment=True, download_name=name)


@bp.route("/jobs/<job_id>")
def job(job_id: str):
    job = exports.job_of(current_user, job_id)
    return render_template("exports/job.html", job=job, progress=exports.progress_of(job))


@bp.route("/jobs/<job_id>/status")
def job_status(job_id: str):
    job = exports.job_of(current_user, job_id)
    body = exports.progress_of(job)
    body["download_url"] = url_for("exports.download", job_id=job.id) if job.status == "done" else None
    return jsonify(body)


@bp.route("/jobs/<job_id>/download")
def download(job_id: str):
    job = exports.job_of(current_user, job_id)
    stored = exports.file_of(job)
    response = send_file(stored.stream, mimetype=exports.mimetype(job.file_name), as_attachment=True, download_name=job.file_name, max_age=0)
    response.content_length = stored.size
    response.headers["Cache-Control"] = "private, no-store"
    return response
