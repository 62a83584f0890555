"""Applying the operations a device pushes, each exactly once.

An operation is kept under its UUID (:class:`SyncOperation`). The row is claimed first
(committed as ``pending``), then the change and the row's final status are committed
together by the service that makes the change: a replay finds the row and gets the stored
result; a crash in between leaves a ``pending`` row and nothing applied, which a later
replay claims again. Two concurrent pushes of the same operation meet on the primary key.

Versions: an operation carries the version it was based on. Operations the same device made
one after the other before it heard back are chained: an operation based on version *v*
is based on the result of this user's operations already applied on *v* (or later). Any
other difference is someone else's change: a conflict, kept with both sides.

Resolving on the device: answers re-sent on the server's version and applied supersede
the user's earlier refused or conflicting answers of that form ("keep mine"); a ``discard``
operation does the same without changing anything else ("take the office's version").

The rules themselves (closed, rights, mandatory time, transitions, completion) belong to
the services; this module never decides them.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from engine import walk
from engine.facts import attachment_ids

from ..extensions import db
from ..models import Attachment, Intervention, Submission, SyncOperation, User, utcnow
from ..registry import definition_of
from ..services.errors import Conflict, InvalidAnswers, NotFound, ServiceError

STATUS_TARGET = ""
#: Operations about one form's answers (their target is the form): the answers, and the
#: device dropping its refused or conflicting answers for the office's ("discard").
FORM_TYPES = ("answers", "discard")


class Retry(Exception):
    """Not now, not refused: the device keeps the operation and sends it again later
    (an attachment not uploaded yet, the same operation being applied right now)."""

    def __init__(self, code: str, message: str, missing: list[str] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.missing = missing or []


def stored_result(op: SyncOperation) -> dict:
    out = {"id": op.id, "status": op.status}
    if op.code:
        out["code"] = op.code
    if op.message:
        out["message"] = op.message
    if op.errors:
        out["errors"] = op.errors
    if op.result_version is not None:
        out["version"] = op.result_version
    if op.status == "conflict" and op.server_state:
        out["server_version"] = op.server_state.get("version")  # base a re-send on this one
    if op.type == "discard" and op.status == "applied":
        out["resolved"] = list(db.session.scalars(sa.select(SyncOperation.id).where(SyncOperation.superseded_by == op.id).order_by(SyncOperation.done_at)))
    return out


def _target(op: dict) -> str:
    return op["form_id"] if op["type"] in FORM_TYPES else STATUS_TARGET


def effective_base(intervention_id: int, target: str, user_id: int, base: int | None) -> int | None:
    if base is None:
        return None
    chained = db.session.scalar(
        sa.select(sa.func.max(SyncOperation.result_version)).where(
            SyncOperation.intervention_id == intervention_id, SyncOperation.target == target, SyncOperation.user_id == user_id,
            SyncOperation.status == "applied", SyncOperation.base_version >= base,
        )
    )
    return max(base, chained) if chained is not None else base


def _find_intervention(user: User, iv_uuid: str) -> Intervention:
    from ..services import access
    from ..services.interventions import load_intervention

    iv_id = db.session.scalar(sa.select(Intervention.id).where(Intervention.uuid == iv_uuid))
    if iv_id is None:
        raise NotFound(_("No such intervention."))
    iv = load_intervention(iv_id, user)  # NotFound unless visible
    if not (access.is_assigned(user, iv) or access.is_back_office(user)):
        raise NotFound(_("No such intervention."))
    return iv


def _check_attachments(iv: Intervention, op: dict) -> None:
    """Answers reference only photos and signatures uploaded for this intervention; the
    device uploads them first, so a missing one is a retry, not a refusal."""
    from ..services.submissions import form_for, get_submission

    sub = get_submission(iv.id, op["form_id"])
    try:
        fv = form_for(iv, op["form_id"], sub)
    except NotFound:
        return  # the service refuses it with its own reason
    ids = attachment_ids(walk(definition_of(fv), op["data"]))
    if not ids:
        return
    found = set(db.session.scalars(sa.select(Attachment.id).where(Attachment.id.in_(ids), Attachment.intervention_id == iv.id)))
    missing = [i for i in ids if i not in found]
    if missing:
        raise Retry("missing_attachment", _("Photos or signatures are not uploaded yet."), missing)


def _claim(user: User, iv: Intervention | None, op: dict) -> tuple[SyncOperation, bool]:
    """The operation's row, and whether this request owns it (must apply it)."""
    row = db.session.get(SyncOperation, op["id"])
    if row is None:
        row = SyncOperation(
            id=op["id"], user_id=user.id, intervention_id=iv.id if iv else None, type=op["type"], target=_target(op),
            base_version=op.get("base_version"), device_at=op.get("at"), payload=op["raw"], status="pending", received_at=utcnow(),
        )
        db.session.add(row)
        try:
            db.session.commit()
            return row, True
        except IntegrityError:  # the same operation arrived meanwhile
            db.session.rollback()
            row = db.session.get(SyncOperation, op["id"])
            if row is None:  # pragma: no cover - another constraint
                raise
            return row, False
    if row.status == "pending" and row.user_id == user.id:
        stale = utcnow() - timedelta(seconds=current_app.config.get("SYNC_PENDING_SECONDS", 60))
        if row.received_at < stale:  # claimed by a request that died: nothing was applied
            taken = db.session.execute(
                sa.update(SyncOperation).where(SyncOperation.id == row.id, SyncOperation.status == "pending", SyncOperation.received_at == row.received_at)
                .values(received_at=utcnow())
            ).rowcount
            db.session.commit()
            if taken == 1:
                db.session.refresh(row)
                return row, True
    return row, False


