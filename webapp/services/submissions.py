"""Answers to the forms of an intervention, validated by the engine against the exact
FormVersion they were filled with (E2)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..i18n import current_lang
from ..models import FormVersion, Submission, User, utcnow
from ..registry import definition_of, get_registry
from . import policy, unit
from .audit import audit, origin
from .equipment import update_from_answers
from .errors import Conflict, InvalidAnswers, NotFound
from .interventions import load_intervention
from .signatures import record_signatures


def form_ids_of(intervention, submissions) -> list[str]:
    """The event type's forms, then any other form answered (a type changed since)."""
    et = get_registry().event_types.get(intervention.event_type_id)
    ids = list(et.forms) if et else []
    ids += [s.form_id for s in submissions if s.form_id not in ids]
    return ids


def load_submissions(intervention_id: int) -> list[Submission]:
    return list(
        db.session.scalars(
            sa.select(Submission)
            .where(Submission.intervention_id == intervention_id)
            .options(joinedload(Submission.form_version), joinedload(Submission.updated_by))
            .order_by(Submission.form_id)
        )
    )


def form_for(intervention, form_id: str, submission: Submission | None) -> FormVersion:
    """The version answers are (to be) validated with: the submission's own, else the
    current one of the registry."""
    if submission is not None:
        return submission.form_version
    et = get_registry().event_types.get(intervention.event_type_id)
    if et is None or form_id not in et.forms:
        raise NotFound(_("This form is not one of this intervention's forms."))
    fv = get_registry().current_version(form_id)
    if fv is None:
        raise NotFound(_("The form “%(id)s” is not available.", id=form_id))
    return fv


def get_submission(intervention_id: int, form_id: str) -> Submission | None:
    return db.session.scalar(
        sa.select(Submission)
        .where(Submission.intervention_id == intervention_id, Submission.form_id == form_id)
        .options(joinedload(Submission.form_version), joinedload(Submission.updated_by))
    )


def save_submission(actor: User, intervention_id: int, form_id: str, data: dict, *, expected_version: int | None = None, lang: str | None = None,
                    at: datetime | None = None, source: str = "web", prefilled: list[str] | None = None) -> Submission:
    """Validate and store the answers to one form; all or nothing. What is stored is exactly
    what was validated: the engine's checked answers (without what a rule hides). ``at`` and
    ``source`` (when and where the answers were given: a device's clock) go to the audit row,
    and so do the fields saved with their prefilled value unconfirmed (``prefilled``,
    :mod:`webapp.services.prefill`)."""
    iv = load_intervention(intervention_id, actor)
    policy.enforce(actor, iv, "edit_answers", source=source)  # closed (S3), rights (S4), mandatory Start (H3)
    sub = get_submission(iv.id, form_id)
    fv = form_for(iv, form_id, sub)
    if sub is not None and expected_version is not None and sub.version != expected_version:
        raise Conflict(_("Someone else changed these answers meanwhile: reload them and redo your change."))
    d = definition_of(fv)
    data, errors = d.check(data, lang or current_lang())
    if errors:
        raise InvalidAnswers(errors)
    now = utcnow()
    before = sub.data if sub is not None else None
    if sub is None:
        sub = Submission(intervention_id=iv.id, form_id=form_id, form_version_id=fv.id, data=data, created_at=now, updated_at=now, updated_by_id=actor.id)
        db.session.add(sub)
        action = "answers_create"
    else:
        sub.data = data
        sub.updated_at = now
        sub.updated_by_id = actor.id
        action = "answers_update"
    try:
        db.session.flush()
        record_signatures(actor, sub, d, data)
        details = {"form_version": fv.version, "content_hash": fv.content_hash, **origin(source, at)}
        if prefilled:
            details["prefilled"] = list(prefilled)
        audit(actor, "intervention", iv.id, action, None, form_id, details)
        update_from_answers(actor, iv, source=source, at=at, form_id=form_id, before=before)  # a correction once done
        unit.commit()
    except (StaleDataError, IntegrityError):
        unit.rollback()
        raise Conflict(_("Someone else changed these answers meanwhile: reload them and redo your change.")) from None
    return sub
