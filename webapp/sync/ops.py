"""Applying the operations a device pushes, each exactly once, each whole or not at all.

An operation is kept under its UUID (:class:`SyncOperation`). The request that applies it
claims the row in its own transaction, and the row is committed only with the change and
the row's final status (by the service that makes the change), or with its refusal: a
replay finds the row and gets the stored result; a request that dies mid-apply leaves
nothing behind (its transaction is rolled back with the claim), so the device's next replay
applies it at once — nothing waits for a claim to expire. Two concurrent pushes of the same
operation meet on the row: the second waits for the first's transaction (PostgreSQL: on the
primary key's or the row's lock; SQLite: on the database's write lock), then finds the row
final (a duplicate) or, if the first died, nothing (and applies it). A row committed as
``pending`` (by an earlier version of this module, whose request died) is taken over the
same way: an UPDATE in the applying transaction, conditioned on it still being pending.

Each operation is its own unit of work, from its claim to that one commit: a refusal, a
conflict or *any* exception of its handler rolls back everything it did (its claim too), and
only then is its final status kept. It is a transaction of its own rather than a savepoint of
the batch's because the services commit what they change (a report queued must be committed
before a worker looks for it); the other operations of the batch are not touched either way.
An exception nobody expected (a bug) refuses the operation with the code ``server_error``
(logged, no detail in the answer): the same operation would fail the same way again, so it
is kept as refused, replays answer ``duplicate``, and the device keeps the technician's data
and shows the reason, instead of retrying it forever. Had the service already committed the
change (and the operation as applied) before the exception, the operation *is* applied: its
result says so.

The results of a batch: exactly one per operation, in order, each of one status:

* ``applied`` — done now; an operation that changes nothing (Start on a started
  intervention, times equal to those kept) is applied too, its ``version`` unchanged;
* ``duplicate`` — done before (a replay): ``original`` says how (applied, refused,
  conflict) and the stored result follows; nothing changes;
* ``refused`` — never to be applied (an invalid operation, the rules, ``server_error``);
* ``conflict`` — based on a version someone else changed since: not applied, both sides
  kept for the back office;
* ``retry`` — not now, send it again: an attachment not uploaded yet
  (``missing_attachment``), or ``blocked``: an earlier operation of the same intervention in
  this batch was not applied (refused, in conflict, or to retry), so the later ones of that
  intervention wait for the device to hear of it — Finish never overtakes refused answers,
  a transition never overtakes the refused one before it. Nothing of a blocked operation
  is kept. Operations of other interventions go on. A ``duplicate`` holds nothing back:
  its outcome was decided before, and the device hears it in this answer.

Versions: an operation carries the version it was based on. Operations the same device made
one after the other before it heard back are chained: an operation based on version *v*
is based on the result of this user's operations already applied on *v* (or later). Any
other difference is someone else's change: a conflict, kept with both sides.

Resolving on the device: answers re-sent on the server's version and applied supersede
the user's earlier refused or conflicting answers of that form ("keep mine"); a ``discard``
operation does the same without changing anything else ("take the office's version").

Each type is applied by its handler (:data:`webapp.sync.handlers.HANDLERS`), which gets the
same context for every type: the user, the intervention, the operation, the device's
instant, the source and the (chained) base version.

A result's error part (why it was refused, in conflict or to retry) has the fields of every
API error (:mod:`webapp.errors`): ``error`` (the reason, in the user's language), ``code``,
``errors`` and ``pointer``.

The rules themselves (closed, rights, mandatory time, transitions, completion) belong to
the services; this module never decides them.
"""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError

from engine import walk
from engine.facts import attachment_ids

from .. import metrics
from ..errors import describe, error_body
from ..extensions import db
from ..models import Attachment, Intervention, Submission, SyncOperation, User, utcnow
from ..registry import definition_of
from ..services.errors import Conflict, NotFound, ServiceError
from .handlers import HANDLERS, SOURCE, OpContext
from .schemas import OperationSchema

STATUS_TARGET = ""
#: The statuses of an operation not applied in this batch: they hold back the later
#: operations of the same intervention (``retry``/``blocked``).
NOT_APPLIED = ("refused", "conflict", "retry")
#: Operations about one form's answers (their target is the form): the answers, and the
#: device dropping its refused or conflicting answers for the office's ("discard").
FORM_TYPES = ("answers", "discard")


