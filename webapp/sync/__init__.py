"""The sync API of the offline technician client (issue 5), under ``/api/v1``:

* ``GET  /api/v1/sync/session``  who is logged in, and the CSRF token for the writes;
* ``GET  /api/v1/sync/pull``     the technician's interventions changed since a cursor;
* ``POST /api/v1/sync/push``     a batch of operations, idempotent by operation UUID;
* ``PUT  /api/v1/attachments/<uuid>`` a photo or signature (raw bytes), ``GET``/``HEAD``
  whether it is there.

Documented in ``docs/openapi.yaml``. Same login (session or "remember me" cookie) and CSRF
header (``X-CSRFToken``) as the rest of the API.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, jsonify, request
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from marshmallow import ValidationError

from ..i18n import chosen_lang, current_lang
from ..services.errors import InvalidInput, ServiceError
from . import attachments as att_mod
from .ops import apply_operation
from .pull import pull as do_pull
from .schemas import OperationSchema, PushSchema, flat_errors

bp = Blueprint("sync", __name__, url_prefix="/api/v1")


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    body = {"error": exc.message, "code": getattr(exc, "code", "invalid")}
    if isinstance(getattr(exc, "errors", None), dict):
        body["errors"] = exc.errors
    return jsonify(body), exc.status_code


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise InvalidInput({"id": ["Not a valid UUID."]}) from None


@bp.route("/sync/session")
@login_required
def session():
    u = current_user
    return jsonify({"user": {"id": u.id, "username": u.username, "display_name": u.display_name, "role": u.role}, "csrf_token": generate_csrf(),
                    "lang": current_lang(), "lang_preference": chosen_lang()})


@bp.route("/sync/pull")
@login_required
def pull():
    return jsonify(do_pull(current_user, request.args.get("cursor"), current_lang()))


@bp.route("/sync/push", methods=["POST"])
@login_required
def push():
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise InvalidInput({"_schema": ["Send a JSON object."]})
    try:
        batch = PushSchema().load(payload)
    except ValidationError as err:
        return jsonify({"error": "invalid batch", "code": "invalid", "errors": flat_errors(err.messages)}), 422
    schema = OperationSchema()
    results = []
    # An operation to retry (an attachment not uploaded yet) holds back the later ones of
    # the same intervention: Finish must not overtake the answers it depends on.
    blocked: set[str] = set()
    for raw in batch["ops"]:
        try:
            op = schema.load(raw)
        except ValidationError as err:
            results.append({"id": str(raw.get("id", "")), "status": "refused", "code": "invalid", "message": "invalid operation", "errors": flat_errors(err.messages)})
            continue
        op["id"], op["intervention"] = str(op["id"]), str(op["intervention"])
        op["raw"] = raw
        if op["intervention"] in blocked:
            results.append({"id": op["id"], "status": "retry", "code": "blocked", "message": "An earlier change of this intervention must go first."})
            continue
        result = apply_operation(current_user, op)
        if result["status"] == "retry":
            blocked.add(op["intervention"])
        results.append(result)
    return jsonify({"results": results})


@bp.route("/attachments/<attachment_id>", methods=["PUT"])
@login_required
def put_attachment(attachment_id: str):
    attachment_id = _uuid(attachment_id)
    limit = att_mod.max_bytes()
    if request.content_length is not None and request.content_length > limit:
        raise att_mod.UploadRefused(413, "too_large", f"The file is too large (at most {limit // (1024 * 1024)} MB).")
    data = request.stream.read(limit + 1)
    iv_uuid = request.headers.get("X-Intervention") or request.args.get("intervention")
    att, created = att_mod.put_attachment(current_user, attachment_id, iv_uuid, request.headers.get("Content-Type", ""), request.headers.get("X-Content-SHA256", ""), data)
    body = {"id": att.id, "sha256": att.sha256, "size": att.size, "content_type": att.content_type}
    return jsonify(body), 201 if created else 200


@bp.route("/attachments/<attachment_id>", methods=["GET"])  # HEAD comes with GET
@login_required
def get_attachment(attachment_id: str):
    att = att_mod.find_visible(current_user, _uuid(attachment_id))
    response = jsonify({"id": att.id, "sha256": att.sha256, "size": att.size, "content_type": att.content_type})
    response.headers["X-Content-SHA256"] = att.sha256
    return response


def init_app(app) -> None:
    app.config.setdefault("ATTACHMENT_MAX_BYTES", att_mod.DEFAULT_MAX_BYTES)
    app.config.setdefault("SYNC_DAYS_BEFORE", 1)
    app.config.setdefault("SYNC_DAYS_AFTER", 7)
    app.config.setdefault("SYNC_PENDING_SECONDS", 60)
    app.register_blueprint(bp)
    from . import office

    app.register_blueprint(office.bp)
    app.jinja_env.globals["sync_problems"] = office.sync_problems
