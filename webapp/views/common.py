"""Small helpers shared by the views."""

from __future__ import annotations

from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, ValidationError

from ..services import access


def require_back_office() -> None:
    if not access.is_back_office(current_user):
        abort(403)


def require_manager() -> None:
    """Users and form definitions belong to the account manager (S5)."""
    if not access.can_manage_users(current_user):
        abort(403)


def json_object() -> dict:
    """The request's JSON object; anything else (no JSON, an array) raises marshmallow's
    ``ValidationError``: a 422 (webapp.errors)."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise ValidationError(_("Send a JSON object."))
    return payload


def load_json_body(schema: Schema) -> dict:
    """The request's JSON object, loaded by ``schema``: a wrong field is a 422 by field."""
    return schema.load(json_object())