def _server_state(iv_id: int, op: dict) -> dict:
    if op["type"] == "answers":
        sub = db.session.scalar(sa.select(Submission).where(Submission.intervention_id == iv_id, Submission.form_id == op["form_id"]))
        if sub is None:
            return {"data": None, "version": 0}
        who = db.session.get(User, sub.updated_by_id) if sub.updated_by_id else None
        return {"data": sub.data, "version": sub.version, "updated_at": sub.updated_at.isoformat(), "updated_by": who.display_name if who else None}
    iv = db.session.get(Intervention, iv_id)
    return {"status": iv.status, "closed": bool(iv.closed), "version": iv.version}


def _apply(user: User, iv: Intervention, op: dict, expected: int | None) -> int | None:
    """Make the change through the services; returns the target's new version (None for
    a discard, which changes nothing but the device's own refused operations)."""
    from ..services import workflow

    kind = op["type"]
    at = op.get("at")
    if kind == "discard":  # nothing changes on the intervention: see _discard
        return None
    if kind == "answers":
        from ..services.submissions import form_for, get_submission, save_submission

        sub = get_submission(iv.id, op["form_id"])
        if expected == 0 and sub is not None:
            raise Conflict(_("Someone else answered this form meanwhile."))
        fv = form_for(iv, op["form_id"], sub)
        if op.get("form_hash") and op["form_hash"] != fv.content_hash:
            raise Conflict(_("This form was filled in another version than the one of the intervention."))
        saved = save_submission(user, iv.id, op["form_id"], op["data"], expected_version=expected or None)
        return saved.version
    common = {"at": at, "expected_version": expected, "source": "device"}
    if kind == "start":
        out = workflow.start_intervention(user, iv.id, **common)
    elif kind == "pause":
        out = workflow.pause_intervention(user, iv.id, **common)
    elif kind == "resume":
        out = workflow.resume_intervention(user, iv.id, **common)
    elif kind == "finish":
        out = workflow.finish_intervention(user, iv.id, duration_minutes=op.get("duration_minutes"), travel_minutes=op.get("travel_minutes"), **common)
    elif kind == "back_to_confirmed":
        out = workflow.back_to_confirmed(user, iv.id, **common)
    elif kind == "transition":
        out = workflow.transition(user, iv.id, op["to"], **common)
    elif kind == "time":
        out = workflow.record_time(user, iv.id, actual_minutes=op.get("duration_minutes"), travel_minutes=op.get("travel_minutes"))
    elif kind == "send_report":
        from ..services.reports import request_report_sending

        request_report_sending(user, iv.id, recipients=op.get("recipients"), source="device")
        out = None
    else:  # pragma: no cover - the schema refuses other types
        raise ServiceError(_("Unknown operation."))
    if out is None:
        out = db.session.get(Intervention, iv.id)
    return out.version


def _error_fields(exc: ServiceError) -> dict:
    out: dict = {"code": getattr(exc, "code", "invalid"), "message": exc.message or str(exc)}
    if isinstance(exc, InvalidAnswers):
        out["errors"] = [{"pointer": e.pointer, "message": e.message, "keyword": e.keyword} for e in exc.errors]
    elif getattr(exc, "missing", None):
        out["errors"] = [dict(m) for m in exc.missing]
    elif isinstance(getattr(exc, "errors", None), dict):
        out["errors"] = [{"field": k, "message": " ".join(v)} for k, v in exc.errors.items()]
    return out


