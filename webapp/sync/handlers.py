"""One handler per operation type a device pushes (DESIGN.md, "sync operations").

:data:`HANDLERS` maps every type :mod:`webapp.sync.schemas` accepts to a function of one
:class:`OpContext`: who, which intervention, the operation, when it was done on the device
(``at``), the source (``"device"``) and the version it is based on (already chained by
:func:`webapp.sync.ops.effective_base`). Every handler makes its change through the services,
which check the rules, compare the base version (a stale one is a ``Conflict``) and write the
audit row with that source and instant; the handler returns the target's version afterwards.

Two types do not compare versions, on purpose: ``discard`` changes nothing the office sees
(it only resolves this device's own refused answers), and ``send_report`` builds the report
from what the server holds when it is sent, whatever the device saw.

:mod:`webapp.sync.ops` claims the operation, calls the handler and keeps its result; a
handler never touches the operation's row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..models import Intervention, SyncOperation, User
from ..services import workflow
from ..services.audit import audit, origin
from ..services.errors import Conflict
from ..services.reports import request_report_sending
from ..services.submissions import form_for, get_submission, save_submission

SOURCE = "device"


@dataclass(frozen=True)
class OpContext:
    """What every handler receives."""

    user: User
    intervention: Intervention
    #: The operation as :class:`~webapp.sync.schemas.OperationSchema` loaded it, ids as text.
    op: dict
    #: When it was done, on the device's clock (UTC aware); None: the server's now.
    at: datetime | None
    source: str
    #: The version the change is based on (chained); None: no check.
    base_version: int | None

    @property
    def verb_options(self) -> dict:
        """The keyword arguments every workflow verb takes."""
        return {"at": self.at, "expected_version": self.base_version, "source": self.source}


Handler = Callable[[OpContext], int | None]


def _version(ctx: OpContext) -> int:
    return db.session.get(Intervention, ctx.intervention.id).version


def _open_answers(ctx: OpContext) -> tuple:
    """Where: this user's refused or conflicting answers of the operation's form, not
    resolved yet (but this operation)."""
    return (
        SyncOperation.intervention_id == ctx.intervention.id, SyncOperation.target == ctx.op["form_id"], SyncOperation.user_id == ctx.user.id,
        SyncOperation.type == "answers", SyncOperation.status.in_(("refused", "conflict")), SyncOperation.superseded_by.is_(None),
        SyncOperation.id != ctx.op["id"],
    )


def answers(ctx: OpContext) -> int:
    """The answers to one form (base: the submission's version, 0 = none yet). Applied, they
    resolve this user's earlier refused or conflicting answers of the form ("keep mine")."""
    iv, op, expected = ctx.intervention, ctx.op, ctx.base_version
    sub = get_submission(iv.id, op["form_id"])
    if expected == 0 and sub is not None:
        raise Conflict(_("Someone else answered this form meanwhile."))
    fv = form_for(iv, op["form_id"], sub)
    if op.get("form_hash") and op["form_hash"] != fv.content_hash:
        raise Conflict(_("This form was filled in another version than the one of the intervention."))
    # before the save: committed with it (one commit, the operation's), or not at all
    db.session.execute(sa.update(SyncOperation).where(*_open_answers(ctx)).values(superseded_by=op["id"]))
    saved = save_submission(ctx.user, iv.id, op["form_id"], op["data"], expected_version=expected or None, at=ctx.at, source=ctx.source,
                            prefilled=sorted(set(op.get("prefilled") or ())))
    return saved.version


def discard(ctx: OpContext) -> None:
    """"Take the office's version": this user's refused or conflicting answers of the form,
    received before and not resolved yet, are resolved by this operation (who and when: its
    user and ``done_at``); the office's answers stay as they are. Audited, with the
    operations resolved. No version: nothing the office sees changes."""
    resolved = list(db.session.scalars(sa.select(SyncOperation.id).where(*_open_answers(ctx)).order_by(SyncOperation.done_at)))
    if resolved:
        db.session.execute(sa.update(SyncOperation).where(SyncOperation.id.in_(resolved), SyncOperation.superseded_by.is_(None)).values(superseded_by=ctx.op["id"]))
    details = {"operations": resolved, "operation": ctx.op["id"], **origin(ctx.source, ctx.at)}
    audit(ctx.user, "intervention", ctx.intervention.id, "answers_discard", None, ctx.op["form_id"], details)
    return None


def _verb(service: Callable[..., Intervention]) -> Handler:
    """A workflow verb that needs nothing but the context."""

    def handle(ctx: OpContext) -> int:
        service(ctx.user, ctx.intervention.id, **ctx.verb_options)
        return _version(ctx)

    handle.__name__ = handle.__qualname__ = service.__name__
    handle.__doc__ = service.__doc__
    return handle


def finish(ctx: OpContext) -> int:
    workflow.finish_intervention(ctx.user, ctx.intervention.id, duration_minutes=ctx.op.get("duration_minutes"),
                                 travel_minutes=ctx.op.get("travel_minutes"), **ctx.verb_options)
    return _version(ctx)


def transition(ctx: OpContext) -> int:
    workflow.transition(ctx.user, ctx.intervention.id, ctx.op["to"], **ctx.verb_options)
    return _version(ctx)


def time(ctx: OpContext) -> int:
    """Typed times (manual mode). Times equal to those kept change nothing: applied, same
    version, no audit row."""
    workflow.record_time(ctx.user, ctx.intervention.id, actual_minutes=ctx.op.get("duration_minutes"),
                         travel_minutes=ctx.op.get("travel_minutes"), **ctx.verb_options)
    return _version(ctx)


def send_report(ctx: OpContext) -> int:
    """Ask the server to send the report (built from what it holds then: no version check)."""
    request_report_sending(ctx.user, ctx.intervention.id, recipients=ctx.op.get("recipients"), at=ctx.at, source=ctx.source)
    return _version(ctx)


HANDLERS: dict[str, Handler] = {
    "answers": answers,
    "discard": discard,
    "start": _verb(workflow.start_intervention),
    "pause": _verb(workflow.pause_intervention),
    "resume": _verb(workflow.resume_intervention),
    "finish": finish,
    "back_to_confirmed": _verb(workflow.back_to_confirmed),
    "transition": transition,
    "time": time,
    "send_report": send_report,
}
