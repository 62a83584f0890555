"""Who may do what. Roles: manager (account manager), office (back office), technician.

The workflow's ``rights`` (form_definitions/workflow.json) decide edits of done
interventions; everything about users and definitions belongs to the account manager (S5).
A technician reaches only the interventions they are assigned to.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..models import Intervention, User, intervention_technicians
from ..registry import get_registry


def is_back_office(user: User) -> bool:
    return user.role in ("manager", "office")


def can_manage_users(user: User) -> bool:
    return user.role == "manager"


def can_manage_definitions(user: User) -> bool:
    return user.role == "manager"


def can_plan(user: User) -> bool:
    """Create interventions, edit clients."""
    return is_back_office(user)


def is_assigned(user: User, intervention: Intervention, technician_ids: set[int] | None = None) -> bool:
    if technician_ids is None:
        technician_ids = {t.id for t in intervention.technicians}
    return user.id in technician_ids


def can_view(user: User, intervention: Intervention, technician_ids: set[int] | None = None) -> bool:
    return is_back_office(user) or is_assigned(user, intervention, technician_ids)


def can_edit(user: User, intervention: Intervention, technician_ids: set[int] | None = None) -> bool:
    """Change the appointment or its answers (S4): not closed for the device, and the
    workflow's right for done or not done."""
    if not can_view(user, intervention, technician_ids):
        return False
    if intervention.closed and not is_back_office(user):
        return False
    wf = get_registry().workflow
    state = get_registry().status(intervention.status).state
    if state == "cancelled":
        return False
    right = "edit_after_done" if state == "done" else "edit_before_done"
    return wf.can(user.role, right)


def can_edit_appointment(user: User, intervention: Intervention, technician_ids: set[int] | None = None) -> bool:
    """Date, client, technicians, type: the back office's job."""
    return is_back_office(user) and can_edit(user, intervention, technician_ids)


def can_correct_answers(user: User, intervention: Intervention, technician_ids: set[int] | None = None) -> bool:
    return can_edit(user, intervention, technician_ids)


def allowed_statuses(user: User, intervention: Intervention):
    if intervention.closed and not is_back_office(user):
        return []
    return get_registry().workflow.allowed_transitions(intervention.status, user.role)


def visible_interventions(user: User, stmt: sa.Select) -> sa.Select:
    """Restrict a select of interventions to what ``user`` may see."""
    if is_back_office(user):
        return stmt
    mine = sa.select(intervention_technicians.c.intervention_id).where(intervention_technicians.c.user_id == user.id)
    return stmt.where(Intervention.id.in_(mine))
