"""Applying the operations a device pushes, each exactly once, each whole or not at all.

A pushed batch is one transaction (:func:`webapp.services.unit.unit_of_work`), committed
once at its end: the services flush their changes instead of committing each, so an
operation costs a bounded number of statements and no commit of its own (``bench/push.py``).
Each operation is a step of it, a savepoint: a refusal, a conflict or *any* exception of its
handler rolls back everything the operation did (its claim too), then its final status is
kept in a step of its own; the other operations of the batch are not touched either way.
What must follow the commit (a report sending handed to the worker) runs after it.

An operation is kept under its UUID (:class:`SyncOperation`). The batch claims the row,
and the row is committed only with the change and its final status, or with its refusal:
a replay finds the row and gets the stored result; a request that dies mid-batch leaves
nothing behind (its transaction is rolled back with the claims), so the device's next
replay applies it at once — nothing waits for a claim to expire. Two concurrent pushes of
the same operation meet on the row: the second waits for the first's transaction
(PostgreSQL: on the primary key's lock, at the claim; SQLite: on the database's write lock,
which a batch takes at its start), then finds the row final (a duplicate) or, if the first
died, nothing (and applies it). A row committed as ``pending`` (by an earlier version of
this module, whose request died) is taken over the same way: an UPDATE in the applying
transaction, conditioned on it still being pending.

An exception nobody expected (a bug) refuses the operation with the code ``server_error``
(logged, no detail in the answer): the same operation would fail the same way again, so it
is kept as refused, replays answer ``duplicate``, and the device keeps the technician's data
and shows the reason, instead of retrying it forever.

The results of a batch: exactly one per operation, in order, each of one status:

* ``applied`` — done now; an operation that changes nothing (Start on a started
  intervention, times equal to those kept) is applied too, its ``version`` unchanged;
* ``duplicate`` — done before (a replay): ``original`` says how (applied, refused,
  conflict) and the stored result follows; nothing changes;
* ``refused`` — never to be applied (an invalid operation, the rules, ``server_error``);
* ``conflict`` — based on a version someone else changed since: not applied, both sides
  kept for the back office;
* ``retry`` — not now, send it again: an attachment not uploaded yet
  (``missing_attachment``), the database gave up waiting for another batch's locks
  (``busy``: batches hold theirs until their commit, and two may wait on each other), or
  ``blocked``: an earlier operation of the same intervention in
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
from sqlalchemy.exc import IntegrityError, OperationalError

from engine import walk
from engine.facts import attachment_ids

from .. import metrics
from ..errors import describe, error_body
from ..extensions import db
from ..models import Attachment, Intervention, Submission, SyncOperation, User, utcnow
from ..registry import definition_of
from ..services import unit
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
    from ..services.interventions import load_intervention_by_uuid

    return load_intervention_by_uuid(iv_uuid, user)  # NotFound unless the policy lets the user see it


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


def _claim(user: User, iv: Intervention | None, op: dict, existing: SyncOperation | None) -> tuple[SyncOperation, bool]:
    """The operation's row, and whether this request owns it (must apply it). Owned, the
    row is written in the batch's transaction: it commits with the change, or goes with the
    operation's step or the transaction if the request dies. Not owned, it is another
    request's final row (or, with another user, someone else's id). ``existing``: the row
    as read before (None: there was none)."""
    if existing is None:
        row = SyncOperation(
            id=op["id"], user_id=user.id, intervention_id=iv.id if iv else None, type=op["type"], target=_target(op),
            base_version=op.get("base_version"), device_at=op.get("at"), payload=op["raw"], status="pending", received_at=utcnow(),
        )
        db.session.add(row)
        db.session.flush()  # waits here while another request holds the same id; IntegrityError once it committed it
        return row, True
    if existing.status == "pending" and existing.user_id == user.id:  # committed by a request that died
        taken = db.session.execute(
            sa.update(SyncOperation).where(SyncOperation.id == existing.id, SyncOperation.status == "pending").values(received_at=utcnow())
        ).rowcount
        db.session.refresh(existing)
        return existing, taken == 1
    return existing, False


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
    failed attempt's step was rolled back, its claim with it."""
    server_state = _server_state(iv.id, op) if iv is not None and isinstance(exc, Conflict) else None
    row, mine = _claim(user, iv, op, db.session.get(SyncOperation, op["id"]))
    if not mine:
        return _not_mine(user, row)
    _keep_refusal(row, exc, server_state)
    db.session.flush()
    return stored_result(row)


