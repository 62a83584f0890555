"""What a role may do, whatever the intervention. Roles: manager (account manager), office
(back office), technician.

Users and definitions belong to the account manager (S5); planning (interventions,
clients) to the back office; a technician sees only the interventions they are assigned
to. What a user may do to one intervention is :mod:`webapp.services.policy`'s.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..models import Intervention, User, intervention_technicians

BACK_OFFICE_ROLES = ("manager", "office")


def is_back_office_role(role: str) -> bool:
    return role in BACK_OFFICE_ROLES


def is_back_office(user: User) -> bool:
    return is_back_office_role(user.role)


def can_manage_users(user: User) -> bool:
    return user.role == "manager"


def is_assignable(user: User) -> bool:
    """Can be assigned interventions, and so has a planning and a calendar feed to manage."""
    return user.role == "technician"


def can_plan(user: User) -> bool:
    """Create interventions, edit clients."""
    return is_back_office(user)


def can_export(user: User) -> bool:
    """Export answers (issue 15): a file of every client's answers, which only the back
    office reads; a technician sees only their own interventions."""
    return is_back_office(user)


def visible_interventions(user: User, stmt: sa.Select) -> sa.Select:
    """Restrict a select of interventions to what ``user`` may see (the policy's ``view``,
    as SQL)."""
    if is_back_office(user):
        return stmt
    mine = sa.select(intervention_technicians.c.intervention_id).where(intervention_technicians.c.user_id == user.id)
    return stmt.where(Intervention.id.in_(mine))
