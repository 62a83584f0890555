"""Answer exports (issue 15): the answers of a form, or of an event type's forms, over a
period, as XLSX or CSV, for the back office (:func:`webapp.services.access.can_export`).

A small export is made in the request (:func:`export_now`: the CSV streamed, the XLSX
through a temporary file). One of more than ``EXPORT_SYNC_MAX_ROWS`` rows is a job
(:func:`start_export`, an :class:`ExportJob` row): RQ's when ``REDIS_URL`` is set, else run
in the web process once the response is sent (:func:`webapp.tasks.submit`). The job writes
its progress in its row after each page of rows, so that the back office's page reads it
from any process. The file is written in ``EXPORTS_DIR`` (this node's scratch folder), then
put in the storage (:mod:`webapp.storage`: the local folder or S3), so that any node serves
the download, whichever made it; it is kept ``EXPORT_KEEP_HOURS`` hours.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from .. import tasks
from ..exports import plan as plan_mod
from ..exports import source, writers
from ..exports.request import ExportRequest
from ..extensions import db
from ..models import Client, ExportJob, FormVersion, User, utcnow
from ..registry import get_registry
from ..storage import MissingObject, StoredStream, export_key, get_storage
from . import access
from .errors import Forbidden, InvalidInput, NotFound

#: The placeholder of an attachment id in the download route's address.
_ID = "00000000-0000-0000-0000-000000000000"


def check_allowed(actor: User | None) -> None:
    """Only the back office exports (a technician is refused; None: the server's CLI)."""
    if actor is not None and not access.can_export(actor):
        raise Forbidden(_("Only the back office exports answers."))


def forms_of(req: ExportRequest) -> list[str]:
    """The exported forms, checked: the form, or the event type's forms. InvalidInput
    (field ``subject``) when it does not exist."""
    reg = get_registry()
    if req.form_id:
        known = req.form_id in reg.forms or db.session.scalar(sa.select(FormVersion.id).where(FormVersion.form_id == req.form_id).limit(1))
        if not known:
            raise InvalidInput({"subject": [_("No such form.")]})
        return [req.form_id]
    et = reg.event_types.get(req.event_type_id or "")
    if et is None:
        raise InvalidInput({"subject": [_("No such event type.")]})
    return list(et.forms)


def _check_filters(req: ExportRequest) -> None:
    errors: dict[str, list[str]] = {}
    if req.technician_id:
        tech = db.session.get(User, req.technician_id)
        if tech is None or not access.is_assignable(tech):
            errors["technician_id"] = [_("No such technician.")]
    if req.client_id and db.session.get(Client, req.client_id) is None:
        errors["client_id"] = [_("No such client.")]
    if req.status and req.status not in {s.key for s in get_registry().workflow.statuses}:
        errors["status"] = [_("No such status.")]
    if errors:
        raise InvalidInput(errors)


def attachment_link(base_url: str):
    """Attachment id -> the absolute address of its download route (login needed, and the
    right to see its intervention)."""
    path = current_app.url_map.bind("localhost").build("interventions.attachment", {"attachment_id": _ID})
    prefix, _sep, suffix = (base_url.rstrip("/") + path).partition(_ID)
    return lambda attachment_id: f"{prefix}{attachment_id}{suffix}"


def prepare(actor: User | None, req: ExportRequest) -> tuple[plan_mod.Plan, list[str], int]:
    """Checked request -> the plan of the sheets, the forms, the number of rows."""
    check_allowed(actor)
    forms = forms_of(req)
    _check_filters(req)
    total = source.count(req, forms)
    if req.format == "xlsx" and total >= writers.EXCEL_MAX_ROWS:
        raise InvalidInput({"format": [_("Too many rows for one XLSX sheet (%(n)d): export as CSV or choose a shorter period.", n=total)]})
    versions = source.version_ids(req, forms)
    parts = [plan_mod.form_part(fid, versions.get(fid, []), req.lang) for fid in forms]
    return plan_mod.build_plan(req, parts, attachment_link(req.base_url)), forms, total


def file_name(req: ExportRequest, plan: plan_mod.Plan) -> str:
    ext = req.format if req.format == "xlsx" or not writers.csv_is_zip(plan) else "zip"
    return f"{req.form_id or req.event_type_id}_{req.date_from.isoformat()}_{req.date_to.isoformat()}.{ext}"


def mimetype(name: str) -> str:
    return {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "text/csv; charset=utf-8",
            "zip": "application/zip"}[name.rsplit(".", 1)[-1]]


def write_export(plan: plan_mod.Plan, forms: list[str], path: str | os.PathLike, progress=None) -> None:
    """The whole export into the file ``path``."""
    pages = source.records(plan.request, forms)
    if plan.request.format == "xlsx":
        writers.write_xlsx(plan, pages, path, progress)
    else:
        writers.write_csv(plan, pages, path, progress)


def is_large(total: int) -> bool:
    return total > int(current_app.config.get("EXPORT_SYNC_MAX_ROWS", 2000))


def csv_stream(plan: plan_mod.Plan, forms: list[str]) -> Iterator[bytes]:
    return writers.stream_csv(plan, source.records(plan.request, forms))


def xlsx_tempfile(plan: plan_mod.Plan, forms: list[str]):
    """The XLSX in an anonymous temporary file, at its start (deleted once closed)."""
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        write_export(plan, forms, path)
        f = open(path, "rb")
    finally:
        os.unlink(path)  # the open file stays readable (POSIX)
    return f


# --- jobs ----------------------------------------------------------------------------------


def exports_dir() -> Path:
    path = Path(current_app.config["EXPORTS_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def start_export(actor: User, req: ExportRequest, total: int | None = None) -> ExportJob:
    """A job for a large export; it runs outside the request."""
    check_allowed(actor)
    purge_expired()
    job = ExportJob(requested_by_id=actor.id, params=req.as_json(), format=req.format, status="queued", rows_done=0, rows_total=total)
    db.session.add(job)
    db.session.commit()
    job_id = tasks.submit(export_job, run_export, job.id, description=f"export {job.id}", timeout=int(current_app.config.get("EXPORT_JOB_TIMEOUT", 3600)))
    if job_id:
        job = db.session.get(ExportJob, job.id)
        job.job_id = job_id
        db.session.commit()
    return job


def export_job(job_id: str) -> str:
    """The RQ job of an export."""
    return tasks.run_attempt(run_export, job_id)


def run_export(job_id: str, *, last_attempt: bool = True, retry_in: float | None = None) -> bool:
    """Make the file of a queued export, its progress committed page by page. A failure
    is kept on the job (``error``), not retried."""
    job = db.session.get(ExportJob, job_id)
    if job is None or job.status != "queued":
        return True
    job.status, job.started_at = "running", utcnow()
    db.session.commit()
    req = ExportRequest.from_json(job.params)
    part = exports_dir() / f"{job_id}.part"
    try:
        requester = db.session.get(User, job.requested_by_id)
        plan, forms, total = prepare(requester, req)
        job = db.session.get(ExportJob, job_id)
        job.rows_total = total
        db.session.commit()

        def progress(done: int) -> None:
            db.session.execute(sa.update(ExportJob).where(ExportJob.id == job_id).values(rows_done=done))
            db.session.commit()

        write_export(plan, forms, part, progress)
        name = file_name(req, plan)
        with open(part, "rb") as f:
            stored = get_storage().put(_key(job_id, name), f, mimetype(name))
        part.unlink()
    except Exception as exc:  # noqa: BLE001 - every failure is shown on the job's page
        db.session.rollback()
        part.unlink(missing_ok=True)
        job = db.session.get(ExportJob, job_id)
        job.status, job.finished_at = "failed", utcnow()
        job.error = (getattr(exc, "message", "") or str(exc) or type(exc).__name__)[:2000]
        db.session.commit()
        current_app.logger.warning("export %s failed: %s", job_id, job.error)
        return True
    job = db.session.get(ExportJob, job_id)
    now = utcnow()
    job.status, job.finished_at, job.file_name, job.size = "done", now, name, stored.size
    job.rows_done = total
    job.expires_at = now + timedelta(hours=float(current_app.config.get("EXPORT_KEEP_HOURS", 24)))
    db.session.commit()
    return True


def job_of(actor: User, job_id: str) -> ExportJob:
    """The job, for the one who asked for it; anyone else: 404, as for a job that is not
    (nor is an id that is not a UUID: it never reaches SQL)."""
    try:
        job_id = str(uuid.UUID(job_id))
    except ValueError:
        raise NotFound(_("No such export.")) from None
    job = db.session.get(ExportJob, job_id)
    if job is None or job.requested_by_id != actor.id or not access.can_export(actor):
        raise NotFound(_("No such export."))
    return job


def _key(job_id: str, file_name: str) -> str:
    return export_key(job_id, file_name.rsplit(".", 1)[-1])


def file_of(job: ExportJob) -> StoredStream:
    """The finished file, to be streamed (close it); NotFound once expired or gone."""
    if job.status != "done" or job.file_name is None or (job.expires_at is not None and job.expires_at <= utcnow()):
        raise NotFound(_("This export has expired: make it again."))
    try:
        return get_storage().open(_key(job.id, job.file_name))
    except MissingObject:
        raise NotFound(_("This export has expired: make it again.")) from None


def recent_jobs(actor: User, limit: int = 10) -> list[ExportJob]:
    return list(db.session.scalars(sa.select(ExportJob).where(ExportJob.requested_by_id == actor.id).order_by(ExportJob.requested_at.desc()).limit(limit)))


def purge_expired() -> int:
    """Delete the files of expired exports (their rows stay, ``expired``)."""
    now = utcnow()
    jobs = list(db.session.scalars(sa.select(ExportJob).where(ExportJob.status == "done", ExportJob.expires_at <= now)))
    storage = get_storage()
    for job in jobs:
        if job.file_name:
            storage.delete(_key(job.id, job.file_name))
        job.status = "expired"
    if jobs:
        db.session.commit()
    return len(jobs)


def progress_of(job: ExportJob) -> dict:
    """What the back office's page polls."""
    total = job.rows_total
    percent = 100 if job.status == "done" else (int(job.rows_done * 100 / total) if total else 0)
    return {"id": job.id, "status": job.status, "done": job.rows_done, "total": total, "percent": min(percent, 100), "error": job.error, "file_name": job.file_name}
