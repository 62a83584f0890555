"""Signatures bound to the answers they signed.

When answers holding a signature are saved, the signature is recorded with its signer
(the field's ``signer`` option and the typed name), its time and the digest of the answers
it covers (:func:`engine.facts.answers_digest`: every answer but the signatures, with the
form version). Reading compares that digest with the digest of the answers now: if they
changed after the signature, the signature is no longer valid, and the report and the back
office say so. A new signature (another attachment) records a new digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from engine import FormDefinition, walk
from engine.facts import answers_digest, signatures

from ..extensions import db
from ..models import SignatureRecord, Submission, User, utcnow
from ..registry import definition_of


def _parse_time(value) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def record_signatures(actor: User | None, submission: Submission, d: FormDefinition, data: dict) -> None:
    """Keep a record per signed signature field of ``submission`` (flushes, no commit)."""
    facts = {f.pointer: f for f in signatures(walk(d, data)) if f.attachment}
    existing = {r.pointer: r for r in db.session.scalars(sa.select(SignatureRecord).where(SignatureRecord.submission_id == submission.id))}
    digest = None
    for pointer, rec in existing.items():
        if pointer not in facts:
            db.session.delete(rec)
    for pointer, f in facts.items():
        rec = existing.get(pointer)
        if rec is not None and rec.attachment_id == f.attachment:
            continue  # the same signature: it keeps the digest of what it signed
        digest = digest or answers_digest(d, data)
        if rec is None:
            rec = SignatureRecord(intervention_id=submission.intervention_id, submission_id=submission.id, form_id=submission.form_id, pointer=pointer)
            db.session.add(rec)
        rec.signer = f.signer
        rec.signer_name = (f.name or "")[:160] or None
        rec.signed_at = _parse_time(f.signed_at)
        rec.attachment_id = f.attachment
        rec.answers_digest = digest
        rec.form_content_hash = d.content_hash
        rec.recorded_at = utcnow()
        rec.recorded_by_id = actor.id if actor is not None else None
    db.session.flush()


@dataclass
class SignatureState:
    form_id: str
    pointer: str
    signer: str
    signer_name: str | None
    signed_at: datetime | None
    valid: bool
    recorded_at: datetime


def signature_states(intervention_id: int) -> list[SignatureState]:
    """Every recorded signature of the intervention and whether the answers are still the
    ones it signed."""
    recs = list(db.session.scalars(sa.select(SignatureRecord).where(SignatureRecord.intervention_id == intervention_id).order_by(SignatureRecord.form_id, SignatureRecord.pointer)))
    if not recs:
        return []
    subs = {s.id: s for s in db.session.scalars(sa.select(Submission).where(Submission.intervention_id == intervention_id).options(joinedload(Submission.form_version)))}
    digests: dict[int, str] = {}
    out = []
    for r in recs:
        s = subs.get(r.submission_id)
        if s is None:
            continue
        if s.id not in digests:
            digests[s.id] = answers_digest(definition_of(s.form_version), s.data)
        out.append(SignatureState(r.form_id, r.pointer, r.signer, r.signer_name, r.signed_at, digests[s.id] == r.answers_digest, r.recorded_at))
    return out