class Retry(Exception):
    """Not now, not refused: the device keeps the operation and sends it again later
    (an attachment not uploaded yet)."""

    def __init__(self, code: str, message: str, missing: list[str] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.missing = missing or []


def error_part(op: SyncOperation) -> dict:
    """Why a kept operation was refused or is in conflict, in the API's error fields
    (nothing for one applied)."""
    return error_body(op.code, op.message or "", op.errors) if op.code else {}


def stored_result(op: SyncOperation) -> dict:
    out = {"id": op.id, "status": op.status, **error_part(op)}
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
    from ..services.interventions import load_intervention

    iv_id = db.session.scalar(sa.select(Intervention.id).where(Intervention.uuid == iv_uuid))
    if iv_id is None:
        raise NotFound(_("No such intervention."))
    return load_intervention(iv_id, user)  # NotFound unless the policy lets the user see it


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
    """The operation's row, and whether this request owns it (must apply it). Owned, the
    row is written in this request's transaction and not committed: it commits with the
    change, or goes with the transaction if the request dies. Not owned, it is another
    request's final row (or, with another user, someone else's id)."""
    row = db.session.get(SyncOperation, op["id"])
    if row is None:
        row = SyncOperation(
            id=op["id"], user_id=user.id, intervention_id=iv.id if iv else None, type=op["type"], target=_target(op),
            base_version=op.get("base_version"), device_at=op.get("at"), payload=op["raw"], status="pending", received_at=utcnow(),
        )
        db.session.add(row)
        try:
            db.session.flush()  # waits here while another request holds the same id
            return row, True
        except IntegrityError:  # that request applied it (or refused it) meanwhile
            db.session.rollback()
            row = db.session.get(SyncOperation, op["id"])
            if row is None:  # pragma: no cover - another constraint
                raise
            return row, False
    if row.status == "pending" and row.user_id == user.id:  # committed by a request that died
        taken = db.session.execute(
            sa.update(SyncOperation).where(SyncOperation.id == row.id, SyncOperation.status == "pending").values(received_at=utcnow())
        ).rowcount
        db.session.refresh(row)
        return row, taken == 1
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


def _already_used(op_id: str) -> dict:
    return {"id": op_id, "status": "refused", **error_body("invalid", _("This operation id is already used."))}


def _retry(op_id: str, exc: Retry) -> dict:
    return {"id": op_id, "status": "retry", **error_body(exc.code, exc.message), "missing": exc.missing}


def _keep_refusal(row: SyncOperation, exc: ServiceError, server_state: dict | None) -> None:
    """The operation's final status when refused or in conflict (``server_state``: the
    server's side of a conflict, kept for the back office)."""
    body = describe(exc)[1]
    row.done_at = utcnow()
    row.code, row.message, row.errors = body["code"], body["error"], body.get("errors")
    row.status = "conflict" if server_state is not None else "refused"
    row.server_state = server_state


def _not_mine(user: User, row: SyncOperation) -> dict:
    """The result of an operation another request finished (the claim waited for it)."""
    if row.user_id != user.id:
        return _already_used(row.id)
    return {**stored_result(row), "status": "duplicate", "original": row.status}


def _refuse(user: User, iv: Intervention | None, op: dict, exc: ServiceError) -> dict:
    """Keep a refusal (or a conflict, with the server's side), claiming the row again: the
    failed attempt's transaction was rolled back, its claim with it."""
    server_state = _server_state(iv.id, op) if iv is not None and isinstance(exc, Conflict) else None
    row, mine = _claim(user, iv, op)
    if not mine:
        return _not_mine(user, row)
    _keep_refusal(row, exc, server_state)
    db.session.commit()
    return stored_result(row)


class ServerFailure(ServiceError):
    """What an unexpected exception of a handler is kept as: refused, ``server_error``."""

    status_code = 500
    code = "server_error"


def apply_operation(user: User, op: dict) -> dict:
    """One operation (already loaded by the schema, ``op["raw"]`` the JSON as sent) -> its
    result: applied | duplicate | refused | conflict | retry."""
    existing = db.session.get(SyncOperation, op["id"])
    if existing is not None and existing.status != "pending":
        return _not_mine(user, existing)
    try:
        iv = _find_intervention(user, op["intervention"])
        if op["type"] == "answers":
            _check_attachments(iv, op)
    except Retry as exc:
        return _retry(op["id"], exc)
    except ServiceError as exc:
        return _refuse(user, None, op, exc)
    row, mine = _claim(user, iv, op)
    if not mine:
        return _not_mine(user, row)
    op_id = row.id
    ctx = OpContext(user=user, intervention=iv, op=op, at=op.get("at"), source=SOURCE,
                    base_version=effective_base(iv.id, row.target, user.id, op.get("base_version")))
    row.status, row.done_at = "applied", utcnow()  # committed together with the change
    try:
        version = HANDLERS[op["type"]](ctx)
    except ServiceError as exc:
        db.session.rollback()
        return _refuse(user, iv, op, exc)
    except Exception:  # noqa: BLE001 - a bug of one operation must not fail the batch
        current_app.logger.exception("sync operation %s (%s) failed", op_id, op["type"])
        db.session.rollback()
        done = db.session.get(SyncOperation, op_id)
        if done is not None and done.status == "applied":  # committed with its change before the bug
            return stored_result(done)
        return _refuse(user, iv, op, ServerFailure(_("The server failed to apply this change (the error was logged). It stays on your device.")))
    row = db.session.get(SyncOperation, op_id)
    row.result_version = version
    db.session.commit()
    return stored_result(row)


def _intervention_of(raw: dict) -> str | None:
    """The intervention an operation that did not load names, if it names one."""
    try:
        return str(UUID(str(raw.get("intervention"))))
    except ValueError:
        return None


def apply_batch(user: User, raw_ops: list[dict]) -> list[dict]:
    """A pushed batch, in order: one result per operation. An operation that does not load
    is refused alone; one not applied (refused, in conflict, to retry) holds back the later
    ones of the same intervention (``retry``/``blocked``), the others go on."""
    schema = OperationSchema()
    results = []
    blocked: set[str | None] = set()
    for raw in raw_ops:
        try:
            op = schema.load(raw)
        except ValidationError as err:
            results.append({"id": str(raw.get("id", "")), "status": "refused", **describe(err)[1]})
            blocked.add(_intervention_of(raw))
            continue
        op["id"], op["intervention"] = str(op["id"]), str(op["intervention"])
        op["raw"] = raw
        if op["intervention"] in blocked:
            results.append({"id": op["id"], "status": "retry", **error_body("blocked", _("An earlier change of this intervention must go first."))})
            continue
        result = apply_operation(user, op)
        if result["status"] in NOT_APPLIED:
            blocked.add(op["intervention"])
        results.append(result)
    for raw, result in zip(raw_ops, results):
        metrics.sync_operation(_type_label(raw), result["status"])
    return results


def _type_label(raw: dict) -> str:
    """An operation's type for the metrics: one the server knows, else ``invalid`` (a
    device cannot make up label values)."""
    kind = raw.get("type")
    return kind if isinstance(kind, str) and kind in HANDLERS else "invalid"
