"""Accounts, made by the account manager only (T1, S5)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from marshmallow import ValidationError

from ..auth import end_sessions, hash_password
from ..extensions import db
from ..models import User
from ..schemas import UserInputSchema, error_dict
from . import access, unit
from .audit import audit
from .errors import Forbidden, InvalidInput, NotFound


def _password_errors(password: str | None, required: bool) -> list[str]:
    if not password:
        return [_("This field is required.")] if required else []
    n = current_app.config["MIN_PASSWORD_LENGTH"]
    return [_("At least %(n)d characters.", n=n)] if len(password) < n else []


def _without_blank_email(raw: dict) -> dict:
    """The account form posts ``email=""`` when there is none: no address, not a wrong one."""
    return {k: v for k, v in raw.items() if not (k == "email" and not (v or "").strip())}


def create_user(actor: User | None, raw: dict, *, check_password: bool = True) -> User:
    """``actor`` None is the command line (the first account manager)."""
    if actor is not None and not access.can_manage_users(actor):
        raise Forbidden(_("Only the account manager creates accounts."))
    raw = _without_blank_email(raw)
    try:
        data = UserInputSchema().load(raw)
    except ValidationError as err:
        errors = error_dict(err)
    else:
        errors = {}
    if check_password and (pe := _password_errors(raw.get("password"), True)):
        errors["password"] = pe
    if not errors and db.session.scalar(sa.select(User.id).where(sa.func.lower(User.username) == data["username"].lower())):
        errors["username"] = [_("This username is taken.")]
    if errors:
        raise InvalidInput(errors)
    if not raw.get("password"):
        raise InvalidInput({"password": [_("This field is required.")]})
    user = User(
        username=data["username"],
        display_name=data["display_name"],
        email=data.get("email"),
        role=data["role"],
        password_hash=hash_password(raw["password"]),
        active=True,
    )
    db.session.add(user)
    db.session.flush()
    audit(actor, "user", user.id, "create", None, user.role, {"username": user.username})
    unit.commit()
    return user


def _managed_user(actor: User, user_id: int) -> User:
    """The account ``actor`` is about to change: only the account manager changes accounts."""
    if not access.can_manage_users(actor):
        raise Forbidden(_("Only the account manager manages accounts."))
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such user."))
    return user


def update_user(actor: User, user_id: int, raw: dict) -> User:
    user = _managed_user(actor, user_id)
    raw = _without_blank_email(raw)
    try:
        data = UserInputSchema().load({**raw, "username": user.username})
    except ValidationError as err:
        errors = error_dict(err)
    else:
        errors = {}
    if pe := _password_errors(raw.get("password"), False):
        errors["password"] = pe
    if user.id == actor.id and raw.get("role") and raw.get("role") != user.role:
        errors.setdefault("role", []).append(_("You cannot change your own role."))
    if errors:
        raise InvalidInput(errors)
    before = {"display_name": user.display_name, "email": user.email, "role": user.role}
    user.display_name, user.email, user.role = data["display_name"], data.get("email"), data["role"]
    details = {k: [v, getattr(user, k)] for k, v in before.items() if v != getattr(user, k)}
    if raw.get("password"):
        user.password_hash = hash_password(raw["password"])
        end_sessions(user)  # a reset password logs the old phone out, remember-me cookie and all
        details["password"] = "changed"
    if details:
        audit(actor, "user", user.id, "update", None, None, details)
    db.session.commit()
    return user


def set_active(actor: User, user_id: int, active: bool) -> User:
    user = _managed_user(actor, user_id)
    if user.id == actor.id and not active:
        raise Forbidden(_("You cannot disable your own account."))
    if user.active != active:
        audit(actor, "user", user.id, "enable" if active else "disable", str(user.active), str(active))
        user.active = active
        if not active:
            end_sessions(user)  # enabled again later, it signs in anew
        db.session.commit()
    return user