class _Undone(Exception):
    """Leaves an operation's step to roll it back: why it is not applied, and its
    intervention when it was found."""

    def __init__(self, reason: ServiceError, intervention: Intervention | None):
        super().__init__(str(reason))
        self.reason = reason
        self.intervention = intervention


class ServerFailure(ServiceError):
    """What an unexpected exception of a handler is kept as: refused, ``server_error``."""

    status_code = 500
    code = "server_error"


def _apply(user: User, op: dict) -> dict:
    """The operation in its step: its result, or :class:`_Undone` out of the step."""
    existing = db.session.get(SyncOperation, op["id"])
    if existing is not None and existing.status != "pending":
        return _not_mine(user, existing)
    iv = None
    try:
        iv = _find_intervention(user, op["intervention"])
        if op["type"] == "answers":
            _check_attachments(iv, op)
        row, mine = _claim(user, iv, op, existing)
        if not mine:
            return _not_mine(user, row)
        ctx = OpContext(user=user, intervention=iv, op=op, at=op.get("at"), source=SOURCE,
                        base_version=effective_base(iv.id, row.target, user.id, op.get("base_version")))
        version = HANDLERS[op["type"]](ctx)
    except ServiceError as exc:
        raise _Undone(exc, iv) from exc
    row.status, row.done_at, row.result_version = "applied", utcnow(), version
    db.session.flush()
    return stored_result(row)


def apply_operation(user: User, op: dict) -> dict:
    """One operation (already loaded by the schema, ``op["raw"]`` the JSON as sent) -> its
    result: applied | duplicate | refused | conflict | retry. Run in a step of the batch's
    unit of work: not applied, nothing of it stays but its refusal."""
    try:
        with unit.step():
            return _apply(user, op)
    except Retry as exc:
        return _retry(op["id"], exc)
    except _Undone as undone:
        reason, iv = undone.reason, undone.intervention
    except OperationalError:  # the database gave up waiting: a deadlock with another batch, a lock timeout
        current_app.logger.warning("sync operation %s (%s) met a busy database: retry", op["id"], op["type"], exc_info=True)
        return _retry(op["id"], Retry("busy", _("The server was busy with another change of this intervention: it will be sent again.")))
    except Exception as exc:  # noqa: BLE001 - a bug of one operation must not fail the batch
        done = db.session.get(SyncOperation, op["id"]) if isinstance(exc, IntegrityError) else None
        if done is not None:  # the claim met the same operation, committed meanwhile by another request
            return _not_mine(user, done)
        current_app.logger.exception("sync operation %s (%s) failed", op["id"], op["type"])
        reason = ServerFailure(_("The server failed to apply this change (the error was logged). It stays on your device."))
        iv = db.session.scalar(sa.select(Intervention).where(Intervention.uuid == op["intervention"]))
    with unit.step():
        return _refuse(user, iv, op, reason)


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
    with unit.unit_of_work():
        results = _apply_all(user, raw_ops)
    for raw, result in zip(raw_ops, results):
        metrics.sync_operation(_type_label(raw), result["status"])
    return results


def _apply_all(user: User, raw_ops: list[dict]) -> list[dict]:
    schema = OperationSchema()
    results: list[dict] = []
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
    return results


def _type_label(raw: dict) -> str:
    """An operation's type for the metrics: one the server knows, else ``invalid`` (a
    device cannot make up label values)."""
    kind = raw.get("type")
    return kind if isinstance(kind, str) and kind in HANDLERS else "invalid"
