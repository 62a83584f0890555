"""Small helpers shared by the views."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from ..services import access


def require_back_office() -> None:
    if not access.is_back_office(current_user):
        abort(403)


def require_manager() -> None:
    if current_user.role != "manager":
        abort(403)
