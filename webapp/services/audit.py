"""The audit trail: who, when, on what, from what to what."""

from __future__ import annotations

from datetime import datetime, timezone

from ..extensions import db
from ..models import AuditLog, User, utcnow


def audit(actor: User | None, entity: str, entity_id, action: str, from_value=None, to_value=None, details: dict | None = None) -> AuditLog:
    row = AuditLog(
        user_id=actor.id if actor is not None else None,
        at=utcnow(),
        entity=entity,
        entity_id=str(entity_id),
        action=action,
        from_value=None if from_value is None else str(from_value)[:200],
        to_value=None if to_value is None else str(to_value)[:200],
        details=details,
    )
    db.session.add(row)
    return row


def origin(source: str, at: datetime | None = None) -> dict:
    """The ``details`` saying where a change came from (web, device, cli) and when it was
    made there (for a device, on its own clock; default now), in UTC."""
    return {"source": source, "at": (at or utcnow()).astimezone(timezone.utc).isoformat()}
