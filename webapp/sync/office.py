"""What the back office sees of device edits the server refused or found in conflict
(``interventions/_sync_conflicts.html``), and the button that dismisses one once handled."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..extensions import db
from ..models import SyncOperation, User, utcnow
from ..services import access

bp = Blueprint("sync_office", __name__)

#: Labels of the operation types, translated when shown (lazy: read in the user's language).
TYPE_LABELS = {
    "answers": _l("Answers"), "start": _l("Start"), "pause": _l("Pause"), "resume": _l("Resume"), "finish": _l("Finish"),
    "back_to_confirmed": _l("Back to confirmed"), "transition": _l("Status change"), "time": _l("Time"),
    "send_report": _l("Report sending"), "discard": _l("Office's version taken"),
}


def _flatten(value, prefix="") -> dict[str, str]:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}/{k}"))
        return out or ({prefix: "{}"} if prefix else {})
    if isinstance(value, list):
        out = {}
        for i, v in enumerate(value):
            out.update(_flatten(v, f"{prefix}/{i}"))
        return out or {prefix: "[]"}
    return {prefix or "/": value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)}


def differences(device, server) -> list[tuple[str, str, str]]:
    """(pointer, device's answer, server's answer) where they differ."""
    a, b = _flatten(device or {}), _flatten(server or {})
    return [(p, a.get(p, "—"), b.get(p, "—")) for p in sorted(set(a) | set(b)) if a.get(p) != b.get(p)]


def sync_problems(iv) -> list[dict]:
    """Refused or conflicting device edits of ``iv`` not dismissed yet, newest first; those
    the device resolved since are marked ``resolved``, with ``resolution`` the operation that
    did (its type: ``answers`` when the device re-sent its version, applied; ``discard``
    when it took the office's version; who, when)."""
    if not access.is_back_office(current_user):
        return []
    rows = db.session.execute(
        sa.select(SyncOperation, User.display_name).join(User, User.id == SyncOperation.user_id)
        .where(SyncOperation.intervention_id == iv.id, SyncOperation.status.in_(("refused", "conflict")), SyncOperation.dismissed_at.is_(None))
        .order_by(SyncOperation.done_at.desc())
    ).all()
    by_ids = {op.superseded_by for op, _ in rows if op.superseded_by}
    resolvers = {}
    if by_ids:
        resolvers = {
            r.id: {"type": r.type, "who": name, "at": r.done_at}
            for r, name in db.session.execute(
                sa.select(SyncOperation, User.display_name).join(User, User.id == SyncOperation.user_id).where(SyncOperation.id.in_(by_ids))
            ).all()
        }
    out = []
    for op, who in rows:
        item = {"op": op, "who": who, "type": TYPE_LABELS.get(op.type, op.type), "diff": [], "resolved": op.superseded_by is not None,
                "resolution": resolvers.get(op.superseded_by) if op.superseded_by else None}
        if op.type == "answers" and op.status == "conflict" and op.server_state:
            item["diff"] = differences(op.payload.get("data"), op.server_state.get("data"))
        out.append(item)
    return out


@bp.route("/interventions/<int:intervention_id>/device-edits/<op_id>/dismiss", methods=["POST"])
@login_required
def dismiss(intervention_id: int, op_id: str):
    if not access.is_back_office(current_user):
        abort(403)
    op = db.session.get(SyncOperation, op_id)
    if op is None or op.intervention_id != intervention_id:
        abort(404)
    op.dismissed_at, op.dismissed_by_id = utcnow(), current_user.id
    db.session.commit()
    flash(_("Device edit marked as handled."), "info")
    return redirect(url_for("interventions.show", intervention_id=intervention_id))