def _supersede(row: SyncOperation) -> None:
    """Answers applied: the earlier refused or conflicting answers of the same user and form
    are resolved by this one (the technician kept their version and sent it again)."""
    db.session.execute(
        sa.update(SyncOperation).where(
            SyncOperation.intervention_id == row.intervention_id, SyncOperation.target == row.target, SyncOperation.user_id == row.user_id,
            SyncOperation.type == "answers", SyncOperation.status.in_(("refused", "conflict")), SyncOperation.superseded_by.is_(None),
            SyncOperation.id != row.id,
        ).values(superseded_by=row.id)
    )


def _discard(user: User, row: SyncOperation) -> list[str]:
    """"Take the office's version" on the device: this user's refused or conflicting
    answers of the form, received before and not resolved yet, are resolved by this
    operation (who and when: its user and ``done_at``); the office's answers stay as they
    are. Audited, with the operations resolved."""
    open_ops = list(db.session.scalars(
        sa.select(SyncOperation.id).where(
            SyncOperation.intervention_id == row.intervention_id, SyncOperation.target == row.target, SyncOperation.user_id == row.user_id,
            SyncOperation.type == "answers", SyncOperation.status.in_(("refused", "conflict")), SyncOperation.superseded_by.is_(None),
            SyncOperation.id != row.id,
        ).order_by(SyncOperation.done_at)
    ))
    if open_ops:
        db.session.execute(sa.update(SyncOperation).where(SyncOperation.id.in_(open_ops), SyncOperation.superseded_by.is_(None)).values(superseded_by=row.id))
    from ..services.audit import audit

    audit(user, "intervention", row.intervention_id, "answers_discard", None, row.target, {"operations": open_ops, "source": "device", "operation": row.id})
    return open_ops


def apply_operation(user: User, op: dict) -> dict:
    """One operation (already loaded by the schema, ``op["raw"]`` the JSON as sent) -> its
    result: applied | duplicate | refused | conflict | retry."""
    existing = db.session.get(SyncOperation, op["id"])
    if existing is not None and existing.status != "pending":
        if existing.user_id != user.id:
            return {"id": op["id"], "status": "refused", "code": "invalid", "message": _("This operation id is already used.")}
        return {**stored_result(existing), "status": "duplicate", "original": existing.status}
    iv = None
    try:
        iv = _find_intervention(user, op["intervention"])
        if op["type"] == "answers":
            _check_attachments(iv, op)
    except Retry as exc:
        return {"id": op["id"], "status": "retry", "code": exc.code, "message": exc.message, "missing": exc.missing}
    except ServiceError as exc:
        iv = None
        refusal = _error_fields(exc)
    else:
        refusal = None
    row, mine = _claim(user, iv, op)
    if not mine:
        if row.user_id != user.id:
            return {"id": op["id"], "status": "refused", "code": "invalid", "message": _("This operation id is already used.")}
        if row.status == "pending":
            return {"id": op["id"], "status": "retry", "code": "in_progress", "message": _("This change is being saved; it will be confirmed shortly.")}
        return {**stored_result(row), "status": "duplicate", "original": row.status}
    op_id = row.id
    if refusal is None:
        expected = effective_base(iv.id, row.target, user.id, op.get("base_version"))
        row.status, row.done_at = "applied", utcnow()  # committed together with the change
        try:
            version = _apply(user, iv, op, expected)
        except ServiceError as exc:
            db.session.rollback()
            row = db.session.get(SyncOperation, op_id)
            row.done_at = utcnow()
            fields = _error_fields(exc)
            row.code, row.message, row.errors = fields["code"], fields["message"], fields.get("errors")
            if isinstance(exc, Conflict):
                row.status = "conflict"
                row.server_state = _server_state(iv.id, op)
            else:
                row.status = "refused"
            db.session.commit()
        else:
            row = db.session.get(SyncOperation, op_id)
            row.result_version = version
            if op["type"] == "answers":
                _supersede(row)
            elif op["type"] == "discard":
                _discard(user, row)
            db.session.commit()
    else:
        row.status, row.done_at = "refused", utcnow()
        row.code, row.message, row.errors = refusal["code"], refusal["message"], refusal.get("errors")
        db.session.commit()
    return stored_result(row)
